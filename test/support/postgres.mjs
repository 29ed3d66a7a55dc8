// Which PostgreSQL the tests use: DATABASE_URL when set (CI's second run), otherwise the bundled
// server under data/test-pg. Plain JavaScript on top of dist/ because jest loads its global
// setup outside the ESM/TypeScript pipeline; `npm test` builds dist/ first.
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../dist/src/storage/embedded.js';
import { createLogger } from '../../dist/src/observability/logger.js';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startTestServer() {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL };
  const embedded = await startEmbeddedPostgres({
    dataDir: path.resolve('data/test-pg'),
    port: 0, // a free one, chosen by the bundled server's start
    logger: createLogger('warn', true),
    unsafeFast: true,
  });
  return { adminUrl: embedded.adminUrl, embedded };
}

async function onServer(adminUrl, statement) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Creates an empty database on the server behind `adminUrl` and returns its URL. */
export async function createDatabase(adminUrl, name) {
  await onServer(adminUrl, `create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(adminUrl, name) {
  await onServer(adminUrl, `drop database if exists "${name}" with (force)`);
}

export function uniqueDatabaseName(purpose) {
  return `seatgate_${purpose}_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
}
