// SIGTERM ends a server promptly whatever its clients and its database do (issue 9.7): requests
// in flight get a bounded drain, then every connection is closed.
import { jest } from '@jest/globals';
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createDatabase, dropDatabase, freePort, uniqueDatabaseName } from '../support/postgres.mjs';
import { printedSecret, startServerProcess, type ServerProcess } from '../support/process.js';

// Real processes on a shared 2-core machine: starts can take a while.
jest.setTimeout(180_000);

const running: ServerProcess[] = [];
afterEach(() => {
  for (const server of running.splice(0)) server.child.kill('SIGKILL');
});

/** Sends SIGTERM; resolves with the exit code and how long the process took to exit. */
async function terminate(server: ServerProcess): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  server.child.kill('SIGTERM');
  const code = await server.exited();
  return { code, ms: Date.now() - started };
}

describe('shutting down', () => {
  describe('with a client that never finishes its request', () => {
    const adminUrl = process.env.SEATGATE_TEST_ADMIN_URL!;
    const name = uniqueDatabaseName('drain');
    afterAll(() => dropDatabase(adminUrl, name));

    it('exits 0 after the drain, closing that connection', async () => {
      // A database of its own: the demo organization's SCIM token authenticates the request, so
      // that the server is really waiting for the announced body.
      const url = await createDatabase(adminUrl, name);
      const server = startServerProcess({ DATABASE_URL: url, SEATGATE_DEMO: 'true', SEATGATE_SHUTDOWN_DRAIN_SECONDS: '1' }, await freePort());
      running.push(server);
      await server.ready();
      const token = printedSecret(server.output(), 'SCIM token');
      const slow = net.connect(server.port, '127.0.0.1');
      await new Promise((resolve, reject) => slow.once('connect', resolve).once('error', reject));
      slow.on('error', () => {}); // reset by the server at the end of the drain
      slow.resume();
      const closedByServer = new Promise((resolve) => slow.once('close', resolve));
      slow.write(`POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n`
        + 'Content-Type: application/scim+json\r\nContent-Length: 1000\r\n\r\n{"userName"');
      await new Promise((resolve) => setTimeout(resolve, 300));
      let giveUp: NodeJS.Timeout | undefined;
      try {
        const started = Date.now();
        server.child.kill('SIGTERM');
        // The give-up timer is cleared: a pending one kept the jest worker alive after the suite.
        const code = await Promise.race([server.exited(), new Promise((resolve) => { giveUp = setTimeout(() => resolve('still running after 20 s'), 20_000); })]);
        expect(code).toBe(0);
        expect(Date.now() - started).toBeLessThan(8_000); // drain 1 s, then the connection is closed
        await closedByServer;
      } finally {
        clearTimeout(giveUp);
        slow.destroy();
      }
    });
  });

  describe('on the bundled PostgreSQL', () => {
    const dataDir = path.resolve(`data/shutdown-${process.pid}-${Date.now()}`);
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it('exits at once after the database was killed underneath it', async () => {
      const server = startServerProcess({ DATABASE_URL: undefined, SEATGATE_DATA_DIR: dataDir, SEATGATE_EMBEDDED_PG_PORT: undefined }, await freePort());
      running.push(server);
      await server.ready(120_000); // initdb on a busy machine
      const postmaster = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(postmaster, 'SIGKILL');
      for (let i = 0; i < 100; i += 1) {
        if ((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status === 503) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const { code, ms } = await terminate(server);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(5_000); // it took 10 s when the stop waited for an exit that had happened
    });
  });
});
