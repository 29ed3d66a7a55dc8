// The little of newman's programmatic API that the conformance test uses (newman ships no types,
// and @types/newman would be one more dependency for five lines).
declare module 'newman' {
  import type { EventEmitter } from 'node:events';

  export interface NewmanRunOptions {
    collection: unknown;
    environment?: unknown;
    envVar?: { key: string; value: string }[];
    folder?: string | string[];
    reporters?: string | string[];
    timeoutRequest?: number;
    bail?: boolean;
  }

  export function run(options: NewmanRunOptions, callback?: (err: Error | null, summary: unknown) => void): EventEmitter;
  const newman: { run: typeof run };
  export default newman;
}
