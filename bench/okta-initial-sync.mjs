// An Okta-style initial sync through HTTP, end to end (issue 14), in two scenarios:
//
//   okta     one organization: U users, G groups, M memberships, pushed the way Okta pushes them
//            (per user: GET ?filter=userName eq → 200 empty → POST /Users → later PUT of the whole
//            user; then per group: POST /Groups without members → PATCH add members in batches).
//   tenants  T organizations of u users each (each with its own SCIM token), all syncing at once:
//            the same per-organization shape, the organizations' requests interleaved.
//
//   node bench/okta-initial-sync.mjs                                     # both, full scale (long)
//   node bench/okta-initial-sync.mjs --scale 0.05                        # both, 5 % (a short run)
//   node bench/okta-initial-sync.mjs --scenario okta --users 10000 --groups 100 --memberships 100000
//   node bench/okta-initial-sync.mjs --scenario tenants --tenants 200 --tenant-users 100
//   options: --concurrency 8 --rate 0 (requests/s cap, 0 = none) --member-batch 100 --put-lag 8
//            --tenant-groups 5 --tenant-memberships 300 --json FILE --keep --strict
//
// Against `node dist/src/main.js` (a separate process) on the bundled PostgreSQL in data/bench-okta
// (wiped at start; removed at the end unless --keep), as bench/scim-100k.mjs does. Organizations
// are created through the service (not timed). Every request is checked (status and shape); the
// run fails when any request fails, and at the end the database is checked: users, groups and
// memberships counted, the seat counter equal to the seated members and ≤ the allocation.
// Pacing assumptions (Okta does not publish its outbound SCIM concurrency): see bench/README.md.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { httpClient } from './harness.mjs';

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const SCALE = Number(option('--scale', '1'));
const scaled = (name, full, min = 1) => Number(option(name, String(Math.max(min, Math.round(full * SCALE)))));
const SCENARIO = option('--scenario', 'both');
const USERS = scaled('--users', 100_000);
const GROUPS = scaled('--groups', 1_000);
const MEMBERSHIPS = scaled('--memberships', 1_000_000);
const TENANTS = scaled('--tenants', 1_000);
const TENANT_USERS = Number(option('--tenant-users', '100'));
const TENANT_GROUPS = Number(option('--tenant-groups', '5'));
const TENANT_MEMBERSHIPS = Number(option('--tenant-memberships', '300'));
const CONCURRENCY = Number(option('--concurrency', '8'));
const RATE = Number(option('--rate', '0'));
const MEMBER_BATCH = Number(option('--member-batch', '100'));
const PUT_LAG = Number(option('--put-lag', '8'));
const JSON_OUT = option('--json', undefined);
const KEEP = flag('--keep');
const STRICT = flag('--strict');
for (const [name, value] of Object.entries({ USERS, GROUPS, MEMBERSHIPS, TENANTS, TENANT_USERS, TENANT_GROUPS, TENANT_MEMBERSHIPS, CONCURRENCY, MEMBER_BATCH })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1`);
}
if (!['okta', 'tenants', 'both'].includes(SCENARIO)) throw new Error('--scenario is okta, tenants or both');
if (MEMBERSHIPS > USERS * GROUPS || TENANT_MEMBERSHIPS > TENANT_USERS * TENANT_GROUPS) throw new Error('more memberships than users × groups');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA_DIR = path.join(ROOT, 'data', 'bench-okta');
const TICK_MS = 10; // Linux USER_HZ = 100
const LOAD_AT_START = os.loadavg().map((x) => x.toFixed(1)).join(' ');
const SCHEMA_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCHEMA_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const request = httpClient(256);
const RUN = Date.now().toString(36);
let postmasterPid;

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  s.once('error', reject);
});
const log = (message) => process.stderr.write(`[okta-sync ${(performance.now() / 1000).toFixed(1)}s] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Database (bundled PostgreSQL, migrated by the server's own code) and the server under test
// ---------------------------------------------------------------------------------------------
rmSync(DATA_DIR, { recursive: true, force: true });
mkdirSync(DATA_DIR, { recursive: true });
const SERVER_LOG = path.join(DATA_DIR, 'server.log');
const pgPort = await freePort();
Object.assign(process.env, { DATABASE_URL: '', SEATGATE_DATA_DIR: DATA_DIR, SEATGATE_EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'warn', SEATGATE_DEMO: 'false' });
const { loadConfig } = await import('../dist/src/config.js');
const { createLogger } = await import('../dist/src/observability/logger.js');
const { connectDatabase } = await import('../dist/src/server.js');
const { createOrganization } = await import('../dist/src/services/organizations.js');
const config = await loadConfig();
const connection = await connectDatabase(config, createLogger('warn'));
const { pool, db } = connection.handle;
const ctx = { db, plans: config.plans, now: () => new Date() };

let child;
let rssSampler;
let cleaning;
const cleanUp = () => (cleaning ??= (async () => {
  clearInterval(rssSampler);
  await stopServer();
  await connection.close();
  if (!KEEP) rmSync(DATA_DIR, { recursive: true, force: true });
})());
process.once('SIGINT', () => { cleanUp().finally(() => process.exit(130)); });

function optionsUsed() {
  return { scale: SCALE, users: USERS, groups: GROUPS, memberships: MEMBERSHIPS, tenants: TENANTS, tenantUsers: TENANT_USERS, tenantGroups: TENANT_GROUPS, tenantMemberships: TENANT_MEMBERSHIPS, concurrency: CONCURRENCY, rate: RATE, memberBatch: MEMBER_BATCH, putLag: PUT_LAG };
}

/** A fresh server process per scenario (its RSS peak is the scenario's). */
async function startServer(env) {
  const httpPort = await freePort();
  const serverLog = createWriteStream(SERVER_LOG, { flags: 'a' });
  child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env: {
      ...process.env, DATABASE_URL: '', SEATGATE_DATA_DIR: DATA_DIR, SEATGATE_EMBEDDED_PG_PORT: String(pgPort),
      PORT: String(httpPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEATGATE_DEMO: 'false', SEATGATE_RENEWAL_CHECK_SECONDS: '0', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(serverLog);
  child.stderr.pipe(serverLog);
  const base = `http://127.0.0.1:${httpPort}`;
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}; see data/bench-okta/server.log`);
    try { if ((await request('GET', `${base}/readyz`)).status === 200) break; } catch { /* not yet */ }
    if (i > 6000) throw new Error('the server did not become ready in 60 s');
    await sleep(10);
  }
  const rss = { max: 0, samples: [] };
  rssSampler = setInterval(() => { const now = rssMiB(); if (now > rss.max) rss.max = now; rss.samples.push(now); }, 500);
  return { base, rss };
}
async function stopServer() {
  clearInterval(rssSampler);
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}
function rssMiB(field = 'VmRSS') {
  try { return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024; } catch { return NaN; }
}

// ---------------------------------------------------------------------------------------------
// The shape of one organization's sync
// ---------------------------------------------------------------------------------------------
/** Okta's user body (profile push with its usual attributes, `groups: []`, a placeholder password). */
function oktaUser(userName, i, extra = {}) {
  return {
    schemas: [SCHEMA_USER], userName, externalId: `00u${RUN}${i}`,
    name: { givenName: `Okta${i}`, familyName: `Sync${i % 991}` },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `Okta${i} Sync${i % 991}`, locale: 'en-US', groups: [], active: true, password: 'Pl4ceholder!', ...extra,
  };
}

/**
 * One organization to sync: `users` users, `groups` groups, `memberships` memberships spread
 * evenly (user i is in groups i, i + step, i + 2·step, … mod groups; no user twice in a group).
 */
function orgPlan(org, users, groups, memberships, tag) {
  const perUser = Math.floor(memberships / users);
  const extra = memberships - perUser * users; // the first `extra` users have one more
  const step = Math.max(1, Math.floor(groups / (perUser + 1)));
  const members = Array.from({ length: groups }, () => []);
  for (let i = 0; i < users; i += 1) {
    const count = perUser + (i < extra ? 1 : 0);
    for (let k = 0; k < count; k += 1) members[(i + k * step) % groups].push(i);
  }
  return {
    ...org, users, groups, memberships, tag, ids: new Array(users),
    members, auth: { Authorization: `Bearer ${org.scimToken}` },
    userName: (i) => `okta.${tag}.${i}@${tag}.example`,
  };
}

// ---------------------------------------------------------------------------------------------
// The driver: W workers, each as one of Okta's provisioning threads; optional global pacing
// ---------------------------------------------------------------------------------------------
class Recorder {
  constructor() { this.kinds = new Map(); this.errors = 0; this.errorSamples = []; }
  add(kind, ms) { let k = this.kinds.get(kind); if (!k) this.kinds.set(kind, (k = [])); k.push(ms); }
  fail(kind, message) { this.errors += 1; if (this.errorSamples.length < 5) this.errorSamples.push(`${kind}: ${message}`); }
}

function pacer(rate) {
  if (!rate) return async () => {};
  const started = performance.now();
  let sent = 0;
  return async () => {
    const at = started + (sent * 1000) / rate;
    sent += 1;
    const wait = at - performance.now();
    if (wait > 0) await sleep(wait);
  };
}

async function send(rec, pace, base, org, kind, method, url, body, expect, check) {
  await pace();
  const t0 = performance.now();
  let response;
  try {
    response = await request(method, `${base}/scim/v2${url}`, body, org.auth);
  } catch (error) {
    rec.fail(kind, String(error?.message ?? error));
    return undefined;
  }
  rec.add(kind, performance.now() - t0);
  if (response.status !== expect) { rec.fail(kind, `${method} ${url} → ${response.status} ${response.text.slice(0, 200)}`); return undefined; }
  if (check && !check(response)) { rec.fail(kind, `${method} ${url} → unexpected body ${response.text.slice(0, 200)}`); return undefined; }
  return response;
}

/** Users of every organization: GET miss → POST → (PUT_LAG creates later, same worker) PUT. */
async function syncUsers(rec, pace, base, orgs) {
  // Organizations interleaved: user 0 of every organization, then user 1, … (all sync at once).
  const tasks = [];
  const longest = Math.max(...orgs.map((o) => o.users));
  for (let i = 0; i < longest; i += 1) for (const org of orgs) if (i < org.users) tasks.push([org, i]);
  let next = 0;
  const put = (u) => send(rec, pace, base, u.org, 'PUT /Users/{id}', 'PUT', `/Users/${u.id}`,
    oktaUser(u.org.userName(u.i), u.i, { id: u.id, name: { givenName: `Okta${u.i}`, familyName: `Renamed${u.i}` }, title: 'Staff' }), 200);
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    const queue = [];
    while (next < tasks.length) {
      const [org, i] = tasks[next];
      next += 1;
      const userName = org.userName(i);
      await send(rec, pace, base, org, 'GET /Users?filter=userName eq (miss)', 'GET',
        `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`, undefined, 200,
        (r) => /"totalResults":0\b/.test(r.text));
      const created = await send(rec, pace, base, org, 'POST /Users', 'POST', '/Users', oktaUser(userName, i), 201);
      if (created) {
        org.ids[i] = JSON.parse(created.text).id;
        queue.push({ org, i, id: org.ids[i] });
      }
      if (queue.length > PUT_LAG) await put(queue.shift());
    }
    while (queue.length > 0) await put(queue.shift());
  }));
}

/** Group push: POST /Groups (no members), then PATCH add members, MEMBER_BATCH per request. */
async function pushGroups(rec, pace, base, orgs) {
  const tasks = [];
  const longest = Math.max(...orgs.map((o) => o.groups));
  for (let g = 0; g < longest; g += 1) for (const org of orgs) if (g < org.groups) tasks.push([org, g]);
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < tasks.length) {
      const [org, g] = tasks[next];
      next += 1;
      const created = await send(rec, pace, base, org, 'POST /Groups', 'POST', '/Groups',
        { schemas: [SCHEMA_GROUP], displayName: `Okta Group ${org.tag} ${g}`, externalId: `00g${RUN}${g}`, members: [] }, 201);
      if (!created) continue;
      const id = JSON.parse(created.text).id;
      const members = org.members[g];
      for (let at = 0; at < members.length; at += MEMBER_BATCH) {
        const value = members.slice(at, at + MEMBER_BATCH).map((i) => ({ value: org.ids[i], display: org.userName(i) }));
        await send(rec, pace, base, org, `PATCH /Groups/{id} add ≤${MEMBER_BATCH} members`, 'PATCH', `/Groups/${id}`,
          { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value }] }, 204);
      }
    }
  }));
}

async function runSync(name, orgs, base, rss) {
  const rec = new Recorder();
  const pace = pacer(RATE);
  const cpu0 = cpuSnapshot();
  const t0 = performance.now();
  await syncUsers(rec, pace, base, orgs);
  const usersDone = performance.now();
  const cpuUsers = cpuSnapshot();
  const rssAfterUsers = rssMiB();
  log(`${name}: users synced in ${((usersDone - t0) / 1000).toFixed(1)} s (${rec.errors} errors); group push…`);
  await pushGroups(rec, pace, base, orgs);
  const t1 = performance.now();
  const cpu1 = cpuSnapshot();
  const users = orgs.reduce((s, o) => s + o.users, 0);
  const groups = orgs.reduce((s, o) => s + o.groups, 0);
  const memberships = orgs.reduce((s, o) => s + o.memberships, 0);
  const requests = [...rec.kinds.values()].reduce((s, k) => s + k.length, 0);
  await sleep(1500); // the after-commit checks are not awaited by the requests
  const checks = await checkState(orgs, { users, groups, memberships });
  return {
    name, organizations: orgs.length, users, groups, memberships, requests, errors: rec.errors, errorSamples: rec.errorSamples,
    seconds: (t1 - t0) / 1000, userSeconds: (usersDone - t0) / 1000, groupSeconds: (t1 - usersDone) / 1000,
    usersPerSecond: users / ((usersDone - t0) / 1000), membershipsPerSecond: memberships / ((t1 - usersDone) / 1000),
    requestsPerSecond: requests / ((t1 - t0) / 1000),
    cpuPerRequest: perRequest(cpu0, cpu1, requests),
    cpuPerUser: perRequest(cpu0, cpuUsers, users), // the GET + POST + PUT of one user
    rssStartMiB: rss.samples[0] ?? NaN, rssAfterUsersMiB: rssAfterUsers, rssMaxMiB: Math.max(rss.max, rssMiB()), rssPeakMiB: rssMiB('VmHWM'), rssEndMiB: rssMiB(),
    kinds: [...rec.kinds.entries()].map(([kind, ms]) => ({ kind, ...stats(ms) })),
    checks,
    load: os.loadavg().map((x) => x.toFixed(1)).join(' '),
  };
}

async function checkState(orgs, expected) {
  const ids = orgs.map((o) => o.orgId);
  const q = async (sql) => (await pool.query(sql, [ids])).rows[0];
  const users = Number((await q("select count(*) as n from members where org_id = any($1) and source = 'scim'")).n);
  const groups = Number((await q('select count(*) as n from groups where org_id = any($1)')).n);
  const memberships = Number((await q('select count(*) as n from group_members where org_id = any($1)')).n);
  const seats = await q(`
    select coalesce(sum(a.assigned), 0)::bigint as assigned, coalesce(sum(a.allocated), 0)::bigint as allocated,
           count(*) filter (where a.assigned > a.allocated)::int as over,
           count(*) filter (where a.assigned <> (select count(*) from members m where m.org_id = a.org_id and m.seat_state = 'assigned' and m.seat_type = a.seat_type))::int as drift
      from seat_allocations a where a.org_id = any($1)`);
  const renamed = Number((await q("select count(*) as n from members where org_id = any($1) and source = 'scim' and attributes->>'title' = 'Staff'")).n);
  const result = {
    users, groups, memberships, usersPut: renamed,
    seatsAssigned: Number(seats.assigned), seatsAllocated: Number(seats.allocated), typesOverAllocation: seats.over, countersDrifting: seats.drift,
  };
  result.ok = users === expected.users && groups === expected.groups && memberships === expected.memberships && renamed === expected.users
    && seats.over === 0 && seats.drift === 0;
  return result;
}

// ---------------------------------------------------------------------------------------------
// The two scenarios
// ---------------------------------------------------------------------------------------------
async function oktaScenario() {
  const org = await createOrganization(ctx, {
    name: `Okta sync ${RUN}`, plan: 'enterprise', seats: { enterprise: Math.max(USERS + 10, config.plans.get('enterprise').minimumSeats) },
    prices: { enterprise: 4000 }, ownerEmail: `owner@okta-${RUN}.example`, billingMode: 'sales_assisted',
  });
  // One organization at Okta's pace: the default per-token limit (6,000/min) would throttle it
  // (Okta backs off on 429; the bench counts a 429 as an error), so it is lifted here.
  const { base, rss } = await startServer({ SEATGATE_SCIM_RATE_LIMIT_PER_MINUTE: '100000000' });
  log(`okta: ${USERS} users, ${GROUPS} groups, ${MEMBERSHIPS} memberships; ${CONCURRENCY} workers${RATE ? `, ≤ ${RATE} req/s` : ''}; server pid ${child.pid}`);
  const plan = orgPlan(org, USERS, GROUPS, MEMBERSHIPS, `o${RUN}`);
  const report = await runSync(`Okta initial sync, 1 organization (${fmtInt(USERS)} users, ${fmtInt(GROUPS)} groups, ${fmtInt(MEMBERSHIPS)} memberships)`, [plan], base, rss);
  await stopServer();
  return report;
}

async function tenantsScenario() {
  const t0 = performance.now();
  const orgs = [];
  for (let t = 0; t < TENANTS; t += 1) {
    const org = await createOrganization(ctx, {
      name: `Tenant ${RUN} ${t}`, plan: 'enterprise', seats: { enterprise: Math.max(TENANT_USERS + 5, config.plans.get('enterprise').minimumSeats) },
      prices: { enterprise: 4000 }, ownerEmail: `owner@t${t}-${RUN}.example`, billingMode: 'sales_assisted',
    });
    orgs.push(orgPlan(org, TENANT_USERS, TENANT_GROUPS, TENANT_MEMBERSHIPS, `t${t}x${RUN}`));
  }
  log(`tenants: ${TENANTS} organizations created through the service in ${((performance.now() - t0) / 1000).toFixed(1)} s (not timed)`);
  // The default per-token rate limit stays on: each token sends a small share of the traffic,
  // and the limiter's per-token state for every tenant is part of what is measured.
  const { base, rss } = await startServer({});
  log(`tenants: ${TENANTS} × (${TENANT_USERS} users, ${TENANT_GROUPS} groups, ${TENANT_MEMBERSHIPS} memberships); ${CONCURRENCY} workers; server pid ${child.pid}`);
  const report = await runSync(`${fmtInt(TENANTS)} organizations at once (each ${TENANT_USERS} users, ${TENANT_GROUPS} groups, ${TENANT_MEMBERSHIPS} memberships; own token)`, orgs, base, rss);
  await stopServer();
  return report;
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------
function printReport(all) {
  const lines = ['', `## Okta-style initial sync through HTTP (${new Date().toISOString().slice(0, 10)}, bundled PostgreSQL)`, ''];
  lines.push(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}; load average at start ${LOAD_AT_START}; ${CONCURRENCY} client workers${RATE ? `, paced at ≤ ${RATE} requests/s` : ', unpaced'}; PATCH batches of ${MEMBER_BATCH} members; PUT after ${PUT_LAG} later creates of the same worker`);
  for (const r of all) {
    lines.push('', `### ${r.name}`, '');
    lines.push('| total | users phase | group phase | users/s | memberships/s | requests | req/s | errors | server RSS max (peak) | CPU ms/request server + PG + client | CPU ms/user (GET+POST+PUT) server + PG |');
    lines.push('|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    lines.push(`| ${r.seconds.toFixed(1)} s | ${r.userSeconds.toFixed(1)} s | ${r.groupSeconds.toFixed(1)} s | ${r.usersPerSecond.toFixed(0)} | ${fmtInt(Math.round(r.membershipsPerSecond))} | ${fmtInt(r.requests)} | ${r.requestsPerSecond.toFixed(0)} | ${r.errors} | ${r.rssMaxMiB.toFixed(0)} (${r.rssPeakMiB.toFixed(0)}) MiB | ${fmt(r.cpuPerRequest.server)} + ${fmt(r.cpuPerRequest.pg)} + ${fmt(r.cpuPerRequest.client)} | ${fmt(r.cpuPerUser.server)} + ${fmt(r.cpuPerUser.pg)} |`);
    lines.push('', '| request | n | p50 ms | p95 ms | p99 ms | max ms |', '|---|--:|--:|--:|--:|--:|');
    for (const k of r.kinds) lines.push(`| ${k.kind} | ${fmtInt(k.n)} | ${fmt(k.p50)} | ${fmt(k.p95)} | ${fmt(k.p99)} | ${fmt(k.max)} |`);
    lines.push('', `server RSS: ${r.rssStartMiB.toFixed(0)} MiB at start, ${r.rssAfterUsersMiB.toFixed(0)} after the users phase, ${r.rssEndMiB.toFixed(0)} at the end, ${r.rssMaxMiB.toFixed(0)} max`);
    const c = r.checks;
    lines.push('', `final state: ${fmtInt(c.users)} users (${fmtInt(c.usersPut)} carry the PUT's change), ${fmtInt(c.groups)} groups, ${fmtInt(c.memberships)} memberships; seats ${fmtInt(c.seatsAssigned)} assigned ≤ ${fmtInt(c.seatsAllocated)} allocated: ${c.typesOverAllocation === 0 ? 'yes' : 'NO'}; counters = seated members: ${c.countersDrifting === 0 ? 'yes' : 'NO'} → ${c.ok ? 'OK' : 'FAILED'}${r.errors ? `; errors: ${r.errorSamples.join(' | ')}` : ''}; load average at end ${r.load}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------
// CPU from /proc, statistics
// ---------------------------------------------------------------------------------------------
function procTimes(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), own: (Number(fields[11]) + Number(fields[12])) * TICK_MS, reaped: (Number(fields[13]) + Number(fields[14])) * TICK_MS };
  } catch {
    return undefined;
  }
}
function cpuSnapshot() {
  const server = child?.pid ? procTimes(child.pid)?.own ?? NaN : NaN;
  let pg = NaN;
  if (os.platform() === 'linux') {
    try { postmasterPid ??= Number(readFileSync(path.join(DATA_DIR, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]); } catch { /* elsewhere */ }
    const master = postmasterPid ? procTimes(postmasterPid) : undefined;
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
function perRequest(before, after, n) {
  return { server: (after.server - before.server) / n, pg: (after.pg - before.pg) / n, client: (after.client - before.client) / n };
}

function stats(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] };
}
function fmt(x) { return Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–'; }
function fmtInt(x) { return Number(x).toLocaleString('en-US'); }

// ---------------------------------------------------------------------------------------------
// Run (after every declaration above)
// ---------------------------------------------------------------------------------------------
const reports = [];
try {
  if (SCENARIO !== 'tenants') reports.push(await oktaScenario());
  if (SCENARIO !== 'okta') reports.push(await tenantsScenario());
  printReport(reports);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ options: optionsUsed(), reports }, null, 2));
  if (STRICT && reports.some((r) => r.errors > 0 || !r.checks.ok)) process.exitCode = 3;
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
