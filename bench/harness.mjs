// What the per-request cost benches share (create-cost, read-cost, put-cost, group-patch): the
// bundled PostgreSQL in a wiped data/<dir>, restarted once with pg_stat_statements preloaded; the
// server under test as `node dist/src/main.js` on it; an HTTP client; CPU read from /proc; and
// the run's cleanup. Each bench keeps only its own load and measurements.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);

/** `--name value` from the command line, or `fallback`. */
export const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
export const flag = (name) => argv.includes(name);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  s.once('error', reject);
});

/** An HTTP client on a keep-alive agent: `request(method, url, body?, headers?)` → { status, bytes, text }. */
export function httpClient(maxSockets = 4) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return (method, url, body, headers = {}) => {
    const target = new URL(url);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request({
        agent, method, hostname: '127.0.0.1', port: target.port, path: `${target.pathname}${target.search}`,
        headers: { Accept: 'application/scim+json', ...headers, ...(payload ? { 'Content-Type': 'application/scim+json', 'Content-Length': payload.length } : {}) },
      }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => { const buffer = Buffer.concat(chunks); resolve({ status: res.statusCode, bytes: buffer.length, text: buffer.toString('utf8') }); });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  };
}

/**
 * The bundled PostgreSQL in data/<dir> (wiped), migrated, then restarted with pg_stat_statements
 * preloaded and `settings` (e.g. `{ 'pg_stat_statements.track': 'all' }`) applied.
 */
export async function openBenchDatabase(dir, settings) {
  const dataDir = path.join(ROOT, 'data', dir);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const pgPort = await freePort();
  const httpPort = await freePort();
  Object.assign(process.env, { SEATGATE_DATA_DIR: dataDir, SEATGATE_EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'warn', SEATGATE_DEMO: 'false' });
  const { loadConfig } = await import('../dist/src/config.js');
  const { createLogger } = await import('../dist/src/observability/logger.js');
  const { connectDatabase } = await import('../dist/src/server.js');
  const { createOrganization } = await import('../dist/src/services/organizations.js');
  const config = await loadConfig();
  const logger = createLogger('warn');
  // First start: initdb + migrations; then restart with pg_stat_statements preloaded.
  let connection = await connectDatabase(config, logger);
  await connection.handle.pool.query("alter system set shared_preload_libraries = 'pg_stat_statements'");
  for (const [name, value] of Object.entries(settings)) await connection.handle.pool.query(`alter system set ${name} = '${value}'`);
  await connection.close();
  connection = await connectDatabase(config, logger);
  const { pool, db } = connection.handle;
  await pool.query('create extension if not exists pg_stat_statements');
  const ctx = { db, plans: config.plans, now: () => new Date() };
  return { dataDir, pgPort, httpPort, config, pool, db, ctx, connection, createOrganization, child: undefined };
}

/** `node [nodeFlags] dist/src/main.js` on the bench's database, rate limit lifted; resolves with its base URL once ready. */
export async function startBenchServer(bench, request, nodeFlags = [], main = 'dist/src/main.js') {
  const child = spawn(process.execPath, [...nodeFlags, main], {
    cwd: ROOT,
    env: {
      ...process.env, DATABASE_URL: '', SEATGATE_DATA_DIR: bench.dataDir, SEATGATE_EMBEDDED_PG_PORT: String(bench.pgPort),
      PORT: String(bench.httpPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEATGATE_DEMO: 'false',
      SEATGATE_SCIM_RATE_LIMIT_PER_MINUTE: '100000000', SEATGATE_RENEWAL_CHECK_SECONDS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  bench.child = child;
  const serverLog = createWriteStream(path.join(bench.dataDir, 'server.log'));
  child.stdout.pipe(serverLog);
  child.stderr.pipe(serverLog);
  const base = `http://127.0.0.1:${bench.httpPort}`;
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try { if ((await request('GET', `${base}/readyz`)).status === 200) break; } catch { /* not yet */ }
    if (i > 6000) throw new Error('the server did not become ready in 60 s');
    await sleep(10);
  }
  return base;
}

/** Runs `main`; on failure prints the server log's tail; always stops the server and removes the data. */
export async function runBench(name, bench, main, { keepLog } = {}) {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`${name} failed: ${error?.stack ?? error}\n`);
    if (bench.child) process.stderr.write(`server exit code ${bench.child.exitCode}, signal ${bench.child.signalCode}\n`);
    try { process.stderr.write(readFileSync(path.join(bench.dataDir, 'server.log'), 'utf8').split('\n').slice(-20).join('\n')); } catch { /* none */ }
    process.exitCode = 1;
  } finally {
    const { child } = bench;
    if (child && child.exitCode === null) { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); }
    await bench.connection.close();
    keepLog?.(path.join(bench.dataDir, 'server.log'));
    rmSync(bench.dataDir, { recursive: true, force: true });
  }
}

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** A process's times from /proc/PID/stat, in ms: its own, its reaped children's, and its parent. */
export function processTimes(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), own: (Number(fields[11]) + Number(fields[12])) * TICK_MS, reaped: (Number(fields[13]) + Number(fields[14])) * TICK_MS };
  } catch {
    return undefined; // gone
  }
}

/** CPU ms of one process (utime + stime). */
export const processCpuMs = (pid) => processTimes(pid)?.own ?? NaN;

