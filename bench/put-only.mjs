// Server and PostgreSQL CPU per PUT of the peers harness's okta-sync (issue 14, decision 0040):
// `--users` users created through HTTP with Okta's body, then `--rounds` rounds of one PUT per
// user of the whole user with a changed profile (the name and title alternate between two values,
// so every PUT writes), one client. Per PUT: statements and shared buffers (pg_stat_statements),
// write transactions, server CPU and PostgreSQL CPU from /proc. `--cpu-prof DIR` runs the server
// with --cpu-prof (the creates are a small part of the profile; see bench/profile-phases.mjs).
//
//   node bench/put-only.mjs [--users 500] [--rounds 4] [--cpu-prof DIR] [--main PATH]
//
// `--main`: the server's entry point (default dist/src/main.js), e.g. another build's copy, to
// alternate two builds on the same machine.
import {
  httpClient, openBenchDatabase, option, postgresCpuMs, processCpuMs, runBench, sleep, startBenchServer,
} from './harness.mjs';

const USERS = Number(option('--users', '500'));
const ROUNDS = Number(option('--rounds', '4'));
const CPU_PROF = option('--cpu-prof', undefined);
const MAIN = option('--main', 'dist/src/main.js');
const request = httpClient(4);
const log = (message) => process.stderr.write(`[put-only] ${message}\n`);
const SCHEMA_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

const bench = await openBenchDatabase('bench-put-only', { 'pg_stat_statements.track': 'all' });
const { pool, ctx, createOrganization } = bench;
await runBench('put-only', bench, main);

/** Okta's user body, as the peers harness's okta-sync sends it (load.mjs oktaUser). */
function oktaUser(userName, i, extra = {}) {
  return {
    schemas: [SCHEMA_USER], userName,
    name: { givenName: `Okta${i}`, familyName: `Sync${i % 991}` },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `Okta${i} Sync${i % 991}`, locale: 'en-US', externalId: `00u${i}`, groups: [], active: true, ...extra,
  };
}

async function main() {
  const base = await startBenchServer(bench, request, CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [], MAIN);
  const org = await createOrganization(ctx, {
    name: 'PUT only', plan: 'enterprise', seats: { enterprise: USERS + 100 },
    prices: { enterprise: 4000 }, ownerEmail: 'owner@bench.example', billingMode: 'sales_assisted',
  });
  const auth = { Authorization: `Bearer ${org.scimToken}` };
  const scim = `${base}/scim/v2`;
  const call = async (method, url, body, expect) => {
    const response = await request(method, url, body, auth);
    if (response.status !== expect) throw new Error(`${method} answered ${response.status}: ${response.text.slice(0, 300)}`);
    return response;
  };
  const users = [];
  for (let i = 0; i < USERS; i += 1) {
    const userName = `okta${i}@put.example`;
    users.push({ i, userName, id: JSON.parse((await call('POST', `${scim}/Users`, oktaUser(userName, i), 201)).text).id });
  }
  const put = (u, round) => call('PUT', `${scim}/Users/${u.id}`, oktaUser(u.userName, u.i,
    { id: u.id, name: { givenName: `Okta${u.i}`, familyName: `Renamed${round % 2}x${u.i}` }, title: round % 2 ? 'Staff' : 'Lead' }), 200);
  for (const u of users.slice(0, 20)) await put(u, 1); // warm-up
  await sleep(500);
  await pool.query('select pg_stat_statements_reset()');
  const xid = async () => Number((await pool.query('select pg_current_xact_id()::text::bigint as x')).rows[0].x);
  const x0 = await xid();
  const cpu0 = processCpuMs(bench.child.pid);
  const pg0 = postgresCpuMs(bench.dataDir);
  let n = 0;
  for (let round = 2; round < ROUNDS + 2; round += 1) for (const u of users) { await put(u, round); n += 1; }
  const serverMs = (processCpuMs(bench.child.pid) - cpu0) / n;
  const pgMs = (postgresCpuMs(bench.dataDir) - pg0) / n;
  const xids = (await xid() - x0 - 1) / n;
  await sleep(1000);
  const rows = (await pool.query(`
    select query, calls::int, (shared_blks_hit + shared_blks_read)::int as blks, total_exec_time::float8 as ms, total_plan_time::float8 as plan_ms from pg_stat_statements
     where dbid = (select oid from pg_database where datname = current_database())
       and query not like '%pg_stat_statements%' and query not like '%pg_current_xact_id%'
     order by calls desc`)).rows;
  const calls = rows.reduce((s, r) => s + r.calls, 0) / n;
  const blks = rows.reduce((s, r) => s + r.blks, 0) / n;
  for (const r of rows.slice(0, 6)) log(`  ${(r.calls / n).toFixed(2)} × ${(r.blks / n).toFixed(1)} buffers, ${(1000 * r.ms / n).toFixed(0)} µs executing, ${(1000 * r.plan_ms / n).toFixed(0)} µs planning  ${r.query.replace(/\s+/g, ' ').slice(0, 110)}`);
  const line = `${n} PUTs: ${calls.toFixed(2)} statements, ${blks.toFixed(1)} buffers, ${xids.toFixed(2)} write transactions, CPU server ${serverMs.toFixed(3)} / PostgreSQL ${pgMs.toFixed(3)} ms per PUT`;
  log(line);
  process.stdout.write(`${JSON.stringify({ puts: n, statements: calls, buffers: blks, xids, serverMs, pgMs })}\n`);
}
