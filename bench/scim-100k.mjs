// SCIM at scale: one organization with 100,000 users and one 100,000-member group, measured
// through real HTTP on 127.0.0.1 against `node dist/src/main.js` (a separate process).
//
//   npm run bench                         # builds, then runs this script (a few minutes)
//   node bench/scim-100k.mjs [--users N] [--explain] [--keep] [--json FILE] [--strict]
//
// Without DATABASE_URL the bundled PostgreSQL runs from data/bench (wiped at start; removed at the
// end unless --keep). With DATABASE_URL the bench creates its own organization there and deletes
// it at the end (unless --keep); data/bench then holds only the server's log. The load is set-based SQL (INSERT … SELECT generate_series), not
// HTTP; everything measured goes through HTTP. See bench/README.md.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const USERS = Number(option('--users', '100000'));
const EXPLAIN = flag('--explain');
const KEEP = flag('--keep');
const STRICT = flag('--strict'); // exit code 3 when a target is missed
const JSON_OUT = option('--json', undefined);
if (!Number.isInteger(USERS) || USERS < 1000) throw new Error('--users must be a whole number ≥ 1000');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXTERNAL = Boolean(process.env.DATABASE_URL);
const DATA_DIR = path.join(ROOT, 'data', 'bench');
const DEEP_INDEX = Math.floor(USERS * 0.9) + 1; // startIndex of the "deep" page (90,001 of 100,000)
const TICK_MS = 10; // Linux USER_HZ = 100 (/proc/<pid>/stat times are in ticks)
let postmasterPid;
const LOAD_AT_START = os.loadavg().map((x) => x.toFixed(1)).join(' ');
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  s.once('error', reject);
});
const log = (message) => process.stderr.write(`[bench ${((performance.now()) / 1000).toFixed(1)}s] ${message}\n`);

// ---------------------------------------------------------------------------------------------
// Database: the bundled PostgreSQL (or DATABASE_URL), migrated by the server's own code
// ---------------------------------------------------------------------------------------------
rmSync(DATA_DIR, { recursive: true, force: true });
mkdirSync(DATA_DIR, { recursive: true });
const SERVER_LOG = path.join(DATA_DIR, 'server.log');
const pgPort = await freePort();
const httpPort = await freePort();
Object.assign(process.env, {
  SEATGATE_DATA_DIR: DATA_DIR, SEATGATE_EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'warn', SEATGATE_DEMO: 'false',
});

const { loadConfig } = await import('../dist/src/config.js');
const { createLogger } = await import('../dist/src/observability/logger.js');
const { connectDatabase } = await import('../dist/src/server.js');
const { createOrganization } = await import('../dist/src/services/organizations.js');
const { compileFilter } = await import('../dist/src/protocol/scim/filter/index.js');
const { encodeCursor } = await import('../dist/src/protocol/scim/list.js');
const scimUsers = await import('../dist/src/storage/scim-users.js');
const scimGroups = await import('../dist/src/storage/scim-groups.js');
const { Kysely, PostgresDialect } = await import('kysely');

const config = await loadConfig();
const logger = createLogger('warn');
const t0 = performance.now();
const connection = await connectDatabase(config, logger);
const { pool, db } = connection.handle;
log(`database ready (${EXTERNAL ? 'DATABASE_URL' : `bundled PostgreSQL on 127.0.0.1:${pgPort}, ${path.relative(ROOT, DATA_DIR)}`}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

let child;
let orgId;
let cleaning;
const cleanUp = () => (cleaning ??= doCleanUp());
async function doCleanUp() {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  if (EXTERNAL && orgId && !KEEP) await pool.query('delete from organizations where id = $1', [orgId]).catch(() => {});
  await connection.close();
  if (!KEEP) rmSync(DATA_DIR, { recursive: true, force: true });
}
// Ctrl-C: stop the server and the bundled PostgreSQL this process started, then leave.
process.once('SIGINT', () => { cleanUp().finally(() => process.exit(130)); });

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
  try {
    const tail = readFileSync(SERVER_LOG, 'utf8').trim().split('\n').slice(-30).join('\n');
    if (tail) process.stderr.write(`last lines of the server's log:\n${tail}\n`);
  } catch { /* no log yet */ }
  process.exitCode = 1;
} finally {
  await cleanUp();
}

