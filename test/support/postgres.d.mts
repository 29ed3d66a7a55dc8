import type { EmbeddedServer } from '../../src/storage/embedded.js';
export function freePort(): Promise<number>;
export function startTestServer(): Promise<{ adminUrl: string; embedded?: EmbeddedServer }>;
export function createDatabase(adminUrl: string, name: string): Promise<string>;
export function dropDatabase(adminUrl: string, name: string): Promise<void>;
export function uniqueDatabaseName(purpose: string): string;
