import { jest } from '@jest/globals';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { createDatabase, dropDatabase, freePort, uniqueDatabaseName } from '../support/postgres.mjs';
import { printedSecret, startServerProcess, type ServerProcess } from '../support/process.js';

// Real processes on a shared 2-core machine: a fresh data directory can take a while.
jest.setTimeout(180_000);

const running: ServerProcess[] = [];
afterEach(() => {
  for (const server of running.splice(0)) server.child.kill('SIGKILL');
});

async function organization(port: number, adminToken: string) {
  return fetch(`http://127.0.0.1:${port}/admin/v1/organization`, { headers: { Authorization: `Bearer ${adminToken}` } });
}

function postmasterAlive(dataDir: string): boolean {
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try { process.kill(pid, 0); return true; } catch { return false; }
}

describe('a server on the bundled PostgreSQL', () => {
  const dataDir = path.resolve(`data/process-test-${process.pid}-${Date.now()}`);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on a fresh data directory, prints a working token, survives kill -9 and stops cleanly', async () => {
    const env = { DATABASE_URL: undefined, SEATGATE_DATA_DIR: dataDir, SEATGATE_EMBEDDED_PG_PORT: String(await freePort()), SEATGATE_DEMO: 'true' };
    const first = startServerProcess(env, await freePort());
    running.push(first);
    await first.ready(120_000);
    const adminToken = printedSecret(first.output(), 'Admin token');
    expect(printedSecret(first.output(), 'SCIM base URL')).toBe(`http://localhost:${first.port}/scim/v2`);
    const before = await (await organization(first.port, adminToken)).json() as { name: string };
    expect(before.name).toBe('Demo organization');

    first.child.kill('SIGKILL');
    await first.exited();
    expect(postmasterAlive(dataDir)).toBe(true); // the orphan the next start must cope with

    const second = startServerProcess(env, await freePort());
    running.push(second);
    await second.ready(120_000);
    const after = await organization(second.port, adminToken);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual(before);
    expect(second.output()).not.toContain('Admin token'); // the demo is made once only

    // The server's connections use the bundled PostgreSQL's Unix socket (cheaper than TCP), and the
    // planner settings for a local disk apply.
    const probe = new pg.Client({
      host: '127.0.0.1', port: Number(env.SEATGATE_EMBEDDED_PG_PORT), user: 'seatgate', database: 'seatgate',
      password: readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim(),
    });
    await probe.connect();
    try {
      const { rows } = await probe.query(`select count(*) filter (where client_addr is null)::int as socket, count(*) filter (where client_addr is not null)::int as tcp
                                            from pg_stat_activity where application_name = 'seatgate'`);
      expect(rows[0].socket).toBeGreaterThan(0);
      expect(rows[0].tcp).toBe(0);
      expect((await probe.query('show random_page_cost')).rows[0].random_page_cost).toBe('1.1');
    } finally {
      await probe.end();
    }

    second.child.kill('SIGTERM');
    await second.exited();
    for (let i = 0; i < 100 && postmasterAlive(dataDir); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(postmasterAlive(dataDir)).toBe(false);
  });
});

describe('two servers started at once on one empty external database', () => {
  const adminUrl = process.env.SEATGATE_TEST_ADMIN_URL!;
  const name = uniqueDatabaseName('twostart');
  afterAll(() => dropDatabase(adminUrl, name));

  it('both come up, and exactly one creates the demo organization', async () => {
    const url = await createDatabase(adminUrl, name);
    const env = { DATABASE_URL: url, SEATGATE_DEMO: 'true' };
    const servers = [startServerProcess(env, await freePort()), startServerProcess(env, await freePort())];
    running.push(...servers);
    await Promise.all(servers.map((server) => server.ready()));
    expect(servers.filter((server) => server.output().includes('Admin token'))).toHaveLength(1);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query('select count(*)::int as n from organizations')).rows[0].n).toBe(1);
      expect((await client.query('select count(*)::int as n from kysely_migration')).rows[0].n).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
    await Promise.all(servers.map((server) => { server.child.kill('SIGTERM'); return server.exited(); }));
  });
});

describe('the first start on an empty database, by default (demo.enabled "auto")', () => {
  const adminUrl = process.env.SEATGATE_TEST_ADMIN_URL!;
  const names = [uniqueDatabaseName('nodemo'), uniqueDatabaseName('ttydemo')];
  afterAll(() => Promise.all(names.map((name) => dropDatabase(adminUrl, name))));
  const organizations = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query('select count(*)::int as n from organizations')).rows[0].n as number;
    } finally {
      await client.end();
    }
  };

  it('in production with stdout not a terminal (Docker, systemd): no demo organization, no token on stdout, a publicUrl warning', async () => {
    const url = await createDatabase(adminUrl, names[0]!);
    const server = startServerProcess({ DATABASE_URL: url, SEATGATE_DEMO: undefined, SEATGATE_PUBLIC_URL: undefined }, await freePort());
    running.push(server);
    await server.ready();
    expect(server.output()).not.toMatch(/token|secret/i);
    expect(server.output()).toContain('server.publicUrl (SEATGATE_PUBLIC_URL) is not set');
    expect(await organizations(url)).toBe(0);
    server.child.kill('SIGTERM');
    await server.exited();
  });

  it('in a terminal (npm start of the quick start): the demo organization and its tokens', async () => {
    const url = await createDatabase(adminUrl, names[1]!);
    // `script` gives the server a pseudo-terminal as stdout, as a shell would.
    const server = startServerProcess({ DATABASE_URL: url, SEATGATE_DEMO: undefined, NODE_ENV: 'development' }, await freePort(), { terminal: true });
    running.push(server);
    await server.ready();
    for (let i = 0; i < 100 && !server.output().includes('Admin token'); i += 1) await new Promise((r) => setTimeout(r, 50));
    const adminToken = printedSecret(server.output(), 'Admin token');
    expect((await organization(server.port, adminToken)).status).toBe(200);
    server.child.kill('SIGTERM');
    await server.exited();
  });
});

describe('a bundled PostgreSQL port already taken', () => {
  const dataDir = path.resolve(`data/process-port-${process.pid}-${Date.now()}`);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops the server with a message that says what to set', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const server = startServerProcess({ DATABASE_URL: undefined, SEATGATE_DATA_DIR: dataDir, SEATGATE_EMBEDDED_PG_PORT: String(port) }, await freePort());
      running.push(server);
      expect(await server.exited()).toBe(1);
      expect(server.output()).toContain(`cannot listen on port ${port}: another program uses it. Set SEATGATE_EMBEDDED_PG_PORT`);
    } finally {
      blocker.close();
    }
  });
});