async function main() {
  // -------------------------------------------------------------------------------------------
  // Organization (through the service), then the set-based load
  // -------------------------------------------------------------------------------------------
  const ctx = { db, plans: config.plans, now: () => new Date() };
  const org = await createOrganization(ctx, {
    name: `Bench Corp ${new Date().toISOString()}`, plan: 'enterprise', seats: { enterprise: 2 * USERS },
    prices: { enterprise: 4000 }, ownerEmail: 'owner@bench.example', billingMode: 'sales_assisted',
  });
  orgId = org.orgId;
  const token = org.scimToken;

  const loadStarted = performance.now();
  const load = await loadData(orgId);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  log(`loaded ${USERS} users, a ${load.bigGroupSize}-member group and a ${load.smallGroupSize}-member group in ${loadSeconds.toFixed(1)} s (VACUUM ANALYZE included)`);

  // -------------------------------------------------------------------------------------------
  // The server under test: a separate process on a free port, sharing the database
  // -------------------------------------------------------------------------------------------
  const serverLog = createWriteStream(SERVER_LOG);
  child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: process.env.DATABASE_URL ?? '', SEATGATE_DATA_DIR: DATA_DIR, SEATGATE_EMBEDDED_PG_PORT: String(pgPort),
      PORT: String(httpPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEATGATE_DEMO: 'false',
      // The per-token limit (default 6000/min = 100 requests/s) would cap every figure below.
      SEATGATE_SCIM_RATE_LIMIT_PER_MINUTE: '100000000', SEATGATE_RENEWAL_CHECK_SECONDS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(serverLog);
  child.stderr.pipe(serverLog);
  const base = `http://127.0.0.1:${httpPort}`;
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}; see its log in data/bench/server.log`);
    try { if ((await request('GET', `${base}/readyz`)).status === 200) break; } catch { /* not yet */ }
    if (i > 3000) throw new Error('the server did not become ready in 30 s');
    await sleep(10);
  }
  log(`server ready on ${base} (pid ${child.pid}, pool ${config.database.poolSize} connections)`);

  const scim = `${base}/scim/v2`;
  const auth = { Authorization: `Bearer ${token}` };
  const call = async (method, url, body, expect) => {
    const response = await request(method, url, body, auth);
    if (expect !== undefined && response.status !== expect) {
      throw new Error(`${method} ${url.replace(base, '')} answered ${response.status}, expected ${expect}: ${response.text.slice(0, 300)}`);
    }
    return response;
  };

  const results = [];
  const record = (row) => { results.push(row); log(`${row.name}: p50 ${fmt(row.stats.p50)} ms, p99 ${fmt(row.stats.p99)} ms (${row.stats.n} requests)`); return row; };

  // -------------------------------------------------------------------------------------------
  // 1. PATCH one member in / out of the 100,000-member group (and of a 10-member group: ratio)
  // -------------------------------------------------------------------------------------------
  const PATCH_PAIRS = 200;
  const removeOp = (id) => ({ schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] });
  const addOp = (id) => ({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
  const patchBig = async (count, warm) => {
    const add = []; const remove = []; const before = cpuSnapshot();
    for (let i = 0; i < count; i += 1) {
      const member = load.users[randomInt(load.users.length)];
      remove.push(await timed(() => call('PATCH', `${scim}/Groups/${load.bigGroupId}`, removeOp(member.id), 204)));
      add.push(await timed(() => call('PATCH', `${scim}/Groups/${load.bigGroupId}`, addOp(member.id), 204)));
    }
    if (!warm) return { add, remove, cpu: cpuSince(before, 2 * count) };
    return undefined;
  };
  const patchSmall = async (count) => {
    const add = []; const remove = []; const before = cpuSnapshot();
    for (let i = 0; i < count; i += 1) {
      const member = load.users[load.smallGroupSize + randomInt(load.users.length - load.smallGroupSize)]; // not a member
      add.push(await timed(() => call('PATCH', `${scim}/Groups/${load.smallGroupId}`, addOp(member.id), 204)));
      remove.push(await timed(() => call('PATCH', `${scim}/Groups/${load.smallGroupId}`, removeOp(member.id), 204)));
    }
    return { add, remove, cpu: cpuSince(before, 2 * count) };
  };
  await patchBig(20, true);
  await patchSmall(20);
  const big = await patchBig(PATCH_PAIRS, false);
  const small = await patchSmall(PATCH_PAIRS);
  const bigAdd = record({ name: `PATCH Group (${fmtInt(load.bigGroupSize)} members): add 1 member`, stats: stats(big.add, undefined, big.cpu), target: { p99: 20 } });
  const bigRemove = record({ name: `PATCH Group (${fmtInt(load.bigGroupSize)} members): remove 1 member`, stats: stats(big.remove, undefined, big.cpu), target: { p99: 20 } });
  const smallAdd = record({ name: `PATCH Group (${load.smallGroupSize} members): add 1 member [reference]`, stats: stats(small.add, undefined, small.cpu) });
  const smallRemove = record({ name: `PATCH Group (${load.smallGroupSize} members): remove 1 member [reference]`, stats: stats(small.remove, undefined, small.cpu) });
  bigAdd.note = `p50 ${ratio(bigAdd.stats.p50, smallAdd.stats.p50)} of the 10-member group's`;
  bigRemove.note = `p50 ${ratio(bigRemove.stats.p50, smallRemove.stats.p50)} of the 10-member group's`;
  const membership = await pool.query('select count(*)::int as n from group_members where org_id = $1 and group_id = $2', [orgId, load.bigGroupId]);
  if (membership.rows[0].n !== load.bigGroupSize) throw new Error(`the big group has ${membership.rows[0].n} members after the PATCH runs, expected ${load.bigGroupSize}`);

  // -------------------------------------------------------------------------------------------
  // 2. userName eq lookups: 16 concurrent clients (and 1, for reference)
  // -------------------------------------------------------------------------------------------
  const lookup = async () => {
    const user = load.users[randomInt(load.users.length)];
    const response = await call('GET', `${scim}/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`, undefined, 200);
    if (!response.text.includes(`"totalResults":1,`)) throw new Error(`lookup of ${user.userName} did not find exactly one user`);
  };
  await runConcurrent(400, 16, lookup); // warm-up
  const lookup16 = await runConcurrent(4000, 16, lookup);
  const lookup1 = await runConcurrent(500, 1, lookup);
  // The same lookups offered at fixed rates (open loop: latency counted from the scheduled send
  // time, so queueing is included), at a quarter, a half and three quarters of the closed-loop
  // throughput: how much lookup traffic this machine serves with a p99 under 10 ms.
  const saturated = lookup16.latencies.length / lookup16.wallMs * 1000;
  const paced = [];
  for (const share of [0.25, 0.5, 0.75]) {
    const rate = Math.max(20, Math.round(saturated * share));
    paced.push({ share, rate, run: await runPaced(Math.min(3000, rate * 10), 16, rate, lookup) });
  }
  // The floor of this machine: an endpoint without database or authentication, 16 clients.
  const healthz = () => request('GET', `${base}/healthz`).then((response) => { if (response.status !== 200) throw new Error(`/healthz answered ${response.status}`); });
  await runConcurrent(400, 16, healthz);
  const floor16 = await runConcurrent(4000, 16, healthz);
  const eq16 = record({ name: 'GET /Users?filter=userName eq "…" (16 clients)', stats: stats(lookup16.latencies, lookup16.wallMs, lookup16.cpu), target: { p99: 10 } });
  const eq1 = record({ name: 'GET /Users?filter=userName eq "…" (1 client) [reference]', stats: stats(lookup1.latencies, lookup1.wallMs, lookup1.cpu) });
  const eqPaced = paced.map(({ share, rate, run }) => record({
    name: `GET /Users?filter=userName eq "…" (16 clients, paced at ${rate} req/s, ${share * 100} % of saturation) [reference]`,
    stats: stats(run.latencies, run.wallMs, run.cpu),
  }));
  const floor = record({ name: 'GET /healthz (16 clients; no DB, no auth: this machine\'s floor) [reference]', stats: stats(floor16.latencies, floor16.wallMs, floor16.cpu) });
  eq16.note = `p50 ${ratio(eq16.stats.p50, eq1.stats.p50)} of 1 client's, ${ratio(eq16.stats.p50, floor.stats.p50)} of /healthz's; closed loop: latency ≈ 16 / throughput`;
  for (const row of eqPaced) row.note = `open loop, latency from the scheduled send time; p99 ${row.stats.p99 < 10 ? '<' : '≥'} 10 ms`;

  // -------------------------------------------------------------------------------------------
  // 3. List pages of 100: filtered, plain deep offset, cursor (reference), first page (reference)
  // -------------------------------------------------------------------------------------------
  const deepCursorAfter = (await pool.query(
    'select id from members where org_id = $1 order by id offset $2 limit 1', [orgId, DEEP_INDEX - 2])).rows[0].id;
  const lists = [
    { name: 'GET /Users?filter=emails[type eq "work"].value sw "user1"&count=100', filter: 'emails[type eq "work"].value sw "user1"', query: 'count=100', target: { p99: 50 } },
    { name: 'GET /Users?filter=active eq true and name.familyName sw "S"&count=100', filter: 'active eq true and name.familyName sw "S"', query: 'count=100', target: { p99: 50 } },
    { name: `GET /Users?startIndex=${fmtInt(DEEP_INDEX)}&count=100 (deep offset page)`, query: `startIndex=${DEEP_INDEX}&count=100`, offset: DEEP_INDEX - 1, target: { p99: 50 } },
    { name: 'GET /Users?startIndex=1&count=100 (first page) [reference]', query: 'startIndex=1&count=100', offset: 0 },
    { name: `GET /Users?cursor=…&count=100 (page after #${fmtInt(DEEP_INDEX - 1)} in id order) [reference]`, query: `cursor=${encodeCursor(deepCursorAfter)}&count=100`, cursorAfter: deepCursorAfter },
  ];
  const LIST_RUNS = 200; // enough for p99 to be the 99th percentile, not the maximum
  for (const list of lists) {
    const url = `${scim}/Users?${list.filter ? `filter=${encodeURIComponent(list.filter)}&` : ''}${list.query}`;
    let total;
    const once = async () => {
      const response = await call('GET', url, undefined, 200);
      const body = JSON.parse(response.text);
      if (body.Resources.length !== Math.min(100, body.totalResults - (list.offset ?? 0))) throw new Error(`${list.name}: ${body.Resources.length} resources of ${body.totalResults}`);
      total = body.totalResults;
      return response;
    };
    for (let i = 0; i < 5; i += 1) await once();
    const run = await runConcurrent(LIST_RUNS, 1, once);
    list.row = record({ name: list.name, stats: stats(run.latencies, run.wallMs, run.cpu), target: list.target });
    list.row.note = `totalResults ${fmtInt(total)}`;
  }
  const firstPage = lists[3].row;
  lists[2].row.note += `; p50 ${ratio(lists[2].row.stats.p50, firstPage.stats.p50)} of the first page's`;

  // -------------------------------------------------------------------------------------------
  // 4. POST /Users through the seat gate: 1 client, then 8 concurrent clients
  // -------------------------------------------------------------------------------------------
  let created = 0;
  const runTag = Date.now().toString(36);
  const createOne = async () => {
    const n = (created += 1);
    const body = newUserBody(`new-${runTag}-${n}@bench.example`, `okta-new-${runTag}-${n}`, n);
    const response = await call('POST', `${scim}/Users`, body, 201);
    if (!response.text.includes('"seatState":"assigned"')) throw new Error(`a created user was not seated: ${response.text.slice(0, 300)}`);
  };
  await runConcurrent(50, 4, createOne); // warm-up
  const post1 = await runConcurrent(300, 1, createOne);
  const post8 = await runConcurrent(800, 8, createOne);
  const p1 = record({ name: 'POST /Users (seat gate, 1 client)', stats: stats(post1.latencies, post1.wallMs, post1.cpu), throughput: true });
  const p8 = record({ name: 'POST /Users (seat gate, 8 clients)', stats: stats(post8.latencies, post8.wallMs, post8.cpu), throughput: true });
  p8.note = `${ratio(p8.stats.rps, p1.stats.rps)} the throughput of 1 client`;
  const seats = (await pool.query(
    `select a.assigned, a.allocated, (select count(*)::int from members m where m.org_id = a.org_id and m.seat_state = 'assigned' and m.seat_type = a.seat_type) as counted
       from seat_allocations a where a.org_id = $1 and a.seat_type = 'enterprise'`, [orgId])).rows[0];
  if (seats.assigned !== seats.counted) throw new Error(`seat counter ${seats.assigned} ≠ ${seats.counted} assigned members`);

  // -------------------------------------------------------------------------------------------
  // 5. GET of the 100,000-member group: without and with its members
  // -------------------------------------------------------------------------------------------
  let leanBytes = 0;
  const lean = await runConcurrent(50, 1, async () => {
    const response = await call('GET', `${scim}/Groups/${load.bigGroupId}?excludedAttributes=members`, undefined, 200);
    leanBytes = response.bytes;
  });
  let fullBytes = 0;
  let fullMembers = 0;
  await call('GET', `${scim}/Groups/${load.bigGroupId}`, undefined, 200); // warm-up
  const full = await runConcurrent(5, 1, async () => {
    const response = await call('GET', `${scim}/Groups/${load.bigGroupId}`, undefined, 200);
    fullBytes = response.bytes;
    fullMembers = JSON.parse(response.text).members.length;
  });
  const leanRow = record({ name: `GET /Groups/{id}?excludedAttributes=members (${fmtInt(load.bigGroupSize)} members)`, stats: stats(lean.latencies, lean.wallMs, lean.cpu) });
  leanRow.note = `${fmtBytes(leanBytes)}`;
  const fullRow = record({ name: `GET /Groups/{id} with members (${fmtInt(load.bigGroupSize)} members)`, stats: stats(full.latencies, full.wallMs, full.cpu) });
  fullRow.note = `${fmtBytes(fullBytes)}, ${fmtInt(fullMembers)} members; ${ratio(fullRow.stats.p50, leanRow.stats.p50)} the lean GET`;

  // -------------------------------------------------------------------------------------------
  // Report
  // -------------------------------------------------------------------------------------------
  const explains = await explainQueries(orgId, load, lists);
  printReport(results, { loadSeconds, seats, explains });
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ users: USERS, loadSeconds, results, explains: explains.map(({ plan, ...rest }) => rest) }, null, 2));
  const failed = results.filter((row) => row.target && verdict(row) === 'FAIL');
  if (failed.length > 0 && STRICT) process.exitCode = 3;
}