/** CPU ms of the bundled PostgreSQL in `dataDir`: the postmaster (with the backends it reaped) and its live children. */
export function postgresCpuMs(dataDir) {
  const postmaster = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const master = processTimes(postmaster);
  let total = master ? master.own + master.reaped : NaN;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const times = processTimes(entry);
    if (times?.ppid === postmaster) total += times.own;
  }
  return total;
}

/**
 * Loads `users` active members (plus `outside` more, not in the group) and one group holding the first
 * `users`, with set-based SQL in one transaction; returns the group's id and the extra members' ids.
 */
export async function loadBigOrganization(pool, orgId, users, outside) {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(`
      insert into members (org_id, user_name, external_id, active, role, seat_state, seat_type, seat_reason, source, attributes, created_at, updated_at)
      select $1::uuid, 'user' || i || '@bench.example', 'okta-' || lpad(i::text, 8, '0'), true, 'member', 'assigned', 'enterprise',
             jsonb_build_object('kind', 'highest_available', 'trigger', 'scim_create', 'by', jsonb_build_object('type', 'scim'), 'at', '2026-01-01T00:00:00Z'),
             'scim',
             jsonb_build_object('name', jsonb_build_object('givenName', 'Given' || i, 'familyName', 'Family' || (i % 997)),
                                'displayName', 'User ' || i,
                                'emails', jsonb_build_array(jsonb_build_object('value', 'user' || i || '@bench.example', 'type', 'work', 'primary', true)),
                                'title', 'Engineer', 'locale', 'en-US'),
             now() - make_interval(secs => ($2::int - i + 1) * 30), now()
        from generate_series(1, $2::int + ${Number(outside)}) as i`, [orgId, users]);
    await client.query(`select seat_set_assigned(a.org_id, a.seat_type, (select count(*)::int from members m where m.org_id = a.org_id and m.seat_state = 'assigned' and m.seat_type = a.seat_type)) from seat_allocations a where a.org_id = $1`, [orgId]);
    const groupId = (await client.query(`insert into groups (org_id, display_name, external_id, attributes) values ($1, 'All Employees', 'okta-grp-all', '{}') returning id`, [orgId])).rows[0].id;
    await client.query(`insert into group_members (org_id, group_id, member_id)
      select org_id, $2, id from members where org_id = $1 and substring(external_id from 6)::int <= $3`, [orgId, groupId, users]);
    const extra = (await client.query(`select id from members where org_id = $1 and substring(external_id from 6)::int > $2 order by external_id`, [orgId, users])).rows.map((r) => r.id);
    await client.query('commit');
    await client.query('vacuum analyze members, groups, group_members, seat_allocations, credentials, organizations');
    return { groupId, extra };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The body of the peers harness's create-users scenario (../shared/peers/load.mjs entraUser). */
export function entraUser(userName, n) {
  const i = typeof n === 'number' ? n : 0;
  const given = `Given${i}`;
  const family = `Family${i % 997}`;
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    externalId: `ext-${userName}`, userName, active: true, displayName: `${given} ${family}`,
    emails: [{ primary: true, type: 'work', value: userName }], meta: { resourceType: 'User' },
    name: { formatted: `${given} ${family}`, familyName: family, givenName: given }, title: 'Engineer',
    [ENTERPRISE]: { department: `Dept${i % 17}`, employeeNumber: String(i) },
  };
}

/** Loads `size` active, seated members into the organization with one set-based INSERT, then vacuum analyze. */
export async function loadMembers(pool, orgId, size) {
  await pool.query(`
    insert into members (org_id, user_name, external_id, active, role, seat_state, seat_type, seat_reason, source, attributes)
    select $1::uuid, 'user' || i || '@' || $1 || '.example', 'ext-' || i, true, 'member', 'assigned', 'enterprise',
           '{"kind":"highest_available","trigger":"scim_create"}'::jsonb, 'scim',
           jsonb_build_object('displayName', 'User ' || i, 'name', jsonb_build_object('givenName', 'User', 'familyName', 'N' || i),
                              'emails', jsonb_build_array(jsonb_build_object('value', 'user' || i || '@' || $1 || '.example', 'type', 'work', 'primary', true)))
      from generate_series(1, $2::int) as i`, [orgId, size]);
  await pool.query(`select seat_set_assigned(a.org_id, a.seat_type, (select count(*)::int from members m where m.org_id = a.org_id and m.seat_state = 'assigned' and m.seat_type = a.seat_type)) from seat_allocations a where a.org_id = $1`, [orgId]);
  await pool.query('vacuum analyze');
}

/** VmRSS and VmHWM of a process, in MiB (NaN once it has exited). */
export function rssOf(pid) {
  let status = '';
  try { status = readFileSync(`/proc/${pid}/status`, 'utf8'); } catch { /* exited */ }
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
}

/** Samples a process's RSS every 25 ms until stop(), which gives the max, the RSS at the end and VmHWM. */
export function rssSampler(pid) {
  let max = 0;
  const timer = setInterval(() => { max = Math.max(max, rssOf(pid).rssMiB); }, 25);
  return { stop: () => { clearInterval(timer); const now = rssOf(pid); return { maxMiB: Math.max(max, now.rssMiB), endMiB: now.rssMiB, hwmMiB: now.hwmMiB }; } };
}
