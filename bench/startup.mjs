// Start-up time of `node dist/src/main.js` on the bundled PostgreSQL: a fresh data directory
// (initdb + migrations) and an existing one. Run: npm run build && node bench/startup.mjs [runs]
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const runs = Number(process.argv[2] ?? 5);
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

async function startOnce(dataDir, pgPort) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: { ...process.env, DATABASE_URL: '', SEATGATE_DATA_DIR: dataDir, SEATGATE_EMBEDDED_PG_PORT: String(pgPort), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
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
for (let i = 0; i < runs; i += 1) {
  const dir = path.resolve(`data/bench-startup-${process.pid}-${i}`);
  const pgPort = await freePort();
  fresh.push(await startOnce(dir, pgPort));
  existing.push(await startOnce(dir, pgPort));
  rmSync(dir, { recursive: true, force: true });
}
console.log(`spawn to /readyz 200, median of ${runs}: fresh data dir ${median(fresh).toFixed(0)} ms, existing data dir ${median(existing).toFixed(0)} ms`);
console.log(`fresh: ${fresh.map((x) => x.toFixed(0)).join(', ')} ms; existing: ${existing.map((x) => x.toFixed(0)).join(', ')} ms`);
