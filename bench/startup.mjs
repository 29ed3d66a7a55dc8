// Start-up time on the bundled PostgreSQL: `node dist/src/main.js` on a fresh data directory
// (initdb + migrations) and on an existing one, and `npm start` (the README's command: the
// build check, then the server) on an existing one with nothing changed since the build.
// Run: npm run build && node bench/startup.mjs [runs]
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const runs = Number(process.argv[2] ?? 5);
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

async function startOnce(dataDir, viaNpm = false) {
  const port = await freePort();
  const started = performance.now();
  const env = { ...process.env, DATABASE_URL: '', SEATGATE_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  delete env.SEATGATE_EMBEDDED_PG_PORT;
  const child = viaNpm
    ? spawn('npm', ['start', '--silent'], { env, stdio: 'ignore' })
    : spawn(process.execPath, ['dist/src/main.js'], { env, stdio: 'ignore' });
  for (;;) {
    try { if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = performance.now() - started;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fresh = [];
const existing = [];
const npmStart = [];
for (let i = 0; i < runs; i += 1) {
  const dir = path.resolve(`data/bench-startup-${process.pid}-${i}`);
  fresh.push(await startOnce(dir));
  existing.push(await startOnce(dir));
  npmStart.push(await startOnce(dir, true));
  rmSync(dir, { recursive: true, force: true });
}
const list = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
console.log(`spawn to /readyz 200, median of ${runs}: fresh data dir ${median(fresh).toFixed(0)} ms, existing data dir ${median(existing).toFixed(0)} ms, npm start (existing, built) ${median(npmStart).toFixed(0)} ms`);
console.log(`fresh: ${list(fresh)} ms; existing: ${list(existing)} ms; npm start: ${list(npmStart)} ms`);
