// Group PATCH of one member in a 100,000-member group, and the server's memory (issue 14).
// Measures, through HTTP against `node dist/src/main.js`:
//   - PATCH add / remove of one member (Entra form: `remove` with a value list; Okta form:
//     `members[value eq "…"]`), 1 client and 16 clients on the same group, each client toggling
//     its own member: latency, failures by status, statements per PATCH (pg_stat_statements,
//     BEGIN/COMMIT included), CPU per PATCH of the server and of PostgreSQL (/proc), and the final
//     membership (exactly the loaded members; every toggled member out again);
//   - the server's VmRSS / VmHWM (/proc/PID/status) after the load and during each phase,
//     including GET of the group with its 100,000 members, list pages and lookups.
//
//   node bench/group-patch.mjs [--users 100000] [--pairs 150] [--json FILE]
//
// The bundled PostgreSQL runs from data/bench-groups (wiped at start and at the end), restarted
// once with pg_stat_statements. The load is set-based SQL. See bench/README.md.
import { copyFileSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import {
  flag, httpClient, openBenchDatabase, option, postgresCpuMs, processCpuMs, rssOf, rssSampler, runBench, sleep, startBenchServer, loadBigOrganization,
} from './harness.mjs';
import { performance } from 'node:perf_hooks';

const USERS = Number(option('--users', '100000'));
let PAIRS = Number(option('--pairs', '150')); // add+remove pairs per client (c=1); c=16: PAIRS/4 per client
const JSON_OUT = option('--json', undefined);
const CLIENTS = 16;
const PATCH_ONLY = flag('--patch-only'); // skip the memory phases
const MEMORY_ONLY = flag('--memory-only'); // PATCH runs of 2 pairs only
const ONLY_CLIENTS = option('--clients', undefined); // '1' or '16': only those PATCH scenarios

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const request = httpClient(64);
const log = (message) => process.stderr.write(`[group-patch ${(performance.now() / 1000).toFixed(1)}s] ${message}\n`);

const bench = await openBenchDatabase('bench-groups', { 'pg_stat_statements.track': 'all', 'pg_stat_statements.track_planning': 'on' });
const { pool, ctx, createOrganization, dataDir: DATA_DIR } = bench;
await pool.query('create extension if not exists pageinspect');

await runBench('group-patch', bench, main, {
  keepLog: (file) => { if (process.env.SERVER_LOG_COPY) copyFileSync(file, process.env.SERVER_LOG_COPY); },
});
process.exit(); // a sampler of a failed phase would keep the process alive

async function main() {
  const org = await createOrganization(ctx, {
    name: 'Group patch bench', plan: 'enterprise', seats: { enterprise: 2 * USERS },
    prices: { enterprise: 4000 }, ownerEmail: 'owner@bench.example', billingMode: 'sales_assisted',
  });
  const t0 = performance.now();
  const loaded = await loadBigOrganization(pool, org.orgId, USERS, CLIENTS);
  log(`loaded ${USERS} users and a ${USERS}-member group in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const base = await startBenchServer(bench, request, (process.env.SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean));
  const scim = `${base}/scim/v2`;
  const auth = { Authorization: `Bearer ${org.scimToken}` };
  const call = (method, url, body) => request(method, `${scim}${url}`, body, auth);
  const memory = { afterStart: rssOf(bench.child.pid) };

  const group = `/Groups/${loaded.groupId}`;
  const add = (id) => ({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
  const removeEntra = (id) => ({ schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members', value: [{ value: id }] }] });
  const removeOkta = (id) => ({ schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] });

  // Each client toggles its own member (not in the group at the start): add, remove, add, …
  const scenario = async (name, clients, pairs, remove) => {
    if (ONLY_CLIENTS && name !== 'warm-up' && String(clients) !== ONLY_CLIENTS) return undefined;
    const sampler = rssSampler(bench.child.pid);
    const waits = lockWaitSampler();
    const pages = groupPageSampler(org.orgId, loaded.groupId);
    const tablesBefore = await tableStats();
    const multiBefore = await nextMultixact();
    const walBefore = await walCounters();
    await pool.query('select pg_stat_statements_reset()');
    const switchesBefore = postgresContextSwitches(DATA_DIR);
    const before = cpu();
    const latencies = { add: [], remove: [] };
    const statuses = {};
    const started = performance.now();
    await Promise.all(Array.from({ length: clients }, async (_, w) => {
      const id = loaded.extra[w];
      for (let i = 0; i < 2 * pairs; i += 1) {
        const kind = i % 2 === 0 ? 'add' : 'remove';
        for (;;) {
          const t = performance.now();
          const response = await call('PATCH', group, kind === 'add' ? add(id) : remove(id));
          const ms = performance.now() - t;
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          if (response.status === 204 || response.status === 200) { latencies[kind].push(ms); break; }
          if (response.status >= 500 || statuses[response.status] > 50) throw new Error(`${name}: PATCH answered ${response.status}: ${response.text.slice(0, 300)}`);
        }
      }
    }));
    const wallMs = performance.now() - started;
    const n = latencies.add.length + latencies.remove.length;
    const spent = cpuSince(before, n);
    const switches = (postgresContextSwitches(DATA_DIR) - switchesBefore) / n;
    await sleep(500); // after-commit work, if any, is counted too
    const statements = (await pool.query(`
      select query, calls::int, plans::int, total_plan_time::float8 as plan_ms, total_exec_time::float8 as ms, (shared_blks_hit + shared_blks_read)::float8 as blocks, shared_blks_dirtied::float8 as dirtied, wal_records::float8 as wal from pg_stat_statements
       where dbid = (select oid from pg_database where datname = current_database()) and query not like '%pg_stat_statements%' and query not like '%pg_stat_activity%'
       order by calls desc`)).rows;
    const members = (await pool.query('select count(*)::int as n, count(*) filter (where member_id = any($3::uuid[]))::int as extra from group_members where org_id = $1 and group_id = $2',
      [org.orgId, loaded.groupId, loaded.extra])).rows[0];
    if (members.n !== USERS || members.extra !== 0) throw new Error(`${name}: the group has ${members.n} members (${members.extra} toggled ones), expected ${USERS} (0)`);
    const all = [...latencies.add, ...latencies.remove];
    const row = {
      name, clients, patches: n, perSecond: n / wallMs * 1000, statuses,
      all: stats(all), add: stats(latencies.add), remove: stats(latencies.remove),
      statementsPerPatch: statements.reduce((s, r) => s + r.calls, 0) / n,
      statements: statements.map((r) => ({
        perPatch: r.calls / n, plansPerCall: r.plans / r.calls, planMsPerCall: r.plan_ms / r.calls, msPerCall: r.ms / r.calls, blocksPerCall: r.blocks / r.calls, dirtiedPerCall: r.dirtied / r.calls, walPerCall: r.wal / r.calls,
        query: r.query.replace(/\s+/g, ' ').slice(0, 140),
      })),
      cpuMsPerPatch: spent, rss: sampler.stop(), lockWaits: await waits.stop(), lwlockWaits,
      tables: tableDelta(tablesBefore, await tableStats(), n), groupPage: await pages.stop(),
      multixactsPerPatch: +(((await nextMultixact()) - multiBefore) / n).toFixed(2),
      pgContextSwitchesPerPatch: +switches.toFixed(1),
    };
    const walAfter = await walCounters();
    row.walPerPatch = { records: +((walAfter.records - walBefore.records) / n).toFixed(2), bytes: Math.round((walAfter.bytes - walBefore.bytes) / n), fsyncs: +((walAfter.fsyncs - walBefore.fsyncs) / n).toFixed(3) };
    log(`${name}: ${n} PATCHes, ${row.perSecond.toFixed(0)}/s, p50 ${row.all.p50.toFixed(1)} p99 ${row.all.p99.toFixed(1)} ms, `
      + `${row.statementsPerPatch.toFixed(1)} statements (${row.statements.map((st) => `${st.perPatch.toFixed(2)}× plans ${st.plansPerCall.toFixed(2)} (${st.planMsPerCall.toFixed(3)} ms) ${st.msPerCall.toFixed(3)} ms ${st.blocksPerCall.toFixed(1)} buf ${st.walPerCall.toFixed(1)} wal [${st.query.slice(0, 60)}]`).join('; ')}), `
      + `LWLock waits (mean backends) ${JSON.stringify(row.lwlockWaits)}, multixacts per PATCH ${row.multixactsPerPatch}, tables per PATCH ${JSON.stringify(row.tables)}, group heap page ${JSON.stringify(row.groupPage)}, `
      + `WAL per PATCH ${JSON.stringify(row.walPerPatch)} (checkpoints included), PostgreSQL context switches per PATCH ${row.pgContextSwitchesPerPatch}, `
      + `${row.statementsPerPatch.toFixed(1)} statements, CPU server ${spent.server.toFixed(2)} + PG ${spent.pg.toFixed(2)} ms per PATCH, statuses ${JSON.stringify(statuses)}, backends waiting on a lock ${row.lockWaits.toFixed(2)} on average, RSS max ${row.rss.maxMiB.toFixed(0)} MiB`);
    return row;
  };

  await scenario('warm-up', 4, 10, removeEntra);
  const rows = [];
  if (MEMORY_ONLY) PAIRS = 2;
  rows.push(await scenario('Entra add/remove, 1 client', 1, PAIRS, removeEntra));
  rows.push(await scenario('Okta add/remove members[value eq], 1 client', 1, PAIRS, removeOkta));
  rows.push(await scenario('Entra add/remove, 16 clients', CLIENTS, Math.ceil(PAIRS / 4), removeEntra));
  rows.push(await scenario('Okta add/remove members[value eq], 16 clients', CLIENTS, Math.ceil(PAIRS / 4), removeOkta));
  rows.splice(0, rows.length, ...rows.filter(Boolean));
  memory.afterPatches = rssOf(bench.child.pid);
  if (PATCH_ONLY) { print(rows, memory); return; }

  // Memory under reads that scale with the organization.
  const phase = async (name, times, concurrency, fn) => {
    const sampler = rssSampler(bench.child.pid);
    const before = cpu();
    const started = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => { while (next < times) { next += 1; await fn(); } }));
    const perSecond = times / (performance.now() - started) * 1000;
    const r = { ...sampler.stop(), serverCpuMsPerRequest: cpuSince(before, times).server, perSecond };
    memory[name] = r;
    log(`${name}: RSS max ${r.maxMiB.toFixed(0)} MiB, HWM ${r.hwmMiB.toFixed(0)} MiB, server CPU ${r.serverCpuMsPerRequest.toFixed(2)} ms per request, ${perSecond.toFixed(0)}/s`);
  };
  const expect = async (response, status, what) => { if (response.status !== status) throw new Error(`${what}: ${response.status} ${response.text.slice(0, 200)}`); return response; };
  let groupBytes = 0;
  await phase(`GET group with ${USERS.toLocaleString('en-US')} members (1 client)`, 3, 1, async () => { groupBytes = (await expect(await call('GET', group), 200, 'GET group')).bytes; });
  await phase(`GET group with ${USERS.toLocaleString('en-US')} members (4 clients)`, 8, 4, async () => { await expect(await call('GET', group), 200, 'GET group'); });
  await phase('list pages of 100 users (16 clients)', 400, 16, async () => {
    await expect(await call('GET', `/Users?filter=${encodeURIComponent('active eq true')}&startIndex=${1 + Math.floor(Math.random() * 900) * 100}&count=100`), 200, 'list');
  });
  await phase('userName eq lookups (16 clients)', 2000, 16, async () => {
    await expect(await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "user${1 + Math.floor(Math.random() * USERS)}@bench.example"`)}`), 200, 'lookup');
  });
  // Last: a list page of groups still builds every member of every group on it in memory.
  await phase('GET /Groups page with members (whole body)', 3, 1, async () => { await expect(await call('GET', '/Groups?count=100'), 200, 'GET /Groups'); });
  memory.end = rssOf(bench.child.pid);
  memory.groupBytes = groupBytes;
  print(rows, memory);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ users: USERS, rows, memory }, null, 2));
}

// Row versions of the groups and group_members tables (updates, HOT updates, dead tuples), per PATCH.
async function tableStats() {
  await pool.query('select pg_stat_force_next_flush()').catch(() => {});
  await sleep(50);
  const { rows } = await pool.query(`select relname, n_tup_upd::float8 as upd, n_tup_hot_upd::float8 as hot, n_tup_ins::float8 as ins, n_tup_del::float8 as del, n_dead_tup::float8 as dead, autovacuum_count::int as av
    from pg_stat_user_tables where relname in ('groups', 'group_members', 'group_versions')`);
  return Object.fromEntries(rows.map((r) => [r.relname, r]));
}
function tableDelta(a, b, n) {
  const out = {};
  for (const [name, r] of Object.entries(b)) {
    const o = a[name] ?? {};
    out[name] = { upd: +((r.upd - (o.upd ?? 0)) / n).toFixed(2), hot: +((r.hot - (o.hot ?? 0)) / n).toFixed(2), ins: +((r.ins - (o.ins ?? 0)) / n).toFixed(2), del: +((r.del - (o.del ?? 0)) / n).toFixed(2), deadAtEnd: r.dead, autovacuums: r.av - (o.av ?? 0) };
  }
  return out;
}
// WAL written and WAL fsyncs so far (every backend's pending counters are flushed within a second).
async function walCounters() {
  await pool.query('select pg_stat_force_next_flush()').catch(() => {});
  await sleep(1100);
  const wal = (await pool.query('select * from pg_stat_wal')).rows[0];
  // wal_sync is in pg_stat_wal up to PostgreSQL 17, in pg_stat_io from 18.
  const fsyncs = wal.wal_sync !== undefined ? Number(wal.wal_sync)
    : Number((await pool.query("select coalesce(sum(fsyncs), 0)::float8 as n from pg_stat_io where object = 'wal'")).rows[0].n);
  return { records: Number(wal.wal_records), bytes: Number(wal.wal_bytes), fsyncs };
}

// Context switches (voluntary + involuntary) of the bundled PostgreSQL's processes: a backend
// that waits for a lock sleeps and is woken, so this counts the waking, whatever the machine's load.
function postgresContextSwitches(dataDir) {
  const postmaster = readFileSync(`${dataDir}/pg/postmaster.pid`, 'utf8').split('\n')[0].trim();
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (entry !== postmaster && status.match(/^PPid:\s+(\d+)/m)?.[1] !== postmaster) continue;
      for (const m of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)) total += Number(m[1]);
    } catch { /* gone */ }
  }
  return total;
}

// Multixacts (row locks shared by several transactions) created so far: a checkpoint writes the
// counter where pg_control_checkpoint() reads it.
async function nextMultixact() {
  await pool.query('checkpoint');
  return Number((await pool.query('select next_multixact_id::text as m from pg_control_checkpoint()')).rows[0].m);
}

// Line pointers on the group row's heap page (pageinspect), sampled every 20 ms: how long a
// chain of versions a statement that reads the group walks.
function groupPageSampler(orgId, groupId) {
  let samples = 0; let pointers = 0; let maxPointers = 0; let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const { rows } = await pool.query(`select count(*)::int as n from heap_page_items(get_raw_page('groups', (select (ctid::text::point)[0]::int from groups where org_id = $1 and id = $2)))`, [orgId, groupId]);
      samples += 1; pointers += rows[0].n; maxPointers = Math.max(maxPointers, rows[0].n);
    } catch { /* the page moved under us */ } finally { busy = false; }
  }, 20);
  return { stop: async () => { clearInterval(timer); while (busy) await sleep(5); return { meanLinePointers: samples ? +(pointers / samples).toFixed(1) : null, maxLinePointers: maxPointers }; } };
}

// How many backends wait on a heavyweight lock (a row lock shows as 'transactionid' or 'tuple'),
// on average over samples every 20 ms: serialization that does not depend on the machine's speed.
function lockWaitSampler() {
  let samples = 0;
  let waiting = 0;
  let busy = false;
  const lw = {}; // LWLock waits by event: contention on a page, the multixact cache, WAL
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const { rows } = await pool.query("select wait_event_type as t, wait_event as e from pg_stat_activity where datname = current_database() and wait_event_type in ('Lock', 'LWLock')");
      samples += 1;
      waiting += rows.filter((r) => r.t === 'Lock').length;
      for (const r of rows) if (r.t === 'LWLock') lw[r.e] = (lw[r.e] ?? 0) + 1;
    } finally { busy = false; }
  }, 20);
  return {
    stop: async () => {
      clearInterval(timer); while (busy) await sleep(5);
      lwlockWaits = Object.fromEntries(Object.entries(lw).map(([e, n]) => [e, +(n / samples).toFixed(3)]));
      return samples ? waiting / samples : 0;
    },
  };
}
var lwlockWaits = {}; // var: set by a sampler while main() runs, before this line is reached

function cpu() {
  return { server: processCpuMs(bench.child.pid), pg: postgresCpuMs(DATA_DIR) };
}
function cpuSince(before, n) {
  const now = cpu();
  return { server: (now.server - before.server) / n, pg: (now.pg - before.pg) / n };
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}

function print(rows, memory) {
  const f = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–');
  const lines = ['', `## Group PATCH of one member, ${USERS.toLocaleString('en-US')}-member group (${new Date().toISOString().slice(0, 16)}Z)`, ''];
  lines.push('| scenario | PATCHes | /s | p50 | p95 | p99 | max | statuses | statements/PATCH | CPU ms/PATCH server + PG | waiting on a lock (mean) | WAL records / fsyncs per PATCH | PG context switches/PATCH | multixacts/PATCH | RSS max MiB |');
  lines.push('|---|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    lines.push(`| ${r.name.replace(/\|/g, '\\|')} | ${r.patches} | ${f(r.perSecond)} | ${f(r.all.p50)} | ${f(r.all.p95)} | ${f(r.all.p99)} | ${f(r.all.max)} | ${Object.entries(r.statuses).map(([k, v]) => `${k}×${v}`).join(' ')} | ${f(r.statementsPerPatch)} | ${r.cpuMsPerPatch.server.toFixed(2)} + ${r.cpuMsPerPatch.pg.toFixed(2)} | ${r.lockWaits.toFixed(2)} | ${r.walPerPatch.records} / ${r.walPerPatch.fsyncs} | ${r.pgContextSwitchesPerPatch} | ${r.multixactsPerPatch} | ${f(r.rss.maxMiB)} |`);
  }
  lines.push('', 'Statements per PATCH (1 client, Entra form):', '');
  for (const s of rows[0].statements) lines.push(`- ${s.perPatch.toFixed(2)} × \`${s.query}\``);
  lines.push('', '| server memory | VmRSS MiB (max while running) | VmHWM MiB | server CPU ms/request | requests/s |', '|---|--:|--:|--:|--:|');
  for (const [name, m] of Object.entries(memory)) {
    if (typeof m !== 'object') continue;
    lines.push(`| ${name} | ${f(m.maxMiB ?? m.rssMiB)} | ${f(m.hwmMiB)} | ${f(m.serverCpuMsPerRequest)} | ${f(m.perSecond)} |`);
  }
  if (memory.groupBytes) lines.push('', `GET of the group with its members: ${(memory.groupBytes / 1e6).toFixed(1)} MB`, '');
  process.stdout.write(lines.join('\n'));
}
