// What an IdP's reads cost (issue 14, decision 0016), per request, at each organization size:
// `GET /Users?filter=userName eq "…"` (a lookup) and `GET /Users?filter=active eq true&startIndex=K
// &count=100` (a page with its exact totalResults, K random over the whole organization).
// Counts that do not depend on the machine's load — from pg_stat_statements: statements, plans
// (a named statement on its cached plan is executed without one) and shared buffers (hit + read)
// — and CPU per request of the server process and of PostgreSQL (all its processes) from /proc,
// which a loaded machine inflates.
//
//   node bench/read-cost.mjs [--sizes 10000,100000] [--requests 1000] [--json FILE]
//
// The bundled PostgreSQL runs from data/bench-read (wiped at start and at the end), restarted
// once with shared_preload_libraries=pg_stat_statements (track_planning on). Organizations are
// loaded with set-based SQL (1 in 10 members inactive); the requests go through HTTP to
// `node dist/src/main.js`, one client, one after the other, after as many warm-up requests.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, createWriteStream, readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const SIZES = option('--sizes', '10000,100000').split(',').map(Number);
const REQUESTS = Number(option('--requests', '1000'));
const JSON_OUT = option('--json', undefined);
if (SIZES.some((n) => !Number.isInteger(n) || n < 1000) || !Number.isInteger(REQUESTS) || REQUESTS < 1) throw new Error('bad --sizes (each ≥ 1000) or --requests');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA_DIR = path.join(ROOT, 'data', 'bench-read');
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const log = (message) => process.stderr.write(`[read-cost] ${message}\n`);
const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  s.once('error', reject);
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

rmSync(DATA_DIR, { recursive: true, force: true });
mkdirSync(DATA_DIR, { recursive: true });
const pgPort = await freePort();
const httpPort = await freePort();
Object.assign(process.env, { SEATGATE_DATA_DIR: DATA_DIR, SEATGATE_EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'warn', SEATGATE_DEMO: 'false' });

const { loadConfig } = await import('../dist/src/config.js');
const { createLogger } = await import('../dist/src/observability/logger.js');
const { connectDatabase } = await import('../dist/src/server.js');
const { createOrganization } = await import('../dist/src/services/organizations.js');

const config = await loadConfig();
const logger = createLogger('warn');
// First start: initdb + migrations; then restart with pg_stat_statements preloaded.
let connection = await connectDatabase(config, logger);
await connection.handle.pool.query("alter system set shared_preload_libraries = 'pg_stat_statements'");
await connection.handle.pool.query("alter system set pg_stat_statements.track_planning = on");
await connection.close();
connection = await connectDatabase(config, logger);
const { pool, db } = connection.handle;
await pool.query('create extension if not exists pg_stat_statements');

/** utime + stime in ms of a process, and of the bundled PostgreSQL (postmaster and its children). */
const TICK_MS = 10;
const cpuOf = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * TICK_MS; };
function postgresCpu() {
  const postmaster = Number(readFileSync(path.join(DATA_DIR, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const f = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(entry) === postmaster || Number(f[1]) === postmaster) total += (Number(f[11]) + Number(f[12])) * TICK_MS;
    } catch { /* gone */ }
  }
  return total;
}

let child;
try {
  await main();
} catch (error) {
  process.stderr.write(`read-cost failed: ${error?.stack ?? error}\n`);
  try { process.stderr.write(readFileSync(path.join(DATA_DIR, 'server.log'), 'utf8').split('\n').slice(-20).join('\n')); } catch { /* none */ }
  process.exitCode = 1;
} finally {
  if (child && child.exitCode === null) { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); }
  await connection.close();
  rmSync(DATA_DIR, { recursive: true, force: true });
}

async function main() {
  child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env: {
      ...process.env, DATABASE_URL: '', SEATGATE_DATA_DIR: DATA_DIR, SEATGATE_EMBEDDED_PG_PORT: String(pgPort),
      PORT: String(httpPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEATGATE_DEMO: 'false',
      SEATGATE_SCIM_RATE_LIMIT_PER_MINUTE: '100000000', SEATGATE_RENEWAL_CHECK_SECONDS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const serverLog = createWriteStream(path.join(DATA_DIR, 'server.log'));
  child.stdout.pipe(serverLog);
  child.stderr.pipe(serverLog);
  const base = `http://127.0.0.1:${httpPort}`;
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try { if ((await request('GET', `${base}/readyz`)).status === 200) break; } catch { /* not yet */ }
    if (i > 6000) throw new Error('the server did not become ready in 60 s');
    await sleep(10);
  }

  const ctx = { db, plans: config.plans, now: () => new Date() };
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
      const server0 = cpuOf(child.pid), pg0 = postgresCpu(), t0 = performance.now();
      for (let i = 0; i < REQUESTS; i += 1) await send();
      const seconds = (performance.now() - t0) / 1000;
      const serverMs = cpuOf(child.pid) - server0, pgMs = postgresCpu() - pg0;
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
  await pool.query(`update seat_allocations a set assigned = (select count(*) from members m where m.org_id = a.org_id and m.seat_state = 'assigned' and m.seat_type = a.seat_type) where a.org_id = $1`, [orgId]);
  await pool.query('vacuum analyze');
}

function print(results) {
  const lines = ['', `## Per-request cost of SCIM reads, ${REQUESTS} requests each, 1 client`, '',
    '| members | request | statements | plans | shared buffers | exec + plan ms (PostgreSQL) | server CPU ms | PostgreSQL CPU ms | requests/s |',
    '|--:|---|--:|--:|--:|--:|--:|--:|--:|'];
  for (const r of results) {
    lines.push(`| ${r.size.toLocaleString('en-US')} | ${r.kind} | ${r.statements.toFixed(2)} | ${r.plans.toFixed(2)} | ${r.buffers.toFixed(1)} | ${r.execMs.toFixed(2)} + ${r.planMs.toFixed(2)} | ${r.serverCpuMs.toFixed(2)} | ${r.postgresCpuMs.toFixed(2)} | ${r.perSecond.toFixed(0)} |`);
  }
  lines.push('', 'CPU from /proc (10 ms ticks), inflated by other load on the machine; statements, plans and buffers are not.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

function request(method, url, body, headers = {}) {
  const target = new URL(url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, method, hostname: '127.0.0.1', port: target.port, path: `${target.pathname}${target.search}`,
      headers: { Accept: 'application/scim+json', ...headers, ...(payload ? { 'Content-Type': 'application/scim+json', 'Content-Length': payload.length } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
