// What a create costs PostgreSQL under concurrency (issue 14, decision 0028): the peers harness's
// create-users load (load.mjs, one organization, 16 clients) run by this script, with, per create
// over the whole load (warm-up included):
//   - multixacts created (the next-multixact counter, read with mxid_age: exact, no checkpoint);
//   - WAL records, bytes and full-page image bytes, split by record type (pg_walinspect over the LSN
//     range of the load: exact);
//   - transaction ids used (write transactions: each waited for its own WAL flush);
//   - PostgreSQL CPU (postmaster + backends, /proc) and the server process's CPU;
//   - statements (pg_stat_statements when preloaded, track = all: FK checks and trigger statements);
//   - wait events sampled every 10 ms (LWLocks on the multixact SLRUs, buffer content, WAL), and
//     the state of every server connection (`backend_states`: idle = the connection is the Node
//     server's turn or unused; active on CPU; active waiting, by event), as backend-ms per create
//     (mean backends in the state ÷ creates/s): where a create's wall time goes;
//   - the server's main (event-loop) thread's CPU apart from its other threads (libuv, GC).
//   - WAL flushes (fsyncs, pg_stat_io) and rows inserted / updated / HOT-updated per table (pg_stat_user_tables, read 11 s later:
//     backends flush their statistics when idle).
//
//   node bench/create-hot-row.mjs --peers /work/peers-scratch --url postgres://bench:bench@127.0.0.1:PORT/peer_seatgate \
//     --base URL --token T --server-pid PID --pg-pid PG_PID [--seconds 15] [--warmup 3] [--concurrency 16] [--label NAME] [--json FILE]
// (the URL, base, token and pids are what `node serve.mjs --target seatgate` prints; bench/README.md)
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const argv = process.argv.slice(2);
const arg = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : 'true'; };
const url = arg('url');
const peers = arg('peers', '/work/peers-scratch');
const serverPid = Number(arg('server-pid'));
const pgPid = Number(arg('pg-pid'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const TICK_MS = 10;
function times(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), own: (Number(f[11]) + Number(f[12])) * TICK_MS, reaped: (Number(f[13]) + Number(f[14])) * TICK_MS };
  } catch { return undefined; }
}
function pgCpuMs() {
  const m = times(pgPid);
  let total = m ? m.own + m.reaped : NaN;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const t = times(e);
    if (t?.ppid === pgPid) total += t.own;
  }
  return total;
}

const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query('create extension if not exists pg_walinspect');
const hasPss = await client.query('create extension if not exists pg_stat_statements').then(
  async () => (await client.query(`select count(*)::int as n from pg_stat_statements limit 1`).then(() => true, () => false)), () => false);

const TABLES = ['organizations', 'org_keys', 'seat_allocations', 'seat_allocation_rows', 'seat_stripes', 'members', 'audit_events', 'seat_reservations'];
async function exact() {
  const { rows: [r] } = await client.query(`select pg_current_wal_insert_lsn() as lsn, mxid_age('1'::xid) as mx,
      pg_snapshot_xmax(pg_current_snapshot())::text::bigint as xid, (select count(*)::int from members) as members`);
  return { ...r, at: new Date().toISOString(), mx: Number(r.mx), xid: Number(r.xid), pg: pgCpuMs(), server: times(serverPid)?.own ?? NaN, main: times(`${serverPid}/task/${serverPid}`)?.own ?? NaN };
}
async function tableStats() {
  const { rows } = await client.query(`select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del from pg_stat_user_tables where relname = any($1)`, [TABLES]);
  const slru = (await client.query(`select name, blks_zeroed, blks_hit, blks_read, blks_written from pg_stat_slru where name like 'Multi%'`)).rows;
  const walFsyncs = Number((await client.query(`select coalesce(sum(fsyncs), 0)::bigint as n from pg_stat_io where object = 'wal'`).catch(() => ({ rows: [{ n: NaN }] }))).rows[0].n);
  return { tables: Object.fromEntries(rows.map((r) => [r.relname, r])), slru: Object.fromEntries(slru.map((r) => [r.name, r])), walFsyncs };
}

const stats0 = await tableStats();
if (hasPss) await client.query('select pg_stat_statements_reset()');
const a = await exact();

// The load: load.mjs as the harness runs it.
const loadArgs = ['load.mjs', '--base', arg('base'), '--token', arg('token'), '--scenario', 'create-users',
  '--concurrency', arg('concurrency', '16'), '--duration', arg('seconds', '15'), '--warmup', arg('warmup', '3'),
  '--server-pid', String(serverPid), '--pg-pid', String(pgPid)];
const load = spawn(process.execPath, loadArgs, { cwd: peers, stdio: ['ignore', 'pipe', 'inherit'] });
let loadOut = '';
load.stdout.on('data', (d) => { loadOut += d; });
const done = new Promise((r) => load.on('exit', r));

