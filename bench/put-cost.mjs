// What one request of an Okta sync costs the database and the server (issue 14): for each kind —
// `GET /Users?filter=userName eq` that misses, the same that hits, PUT of the whole user with a
// changed profile (Okta's update), PUT that echoes the user unchanged, PUT that deactivates, POST
// of a new user with Okta's body and with Entra's, and PUT that reactivates — pg_stat_statements'
// statements, calls and shared buffers (hit + read) per request, write transactions (transaction
// ids used: each waited for a WAL flush at commit) and WAL bytes per request, and the CPU per
// request of the server process and of PostgreSQL from /proc (steadier than latency on a shared
// machine, still noisier than the counts).
//
//   node bench/put-cost.mjs [--users 2000] [--requests 300] [--top 8] [--json FILE] [--cpu-prof DIR]
//
// The bundled PostgreSQL runs from data/bench-put (wiped at start and at the end), restarted once
// with shared_preload_libraries=pg_stat_statements (track = all). One organization; its users are
// created through HTTP (POST, Okta's body); each kind then runs `--requests` times, one client,
// with a one-second pause before the statistics are read (the work after commit is not awaited).
import { writeFileSync } from 'node:fs';
import {
  httpClient, openBenchDatabase, option, postgresCpuMs, processCpuMs, runBench, sleep, startBenchServer,
} from './harness.mjs';

const USERS = Number(option('--users', '2000'));
const REQUESTS = Number(option('--requests', '300'));
const TOP = Number(option('--top', '8'));
const JSON_OUT = option('--json', undefined);
const CPU_PROF = option('--cpu-prof', undefined); // a directory: the server runs with --cpu-prof there
if (!Number.isInteger(USERS) || !Number.isInteger(REQUESTS) || REQUESTS < 1 || USERS < REQUESTS) throw new Error('--users must be ≥ --requests ≥ 1');

const request = httpClient(4);
const log = (message) => process.stderr.write(`[put-cost] ${message}\n`);
const SCHEMA_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCHEMA_ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const bench = await openBenchDatabase('bench-put', { 'pg_stat_statements.track': 'all' });
const { pool, ctx, createOrganization } = bench;

await runBench('put-cost', bench, main);

/** Okta's user body (as the peers harness's okta-sync sends it). */
function oktaUser(userName, i, extra = {}) {
  return {
    schemas: [SCHEMA_USER], userName,
    name: { givenName: `Okta${i}`, familyName: `Sync${i % 991}` },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `Okta${i} Sync${i % 991}`, locale: 'en-US', externalId: `00u${i}`, groups: [], active: true,
    password: 'placeholder-Okta-1', ...extra,
  };
}

/** Entra's user body (as the peers harness's create-users sends it), for comparison with Okta's create. */
function entraUser(userName, i) {
  return {
    schemas: [SCHEMA_USER, SCHEMA_ENT], externalId: `ext-${userName}`, userName, active: true, displayName: `Given${i} Family${i % 997}`,
    emails: [{ primary: true, type: 'work', value: userName }], meta: { resourceType: 'User' },
    name: { formatted: `Given${i} Family${i % 997}`, familyName: `Family${i % 997}`, givenName: `Given${i}` }, title: 'Engineer',
    [SCHEMA_ENT]: { department: `Dept${i % 17}`, employeeNumber: String(i) },
  };
}

