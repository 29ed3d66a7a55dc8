// What an IdP's reads cost (issue 14, decision 0016), per request, at each organization size:
// `GET /Users?filter=userName eq "…"` (a lookup) and `GET /Users?filter=active eq true&startIndex=K
// &count=100` (a page with its exact totalResults, K random over the whole organization).
// Counts that do not depend on the machine's load — from pg_stat_statements: statements, plans
// (a named statement on its cached plan is executed without one) and shared buffers (hit + read)
// — and CPU per request of the server process and of PostgreSQL (all its processes) from /proc,
// which a loaded machine inflates.
//
//   node bench/read-cost.mjs [--sizes 10000,100000] [--requests 1000] [--fresh] [--json FILE]
//
// --fresh (decision 0026): the organizations' members are read as right after an IdP's first
// sync, before autovacuum has come: no VACUUM, no ANALYZE (autovacuum off for `members` during
// the run), so no statistics and no visibility map.
//
// The bundled PostgreSQL runs from data/bench-read (wiped at start and at the end), restarted
// once with shared_preload_libraries=pg_stat_statements (track_planning on). Organizations are
// loaded with set-based SQL (1 in 10 members inactive); the requests go through HTTP to
// `node dist/src/main.js`, one client, one after the other, after as many warm-up requests.
import { writeFileSync } from 'node:fs';
import {
  httpClient, openBenchDatabase, option, postgresCpuMs, processCpuMs, runBench, startBenchServer,
} from './harness.mjs';
import { performance } from 'node:perf_hooks';

const SIZES = option('--sizes', '10000,100000').split(',').map(Number);
const REQUESTS = Number(option('--requests', '1000'));
const JSON_OUT = option('--json', undefined);
const FRESH = process.argv.includes('--fresh');
if (SIZES.some((n) => !Number.isInteger(n) || n < 1000) || !Number.isInteger(REQUESTS) || REQUESTS < 1) throw new Error('bad --sizes (each ≥ 1000) or --requests');

const request = httpClient(4);
const log = (message) => process.stderr.write(`[read-cost] ${message}\n`);

const bench = await openBenchDatabase('bench-read', { 'pg_stat_statements.track_planning': 'on' });
const { pool, ctx, createOrganization, dataDir: DATA_DIR } = bench;

await runBench('read-cost', bench, main);

async function main() {
  const base = await startBenchServer(bench, request);
  if (FRESH) await pool.query('alter table members set (autovacuum_enabled = off)'); // the bench database is wiped at the end

  const results = [];
  for (const size of SIZES) {
    const org = await createOrganization(ctx, {
      name: `Read cost ${size}`, plan: 'enterprise', seats: { enterprise: 2 * size },
      prices: { enterprise: 4000 }, ownerEmail: `owner${size}@bench.example`, billingMode: 'sales_assisted',
    });
    await load(org.orgId, size);
    const active = Number((await pool.query('select count(*) as n from members where org_id = $1 and active', [org.orgId])).rows[0].n);
    const auth = { Authorization: `Bearer ${org.scimToken}` };
    const get = async (query, check) => {
      const response = await request('GET', `${base}/scim/v2/Users?${query}`, undefined, auth);
      if (response.status !== 200 || !check(response.text)) throw new Error(`GET /Users?${query} answered ${response.status}: ${response.text.slice(0, 300)}`);
    };
    const kinds = {
      lookup: () => get(`filter=${encodeURIComponent(`userName eq "user${1 + Math.floor(Math.random() * size)}@${org.orgId}.example"`)}`, (t) => t.includes('"totalResults":1,')),
      'page of 100, active eq true': () => get(`filter=${encodeURIComponent('active eq true')}&startIndex=${1 + 100 * Math.floor(Math.random() * Math.floor(active / 100))}&count=100`,
        (t) => t.includes(`"totalResults":${active},"itemsPerPage":100,`)),
    };
    for (const [kind, send] of Object.entries(kinds)) {
      for (let i = 0; i < REQUESTS; i += 1) await send(); // warm-up: JIT, caches, cached plans
      await pool.query('select pg_stat_statements_reset()');
      const server0 = processCpuMs(bench.child.pid), pg0 = postgresCpuMs(DATA_DIR), t0 = performance.now();
      for (let i = 0; i < REQUESTS; i += 1) await send();
      const seconds = (performance.now() - t0) / 1000;
      const serverMs = processCpuMs(bench.child.pid) - server0, pgMs = postgresCpuMs(DATA_DIR) - pg0;
      const rows = (await pool.query(`
        select query, calls::int, plans::int, (shared_blks_hit + shared_blks_read)::int as blks, total_exec_time as exec, total_plan_time as plan
          from pg_stat_statements
         where dbid = (select oid from pg_database where datname = current_database())
           and query not like '%pg_stat_statements%'`)).rows;
      const sum = (key) => rows.reduce((total, r) => total + Number(r[key]), 0);
      const result = {
        size, kind, requests: REQUESTS, perSecond: REQUESTS / seconds,
        statements: sum('calls') / REQUESTS, plans: sum('plans') / REQUESTS, buffers: sum('blks') / REQUESTS,
        execMs: sum('exec') / REQUESTS, planMs: sum('plan') / REQUESTS, serverCpuMs: serverMs / REQUESTS, postgresCpuMs: pgMs / REQUESTS,
      };
      results.push(result);
      log(`${size} members, ${kind}: ${JSON.stringify(result)}`);
    }
  }
  print(results);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}