const sampler = new pg.Client({ connectionString: url });
await sampler.connect();
let samples = 0; let active = 0; const waits = new Map(); const states = new Map(); let running = true;
done.then(() => { running = false; });
while (running) {
  const { rows } = await sampler.query(`select state, wait_event_type as t, wait_event as e, application_name as app from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`);
  samples += 1;
  for (const r of rows) {
    if (r.app === 'seatgate') {
      const k = r.state !== 'active' ? r.state : r.t ? `active ${r.t}/${r.e}` : 'active on CPU';
      states.set(k, (states.get(k) ?? 0) + 1);
    }
    if (r.state !== 'active') continue;
    active += 1;
    if (r.t) { const k = `${r.t}/${r.e}`; waits.set(k, (waits.get(k) ?? 0) + 1); }
  }
  await sleep(10);
}
await sampler.end();
const b = await exact();
const result = JSON.parse(loadOut.trim().split('\n').pop());
const n = b.members - a.members;
const per = (x) => +(x / n).toFixed(3);

const byType = (await client.query(`select "resource_manager/record_type" as k, count, combined_size as bytes, fpi_size
   from pg_get_wal_stats($1, $2, true) where count > 0 order by count desc`, [a.lsn, b.lsn])).rows;
const wal = (await client.query(`select sum(count)::bigint as records, sum(combined_size)::bigint as bytes, sum(fpi_size)::bigint as fpi_bytes
   from pg_get_wal_stats($1, $2, false)`, [a.lsn, b.lsn])).rows[0];
let statements;
if (hasPss) {
  const { rows } = await client.query(`select calls, rows, total_exec_time as ms, shared_blks_hit + shared_blks_read as bufs, wal_records, wal_bytes, wal_fpi,
      left(regexp_replace(query, '\\s+', ' ', 'g'), 100) as q
    from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
      and query not like '%pg_stat_activity%' and query not like '%pg_get_wal_stats%' and query not like '%pg_current_wal_insert_lsn%' order by calls desc`);
  statements = {
    per_create: per(rows.reduce((s, r) => s + Number(r.calls), 0)),
    buffers_per_create: per(rows.reduce((s, r) => s + Number(r.bufs), 0)),
    top: rows.slice(0, Number(arg('top', '12'))).map((r) => ({ calls: per(Number(r.calls)), bufs: +(Number(r.bufs) / Number(r.calls)).toFixed(1), ms: +(r.ms / Number(r.calls)).toFixed(3), wal_records: +(Number(r.wal_records) / Number(r.calls)).toFixed(2), wal_bytes: Math.round(Number(r.wal_bytes) / Number(r.calls)), q: r.q })),
  };
}
await sleep(11_000); // idle backends flush their table statistics after 10 s
const stats1 = await tableStats();
const tables = Object.fromEntries(TABLES.filter((t) => stats1.tables[t]).map((t) => {
  const x = stats1.tables[t]; const y = stats0.tables[t] ?? {};
  const d = (k) => per(Number(x[k]) - Number(y[k] ?? 0));
  return [t, { ins: d('n_tup_ins'), upd: d('n_tup_upd'), hot: d('n_tup_hot_upd'), del: d('n_tup_del') }];
}));
const slru = Object.fromEntries(Object.keys(stats1.slru).map((k) => [k, Object.fromEntries(['blks_zeroed', 'blks_hit', 'blks_read', 'blks_written'].map((c) => [c, per(Number(stats1.slru[k][c]) - Number(stats0.slru[k]?.[c] ?? 0))]))]));
await client.end();

const out = {
  label: arg('label', null), at: new Date().toISOString(),
  creates_per_s: result.units_per_s, status: result.status, cpu_split_pct: result.cpu && { server: result.cpu.server_pct, pg: result.cpu.pg_pct, driver: result.cpu.driver_pct, other: result.cpu.other_pct },
  created: n,
  per_create: {
    multixacts: per(b.mx - a.mx), xids: per(b.xid - a.xid),
    wal_records: per(Number(wal.records)), wal_bytes: per(Number(wal.bytes)), fpi_bytes: per(Number(wal.fpi_bytes)),
    pg_cpu_ms: per(b.pg - a.pg), server_cpu_ms: per(b.server - a.server), server_main_thread_cpu_ms: per(b.main - a.main),
  },
  // Mean server connections in each state, and backend-ms per create in it (÷ creates/s).
  backend_states: Object.fromEntries([...states].sort((x, y) => y[1] - x[1]).slice(0, 12).map(([k, v]) => [k, { mean: +(v / samples).toFixed(2), ms_per_create: +((v / samples) / (n / ((Date.parse(b.at) - Date.parse(a.at)) / 1000)) * 1000).toFixed(3) }])),
  wal_by_record: byType.slice(0, 14).map((r) => ({ k: r.k, per_create: per(Number(r.count)), bytes: per(Number(r.bytes)), fpi_bytes: per(Number(r.fpi_size)) })),
  mean_active_backends: +(active / samples).toFixed(2),
  waits: Object.fromEntries([...waits].sort((x, y) => y[1] - x[1]).slice(0, 12).map(([k, v]) => [k, +(v / samples).toFixed(3)])),
  wal_flushes_per_create: per(stats1.walFsyncs - stats0.walFsyncs), tables, slru, statements,
};
console.log(JSON.stringify(out, null, 1));
if (arg('json')) appendFileSync(arg('json'), `${JSON.stringify(out)}\n`);