async function main() {
  const base = await startBenchServer(bench, request, CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : []);

  const org = await createOrganization(ctx, {
    name: 'PUT cost', plan: 'enterprise', seats: { enterprise: USERS + 4 * REQUESTS + 100 },
    prices: { enterprise: 4000 }, ownerEmail: 'owner@bench.example', billingMode: 'sales_assisted',
  });
  const auth = { Authorization: `Bearer ${org.scimToken}` };
  const scim = `${base}/scim/v2`;
  const call = async (method, url, body, expect) => {
    const response = await request(method, url, body, auth);
    if (response.status !== expect) throw new Error(`${method} ${url.replace(base, '')} answered ${response.status}, expected ${expect}: ${response.text.slice(0, 300)}`);
    return response;
  };
  const users = [];
  for (let i = 0; i < USERS; i += 1) {
    const userName = `okta${i}@put.example`;
    const response = await call('POST', `${scim}/Users`, oktaUser(userName, i), 201);
    users.push({ i, userName, id: JSON.parse(response.text).id });
  }
  log(`${USERS} users created through HTTP`);
  const eq = (userName) => `${scim}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`;
  let fresh = 0; // users the POST kinds create
  const kinds = [
    { name: 'GET userName eq (miss)', run: (u) => call('GET', eq(`absent-${u.userName}`), undefined, 200) },
    { name: 'GET userName eq (hit)', run: (u) => call('GET', eq(u.userName), undefined, 200) },
    { name: 'PUT, profile changed (Okta update)', run: (u) => call('PUT', `${scim}/Users/${u.id}`, oktaUser(u.userName, u.i, { id: u.id, name: { givenName: `Okta${u.i}`, familyName: `Renamed${u.i}` }, title: 'Staff' }), 200) },
    { name: 'PUT, unchanged (echo)', run: (u) => call('PUT', `${scim}/Users/${u.id}`, oktaUser(u.userName, u.i, { id: u.id, name: { givenName: `Okta${u.i}`, familyName: `Renamed${u.i}` }, title: 'Staff' }), 200) },
    { name: 'PUT, active false (deactivate)', run: (u) => call('PUT', `${scim}/Users/${u.id}`, oktaUser(u.userName, u.i, { id: u.id, active: false, title: 'Staff' }), 200) },
    { name: 'POST, Okta body', run: () => { fresh += 1; return call('POST', `${scim}/Users`, oktaUser(`new${fresh}@put.example`, 100000 + fresh), 201); } },
    { name: 'POST, Entra body', run: () => { fresh += 1; return call('POST', `${scim}/Users`, entraUser(`new${fresh}@put.example`, 100000 + fresh), 201); } },
    { name: 'PUT, active true (reactivate)', run: (u) => call('PUT', `${scim}/Users/${u.id}`, oktaUser(u.userName, u.i, { id: u.id, active: true, title: 'Staff' }), 200) },
  ];
  // Warm-up: every kind on users outside the measured ones (plans and token cached).
  for (const kind of kinds) for (const u of users.slice(USERS - 10)) await kind.run(u);
  const results = [];
  for (const kind of kinds) {
    await sleep(500);
    await pool.query('select pg_stat_statements_reset()');
    // WAL from the insert position (commit records included) and write transactions from the
    // transaction id counter (each one that committed waited for its WAL flush, fsync on).
    const mark = async () => (await pool.query('select pg_current_wal_lsn()::text as lsn, pg_current_xact_id()::text::bigint as xid')).rows[0];
    const m0 = await mark();
    const cpu0 = processCpuMs(bench.child.pid);
    const pg0 = postgresCpuMs(bench.dataDir);
    for (const u of users.slice(0, REQUESTS)) await kind.run(u);
    const cpuMs = (processCpuMs(bench.child.pid) - cpu0) / REQUESTS;
    const pgCpuMs = (postgresCpuMs(bench.dataDir) - pg0) / REQUESTS;
    const m1 = await mark();
    const walBytes = Number((await pool.query('select pg_wal_lsn_diff($1, $2)::float8 as d', [m1.lsn, m0.lsn])).rows[0].d) / REQUESTS;
    const xids = (Number(m1.xid) - Number(m0.xid) - 1) / REQUESTS;
    await sleep(1000);
    const rows = (await pool.query(`
      select query, calls::int, rows::int, (shared_blks_hit + shared_blks_read)::int as blks
        from pg_stat_statements
       where dbid = (select oid from pg_database where datname = current_database())
         and query not like '%pg_stat_statements%' and query not like '%pg_current_wal_lsn%'
       order by calls desc, shared_blks_hit + shared_blks_read desc`)).rows;
    const calls = rows.reduce((sum, r) => sum + r.calls, 0) / REQUESTS;
    const blks = rows.reduce((sum, r) => sum + r.blks, 0) / REQUESTS;
    results.push({ kind: kind.name, statements: calls, buffers: blks, walBytes, xids, serverCpuMs: cpuMs, pgCpuMs, top: rows.slice(0, TOP).map((r) => ({
      query: r.query.replace(/\s+/g, ' ').slice(0, 140), calls: r.calls / REQUESTS, buffers: r.blks / REQUESTS,
    })) });
    log(`${kind.name}: ${calls.toFixed(2)} statements, ${blks.toFixed(1)} buffers, ${xids.toFixed(2)} write transactions, ${walBytes.toFixed(0)} WAL bytes, CPU server ${cpuMs.toFixed(2)} / PostgreSQL ${pgCpuMs.toFixed(2)} ms per request`);
  }
  const lines = ['', `## Per request of an Okta sync: ${REQUESTS} each, 1 client, ${USERS} users`, '',
    '| request | statements | shared buffers | write transactions | WAL bytes | server CPU ms | PostgreSQL CPU ms |', '|---|--:|--:|--:|--:|--:|--:|'];
  for (const r of results) lines.push(`| ${r.kind} | ${r.statements.toFixed(2)} | ${r.buffers.toFixed(1)} | ${r.xids.toFixed(2)} | ${r.walBytes.toFixed(0)} | ${r.serverCpuMs.toFixed(2)} | ${r.pgCpuMs.toFixed(2)} |`);
  for (const r of results) {
    lines.push('', `### ${r.kind}`, '', '| statement | calls/req | buffers/req |', '|---|--:|--:|');
    for (const s of r.top) lines.push(`| \`${s.query.replace(/\|/g, '\\|')}\` | ${s.calls.toFixed(2)} | ${s.buffers.toFixed(1)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}

