// Who uses a bundled PostgreSQL, and one process at a time deciding to start or stop it.
//
// Every seatgate process that uses the bundled server (servers and CLI runs alike) registers in
// <dataDir>/users/ as `<pid>-<start time>`; the last live one to leave stops the server. Entries
// of dead processes (kill -9) are ignored and removed; the start time guards against pid reuse.
// Starting, sharing and stopping happen under a lock per data directory so that a process that
// is leaving never stops the server under one that is arriving.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The kernel's start time of a process (Linux), to tell a live process from a reused pid. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // a zombie: killed, not yet reaped
    return fields[19];
  } catch {
    return undefined;
  }
}

const hasProc = (() => {
  try { readFileSync('/proc/self/stat'); return true; } catch { return false; }
})();

/** Whether a process runs; a zombie counts as dead. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return hasProc ? startTimeOf(pid) !== undefined : true;
}

const selfEntry = `${process.pid}-${hasProc ? startTimeOf(process.pid) : '0'}`;

function entryAlive(entry: string): boolean {
  const [pidText, start] = entry.split('-');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (!isAlive(pid)) return false;
  return !hasProc || start === startTimeOf(pid);
}

export class UserRegistry {
  private readonly dir: string;
  constructor(dataDir: string) { this.dir = path.join(dataDir, 'users'); }

  async register(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await fs.writeFile(path.join(this.dir, selfEntry), '');
  }

  async unregister(): Promise<void> {
    await fs.rm(path.join(this.dir, selfEntry), { force: true });
  }

  /** The other live processes registered (removing the entries of dead ones). */
  async others(): Promise<string[]> {
    const entries = await fs.readdir(this.dir).catch(() => [] as string[]);
    const live: string[] = [];
    for (const entry of entries) {
      if (entry === selfEntry) continue;
      if (entryAlive(entry)) live.push(entry);
      else await fs.rm(path.join(this.dir, entry), { force: true });
    }
    return live;
  }
}

/**
 * Runs `fn` while holding the data directory's lock. On Linux the lock is an abstract Unix
 * socket bound by the holder: the kernel releases it when the holder dies, whatever the death.
 * Elsewhere a lock directory holding the holder's pid, broken when that process is gone.
 */
export async function withDataDirLock<T>(dataDir: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 32);
  const release = process.platform === 'linux'
    ? await socketLock(`\0seatgate-pg-${key}`, timeoutMs, dataDir)
    : await directoryLock(path.join(dataDir, '.lock'), timeoutMs, dataDir);
  try {
    return await fn();
  } finally {
    await release();
  }
}

async function socketLock(name: string, timeoutMs: number, dataDir: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const server = net.createServer();
    const bound = await new Promise<boolean>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)));
      server.listen({ path: name, exclusive: true }, () => resolve(true));
    });
    if (bound) {
      server.unref();
      return () => new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (Date.now() > deadline) throw lockTimeout(dataDir);
    await sleep(25);
  }
}

async function directoryLock(dir: string, timeoutMs: number, dataDir: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fs.mkdir(dir);
      await fs.writeFile(path.join(dir, 'pid'), String(process.pid));
      return () => fs.rm(dir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await fs.readFile(path.join(dir, 'pid'), 'utf8').catch(() => ''));
      if (holder > 0 && !isAlive(holder)) await fs.rm(dir, { recursive: true, force: true });
    }
    if (Date.now() > deadline) throw lockTimeout(dataDir);
    await sleep(25);
  }
}

const lockTimeout = (dataDir: string) =>
  new Error(`another seatgate process has been starting or stopping the bundled PostgreSQL in ${dataDir} for too long; check it, then retry`);
