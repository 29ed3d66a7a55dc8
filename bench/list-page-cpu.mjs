// CPU per list page of a running server and its PostgreSQL (issue 14, decision 0034): the peers
// harness's page (`GET /Users?filter=active eq true&startIndex=K&count=100`, K a random full page
// of --n users), a fixed number of pages at a fixed concurrency, and the CPU the server process
// and PostgreSQL (the postmaster and all its children) used meanwhile, from /proc: utime+stime
// ticks and, finer, the scheduler's run time (/proc/<pid>/task/*/schedstat, ns). Both are per
// process, so other sessions' load does not count (it only slows the run). With --pg-url, also
// pg_stat_statements' calls and shared buffers per page (needs the extension preloaded).
//
//   node bench/list-page-cpu.mjs --base B --token T --server-pid P --pg-pid Q [--n 10000] [--pages 2000]
//        [--warmup 300] [--concurrency 8] [--rounds 1] [--pg-url postgres://…/peer_seatgate]
// Several servers can be compared on the same database (--base/--server-pid as lists, comma
// separated): the rounds alternate between them.
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { option } from './harness.mjs';

const bases = option('--base', '').split(',').filter(Boolean);
const pids = option('--server-pid', '').split(',').filter(Boolean).map(Number);
const token = option('--token'), pgPid = Number(option('--pg-pid', '0'));
const n = Number(option('--n', '10000')), pages = Number(option('--pages', '2000')), warmup = Number(option('--warmup', '300'));
const conc = Number(option('--concurrency', '8')), rounds = Number(option('--rounds', '1')), pgUrl = option('--pg-url');
if (bases.length === 0 || bases.length !== pids.length || !token || !pgPid) throw new Error('--base, --server-pid (as many), --token and --pg-pid are required');

const ticksOf = (pid) => {
  try {
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch { return 0; }
};
const runNsOf = (pid) => {
  let ns = 0;
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try { ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]); } catch { /* gone */ }
    }
  } catch { /* gone */ }
  return ns;
};
/** The postmaster and its children (backends, walwriter, autovacuum, …). */
const pgPids = () => {
  const out = [pgPid];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { if (Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pgPid) out.push(Number(d)); } catch { /* gone */ }
  }
  return out;
};
// A backend that exits during the window takes its time with it: the pool keeps its connections,
// so the set is read at both ends and only pids present at both count.
const sample = (serverPid) => {
  const pg = new Map(pgPids().map((p) => [p, { ticks: ticksOf(p), ns: runNsOf(p) }]));
  return { server: { ticks: ticksOf(serverPid), ns: runNsOf(serverPid) }, pg };
};
const delta = (a, b) => {
  let ticks = 0, ns = 0;
  for (const [p, s] of b.pg) { const f = a.pg.get(p); if (f) { ticks += s.ticks - f.ticks; ns += s.ns - f.ns; } }
  return { server: { ticks: b.server.ticks - a.server.ticks, ns: b.server.ns - a.server.ns }, pg: { ticks, ns } };
};

const agent = new http.Agent({ keepAlive: true, maxSockets: conc });
const get = (base, path) => new Promise((resolve, reject) => {
  const url = new URL(base + path);
  const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'GET',
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/scim+json, application/json' } }, (res) => {
    let bytes = 0;
    res.on('data', (c) => { bytes += c.length; });
    res.on('end', () => resolve({ status: res.statusCode, bytes }));
  });
  req.on('error', reject); req.end();
});
const filter = encodeURIComponent('active eq true');
const path = () => `/Users?filter=${filter}&startIndex=${1 + Math.floor(Math.random() * Math.floor(n / 100)) * 100}&count=100`;
const run = async (base, count) => {
  let sent = 0, bad = 0, bytes = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    while (sent < count) { sent += 1; const r = await get(base, path()); if (r.status !== 200) bad += 1; bytes += r.bytes; }
  }));
  return { bad, bytes: bytes / count };
};

let pgClient;
if (pgUrl) {
  const { default: pg } = await import('pg');
  pgClient = new pg.Client({ connectionString: pgUrl });
  await pgClient.connect();
}
const statements = async () => {
  if (!pgClient) return undefined;
  const { rows: [r] } = await pgClient.query(`select coalesce(sum(calls), 0)::float8 as calls, coalesce(sum(shared_blks_hit + shared_blks_read), 0)::float8 as buffers,
    coalesce(sum(plans), 0)::float8 as plans from pg_stat_statements where query not like '%pg_stat_statements%'`);
  return r;
};

for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < bases.length; i++) {
    await run(bases[i], warmup);
    if (pgClient) await pgClient.query('select pg_stat_statements_reset()');
    const before = sample(pids[i]);
    const t0 = process.hrtime.bigint();
    const { bad, bytes } = await run(bases[i], pages);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const d = delta(before, sample(pids[i]));
    const s = await statements();
    const ms = (x) => Math.round((x / pages) * 1000) / 1000;
    process.stdout.write(`${JSON.stringify({
      base: bases[i], round: r, pages, bad, bytes: Math.round(bytes), pagesPerS: Math.round(pages / seconds),
      serverMs: ms(d.server.ns / 1e6), pgMs: ms(d.pg.ns / 1e6), serverTicksMs: ms(d.server.ticks * 10), pgTicksMs: ms(d.pg.ticks * 10),
      ...(s ? { statements: ms(s.calls), buffers: Math.round((s.buffers / pages) * 10) / 10, plans: ms(s.plans) } : {}),
    })}\n`);
  }
}
agent.destroy();
await pgClient?.end();