// ---------------------------------------------------------------------------------------------
// The load: set-based SQL in one transaction, then VACUUM ANALYZE
// ---------------------------------------------------------------------------------------------
async function loadData(org) {
  const client = await pool.connect();
  try {
    await client.query('begin');
    // Realistic Okta/Entra-shaped users: userName = work email, externalId, name, emails (a third
    // with a home address), title, the enterprise extension. One in 20 is deactivated (inactive,
    // no seat); the others hold an `enterprise` seat. created_at is spread so that paging by
    // creation has a meaningful order.
    await client.query(`
      insert into members (org_id, user_name, external_id, active, role, seat_state, seat_type, seat_reason, source,
                           attributes, created_at, updated_at)
      select $1::uuid,
             'user' || i || '@bench.example',
             'okta-' || lpad(i::text, 8, '0'),
             i % 20 <> 0,
             'member',
             case when i % 20 <> 0 then 'assigned' else 'inactive' end,
             case when i % 20 <> 0 then 'enterprise' end,
             case when i % 20 <> 0
               then jsonb_build_object('kind', 'highest_available', 'trigger', 'scim_create', 'by', jsonb_build_object('type', 'scim'), 'at', to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
               else jsonb_build_object('kind', 'deactivated', 'trigger', 'scim_deactivate', 'by', jsonb_build_object('type', 'scim'), 'at', to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) end,
             'scim',
             jsonb_build_object(
               'name', jsonb_build_object('givenName', g, 'familyName', f, 'formatted', g || ' ' || f),
               'displayName', g || ' ' || f,
               'emails', jsonb_build_array(jsonb_build_object('value', 'user' || i || '@bench.example', 'type', 'work', 'primary', true))
                         || case when i % 3 = 0 then jsonb_build_array(jsonb_build_object('value', lower(g) || '.' || lower(f) || i || '@home.example', 'type', 'home'))
                                 else '[]'::jsonb end,
               'title', d || ' ' || (array['Engineer', 'Analyst', 'Manager', 'Specialist', 'Director'])[1 + i % 5],
               'locale', 'en-US',
               'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', jsonb_build_object(
                 'employeeNumber', lpad(i::text, 6, '0'), 'department', d, 'costCenter', 'CC-' || (100 + i % 40), 'organization', 'Bench Corp')),
             t, t
        from generate_series(1, $2::int) as i,
             lateral (select (array['James','Mary','Robert','Patricia','John','Jennifer','Michael','Linda','David','Elizabeth',
                                    'William','Barbara','Richard','Susan','Joseph','Jessica','Thomas','Sarah','Chris','Karen',
                                    'Daniel','Lisa','Matthew','Nancy','Anthony','Betty','Mark','Sandra','Paul','Ashley',
                                    'Steven','Kim','Andrew','Emily','Kenneth','Donna','Josh','Michelle','Kevin','Carol'])[1 + (i * 7) % 40] as g,
                             (array['Smith','Johnson','Williams','Brown','Jones','Garcia','Miller','Davis','Rodriguez','Martinez',
                                    'Hernandez','Lopez','Gonzalez','Wilson','Anderson','Thomas','Taylor','Moore','Jackson','Martin',
                                    'Lee','Perez','Thompson','White','Harris','Sanchez','Clark','Ramirez','Lewis','Robinson',
                                    'Walker','Young','Allen','King','Wright','Scott','Torres','Nguyen','Hill','Flores',
                                    'Green','Adams','Nelson','Baker','Hall','Rivera','Campbell','Mitchell','Carter','Roberts'])[1 + (i * 13) % 50] as f,
                             (array['Engineering','Sales','Support','Finance','Marketing','Operations','Legal','People'])[1 + (i * 3) % 8] as d,
                             now() - make_interval(secs => ($2::int - i + 1) * 30) as t) as v`, [org, USERS]);
    // The seat counter must agree with the seated members (the gate's invariant).
    await client.query(`
      select seat_set_assigned(a.org_id, a.seat_type,
               (select count(*)::int from members m where m.org_id = a.org_id and m.seat_state = 'assigned' and m.seat_type = a.seat_type))
        from seat_allocations a where a.org_id = $1`, [org]);
    const bigGroup = (await client.query(
      `insert into groups (org_id, display_name, external_id, attributes) values ($1, 'All Employees', 'okta-grp-all', '{}') returning id`, [org])).rows[0].id;
    const smallGroup = (await client.query(
      `insert into groups (org_id, display_name, external_id, attributes) values ($1, 'Bench Admins', 'okta-grp-admins', '{}') returning id`, [org])).rows[0].id;
    await client.query(`
      insert into group_members (org_id, group_id, member_id)
      select org_id, $2, id from members where org_id = $1 and user_name like 'user%@bench.example'`, [org, bigGroup]);
    const users = (await client.query(
      `select id, user_name from members where org_id = $1 and user_name like 'user%@bench.example' order by created_at, id`, [org])).rows
      .map((row) => ({ id: row.id, userName: row.user_name }));
    const SMALL = 10;
    await client.query(
      'insert into group_members (org_id, group_id, member_id) select $1, $2, unnest($3::uuid[])', [org, smallGroup, users.slice(0, SMALL).map((u) => u.id)]);
    await client.query('commit');
    // As a database in steady state would be (autovacuum): statistics and the visibility map.
    await client.query('vacuum analyze members, groups, group_members, seat_allocations, credentials, organizations');
    const bigGroupSize = (await client.query('select count(*)::int as n from group_members where org_id = $1 and group_id = $2', [org, bigGroup])).rows[0].n;
    return { users, bigGroupId: bigGroup, bigGroupSize, smallGroupId: smallGroup, smallGroupSize: SMALL };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

// ---------------------------------------------------------------------------------------------
// EXPLAIN ANALYZE of the SQL the server runs, captured from the storage functions themselves
// ---------------------------------------------------------------------------------------------
async function explainQueries(org, load, lists) {
  const captured = [];
  const capture = new Kysely({ dialect: new PostgresDialect({ pool }), log: (event) => { if (event.level === 'query') captured.push(event.query); } });
  const queriesOf = async (fn) => { captured.length = 0; await fn(); return [...captured]; };
  const cases = [];
  const sample = load.users[Math.floor(load.users.length / 2)];
  cases.push({ name: 'userName eq: the page with its groups (no count)', queries: await queriesOf(() => scimUsers.listUsers(capture, org, compileFilter('User', `userName eq "${sample.userName}"`), undefined, 0, 100, true)) });
  for (const list of lists) {
    const where = list.filter ? compileFilter('User', list.filter) : undefined;
    const fn = list.cursorAfter
      ? () => Promise.all([scimUsers.listUsersAfter(capture, org, where, list.cursorAfter, 100, true), scimUsers.countUsers(capture, org, where)])
      : () => scimUsers.listUsers(capture, org, where, undefined, list.offset ?? 0, 100, true);
    cases.push({ name: list.name.replace(/^GET \/Users\?/, ''), queries: await queriesOf(fn) });
  }
  cases.push({ name: 'group members (GET with members)', queries: await queriesOf(() => scimGroups.membersOfGroups(capture, org, [load.bigGroupId])) });
  const member = load.users[7].id;
  // users[7] is already a member of the big group: the captured insert changes nothing, and the
  // EXPLAIN ANALYZE below runs inside a rolled-back transaction.
  cases.push({ name: 'PATCH add: unknownMemberIds + addMembers', queries: await queriesOf(async () => {
    await scimGroups.unknownMemberIds(capture, org, [member]);
    await scimGroups.addMembers(capture, org, load.bigGroupId, [member]);
  }) });
  // (not destroyed: it shares the bench's pool, which cleanUp ends)
  const out = [];
  for (const c of cases) {
    for (const query of c.queries) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await client.query(`explain (analyze, buffers, format text) ${query.sql}`, [...query.parameters]);
        await client.query('rollback');
        const plan = result.rows.map((row) => row['QUERY PLAN']).join('\n');
        const execution = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN);
        const kind = /^select count\(\*\)/i.test(query.sql.trim()) ? 'count' : /^\s*(insert|update|delete)/i.test(query.sql) ? 'write' : 'read';
        const scans = [...new Set([...plan.matchAll(/(Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|Bitmap Index Scan)(?: using (\w+))? on (\w+)/g)]
          .map((m) => `${m[1]}${m[2] ? ` ${m[2]}` : ''} on ${m[3]}`))];
        const rowsRemoved = [...plan.matchAll(/Rows Removed by Filter: (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
        out.push({ case: c.name, kind, executionMs: execution, scans, rowsRemovedByFilter: rowsRemoved, sql: query.sql, plan });
      } finally {
        client.release();
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------
function verdict(row) {
  if (!row.target) return '';
  return row.stats.p99 < row.target.p99 ? 'PASS' : 'FAIL';
}

function printReport(results, { loadSeconds, seats, explains }) {
  const lines = [];
  lines.push('');
  lines.push(`## SCIM at scale: ${fmtInt(USERS)} users, one ${fmtInt(USERS)}-member group (${EXTERNAL ? 'DATABASE_URL' : 'bundled PostgreSQL'}, ${new Date().toISOString().slice(0, 10)})`);
  lines.push('');
  lines.push(`load (set-based SQL + VACUUM ANALYZE): ${loadSeconds.toFixed(1)} s; seats after the run: ${fmtInt(seats.assigned)} assigned of ${fmtInt(seats.allocated)} (counter = members: ${seats.assigned === seats.counted ? 'yes' : 'NO'})`);
  lines.push(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; load average at start ${LOAD_AT_START}, at end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  lines.push(`client: node:http keep-alive, 127.0.0.1; server: node dist/src/main.js, pool ${config.database.poolSize}, rate limit lifted; latencies in ms, client-side, whole response read`);
  lines.push('');
  lines.push('| measurement | n | p50 | p95 | p99 | max | req/s | CPU ms/req server + PG + client | target | result | notes |');
  lines.push('|---|--:|--:|--:|--:|--:|--:|--:|---|---|---|');
  for (const row of results) {
    const s = row.stats;
    lines.push(`| ${row.name.replace(/\|/g, '\\|')} | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ${fmt(s.max)} | ${s.rps.toFixed(0)} | ${fmtCpu(s.cpu)} | ${row.target ? `p99 < ${row.target.p99} ms` : ''} | ${verdict(row)} | ${row.note ?? ''} |`);
  }
  lines.push('');
  lines.push('### EXPLAIN ANALYZE of the list queries (execution time in PostgreSQL, one run after the HTTP runs)');
  lines.push('');
  lines.push('| case | query | exec ms | scans | rows removed by filter |');
  lines.push('|---|---|--:|---|--:|');
  for (const e of explains) lines.push(`| ${e.case.replace(/\|/g, '\\|')} | ${e.kind} | ${fmt(e.executionMs)} | ${e.scans.join('; ')} | ${fmtInt(e.rowsRemovedByFilter)} |`);
  if (EXPLAIN) {
    for (const e of explains) {
      lines.push('', `#### ${e.case} (${e.kind})`, '', '```sql', e.sql, '```', '', '```', e.plan, '```');
    }
  }
  lines.push('');
  process.stdout.write(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------
// HTTP client and statistics
// ---------------------------------------------------------------------------------------------
function request(method, url, body, headers = {}) {
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1') throw new Error(`the bench only talks to 127.0.0.1, not ${target.hostname}`);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, method, hostname: '127.0.0.1', port: target.port, path: `${target.pathname}${target.search}`,
      headers: {
        Accept: 'application/scim+json', ...headers,
        ...(payload ? { 'Content-Type': 'application/scim+json', 'Content-Length': payload.length } : {}),
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const buffer = Buffer.concat(chunks);
        resolve({ status: res.statusCode, bytes: buffer.length, text: buffer.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

// CPU time (user + system, ms) of the server process, of PostgreSQL (postmaster, its reaped
// children and its live backends; bundled PostgreSQL only) and of this client process.
function procTimes(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[1] = ppid; [11..14] = utime, stime, cutime, cstime
    return { ppid: Number(fields[1]), own: (Number(fields[11]) + Number(fields[12])) * TICK_MS, reaped: (Number(fields[13]) + Number(fields[14])) * TICK_MS };
  } catch {
    return undefined;
  }
}
function cpuSnapshot() {
  const server = child?.pid ? procTimes(child.pid)?.own ?? NaN : NaN;
  let pg = NaN;
  if (!EXTERNAL && os.platform() === 'linux') {
    postmasterPid ??= Number(readFileSync(path.join(DATA_DIR, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const master = procTimes(postmasterPid);
    if (master) {
      pg = master.own + master.reaped;
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const times = procTimes(entry);
        if (times?.ppid === postmasterPid) pg += times.own;
      }
    }
  }
  const usage = process.cpuUsage();
  return { server, pg, client: (usage.user + usage.system) / 1000 };
}
function cpuSince(before, requests) {
  const now = cpuSnapshot();
  return { server: (now.server - before.server) / requests, pg: (now.pg - before.pg) / requests, client: (now.client - before.client) / requests };
}

async function timed(fn) {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** `total` calls of `fn` by `concurrency` workers; latencies and wall time. */
async function runConcurrent(total, concurrency, fn) {
  const latencies = [];
  let next = 0;
  const before = cpuSnapshot();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      next += 1;
      latencies.push(await timed(fn));
    }
  }));
  const wallMs = performance.now() - started;
  return { latencies, wallMs, cpu: cpuSince(before, total) };
}

/** `total` calls of `fn` started at `rate` per second (open loop), at most `concurrency` at once. */
async function runPaced(total, concurrency, rate, fn) {
  const latencies = [];
  let next = 0;
  const before = cpuSnapshot();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const scheduled = started + (next * 1000) / rate;
      next += 1;
      const wait = scheduled - performance.now();
      if (wait > 0) await sleep(wait);
      await fn();
      latencies.push(performance.now() - scheduled);
    }
  }));
  const wallMs = performance.now() - started;
  return { latencies, wallMs, cpu: cpuSince(before, total) };
}

function stats(latencies, wallMs, cpu) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  const wall = wallMs ?? latencies.reduce((a, b) => a + b, 0);
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1], rps: (sorted.length * 1000) / wall, cpu };
}

function newUserBody(userName, externalId, n) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    userName, externalId, active: true,
    name: { givenName: 'New', familyName: `Hire${n}`, formatted: `New Hire${n}` },
    displayName: `New Hire${n}`,
    emails: [{ value: userName, type: 'work', primary: true }],
    title: 'Engineer', locale: 'en-US',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: `N${n}`, department: 'Engineering', costCenter: 'CC-101', organization: 'Bench Corp' },
  };
}

function randomInt(n) { return Math.floor(Math.random() * n); }
function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }
function fmt(x) { return Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–'; }
function fmtCpu(c) { return c ? `${fmt(c.server)} + ${fmt(c.pg)} + ${fmt(c.client)}` : ''; }
function fmtInt(x) { return Number(x).toLocaleString('en-US'); }
function fmtBytes(b) { return b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(1)} kB`; }
function ratio(a, b) { return `${(a / b).toFixed(2)}×`; }