async function load(orgId, size) {
  await pool.query(`
    insert into members (org_id, user_name, external_id, active, role, seat_state, seat_type, seat_reason, source, attributes, created_at)
    select $1::uuid, 'user' || i || '@' || $1 || '.example', 'ext-' || i, i % 10 <> 0, 'member',
           case when i % 10 <> 0 then 'assigned' else 'inactive' end, case when i % 10 <> 0 then 'enterprise' end,
           '{"kind":"highest_available","trigger":"scim_create"}'::jsonb, 'scim',
           jsonb_build_object('displayName', 'User ' || i, 'name', jsonb_build_object('givenName', 'User', 'familyName', 'N' || i),
                              'emails', jsonb_build_array(jsonb_build_object('value', 'user' || i || '@' || $1 || '.example', 'type', 'work', 'primary', true)),
                              'title', 'Engineer', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', jsonb_build_object('employeeNumber', i::text, 'department', 'D' || i % 8)),
           now() - make_interval(secs => $2::int - i)
      from generate_series(1, $2::int) as i`, [orgId, size]);
  await pool.query(`select seat_set_assigned(a.org_id, a.seat_type, (select count(*)::int from members m where m.org_id = a.org_id and m.seat_state = 'assigned' and m.seat_type = a.seat_type)) from seat_allocations a where a.org_id = $1`, [orgId]);
  if (FRESH) return;
  await pool.query('vacuum analyze');
}

function print(results) {
  const lines = ['', `## Per-request cost of SCIM reads, ${REQUESTS} requests each, 1 client${FRESH ? ', table never vacuumed nor analyzed' : ''}`, '',
    '| members | request | statements | plans | shared buffers | exec + plan ms (PostgreSQL) | server CPU ms | PostgreSQL CPU ms | requests/s |',
    '|--:|---|--:|--:|--:|--:|--:|--:|--:|'];
  for (const r of results) {
    lines.push(`| ${r.size.toLocaleString('en-US')} | ${r.kind} | ${r.statements.toFixed(2)} | ${r.plans.toFixed(2)} | ${r.buffers.toFixed(1)} | ${r.execMs.toFixed(2)} + ${r.planMs.toFixed(2)} | ${r.serverCpuMs.toFixed(2)} | ${r.postgresCpuMs.toFixed(2)} | ${r.perSecond.toFixed(0)} |`);
  }
  lines.push('', 'CPU from /proc (10 ms ticks), inflated by other load on the machine; statements, plans and buffers are not.');
  process.stdout.write(`${lines.join('\n')}\n`);
}
