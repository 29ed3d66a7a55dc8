// Per-create database work vs organization size (issue 14): does a SCIM create cost more in a
// bigger organization? Counts that do not depend on the machine's load: for each statement the
// server runs during K creates (POST /Users through the seat gate, including what runs after
// commit, such as the utilization alert check), pg_stat_statements' calls, rows and shared
// buffers (hit + read), per create, at each organization size.
//
//   node bench/create-cost.mjs [--sizes 2000,10000,100000] [--creates 200] [--top 12] [--json FILE]
//
// The bundled PostgreSQL runs from data/bench-create (wiped at start and at the end), restarted
// once with shared_preload_libraries=pg_stat_statements. The organizations are loaded with
// set-based SQL (one at a time, smallest first, so a scan of the whole table would grow too);
// the creates go through HTTP to `node dist/src/main.js`, one client, one after the other.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, createWriteStream, readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const SIZES = option('--sizes', '2000,10000,100000').split(',').map(Number);
const CREATES = Number(option('--creates', '200'));
const TOP = Number(option('--top', '12'));
const JSON_OUT = option('--json', undefined);
if (SIZES.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(CREATES) || CREATES < 1) throw new Error('bad --sizes or --creates');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA_DIR = path.join(ROOT, 'data', 'bench-create');
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const log = (message) => process.stderr.write(`[create-cost] ${message}\n`);
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
await connection.handle.pool.query("alter system set pg_stat_statements.track = 'all'");
await connection.close();
connection = await connectDatabase(config, logger);
const { pool, db } = connection.handle;
await pool.query('create extension if not exists pg_stat_statements');

let child;
try {
  await main();
} catch (error) {
  process.stderr.write(`create-cost failed: ${error?.stack ?? error}\n`);
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
    // Seats for twice the organization: utilization about 50 %, below the alert threshold (the
    // ordinary case); the check after commit still runs on every create.
    const org = await createOrganization(ctx, {
      name: `Create cost ${size}`, plan: 'enterprise', seats: { enterprise: 2 * size + CREATES + 10 },
      prices: { enterprise: 4000 }, ownerEmail: `owner${size}@bench.example`, billingMode: 'sales_assisted',
    });
    await load(org.orgId, size);
    const auth = { Authorization: `Bearer ${org.scimToken}` };
    const post = async (n) => {
      const userName = `new${n}-${size}@bench.example`;
      const response = await request('POST', `${base}/scim/v2/Users`, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, externalId: `new-${n}`, active: true,
        name: { givenName: 'New', familyName: `Hire${n}` }, displayName: `New Hire${n}`,
        emails: [{ value: userName, type: 'work', primary: true }],
      }, auth);
      if (response.status !== 201) throw new Error(`POST /Users answered ${response.status}: ${response.text.slice(0, 300)}`);
    };
    for (let i = 0; i < 10; i += 1) await post(`w${i}`); // warm-up: plans cached, token cached
    await sleep(300);
    await pool.query('select pg_stat_statements_reset()');
    const cpuBefore = { server: cpuMs([child.pid]), pg: pgCpuMs() };
    for (let i = 0; i < CREATES; i += 1) await post(i);
    await sleep(1000); // the after-commit checks are not awaited by the request
    const cpu = { serverMs: (cpuMs([child.pid]) - cpuBefore.server) / CREATES, pgMs: (pgCpuMs() - cpuBefore.pg) / CREATES };
    const rows = (await pool.query(`
      select query, calls::int, rows::int, (shared_blks_hit + shared_blks_read)::int as blks
        from pg_stat_statements
       where dbid = (select oid from pg_database where datname = current_database())
         and query not like '%pg_stat_statements%'
       order by shared_blks_hit + shared_blks_read desc`)).rows;
    const total = rows.reduce((sum, r) => sum + r.blks, 0);
    const calls = rows.reduce((sum, r) => sum + r.calls, 0);
    const rssMiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
    results.push({ size, rssMiB, perCreate: { statements: calls / CREATES, buffers: total / CREATES, ...cpu }, statements: rows.map((r) => ({
      query: r.query.replace(/\s+/g, ' ').slice(0, 160), callsPerCreate: r.calls / CREATES, rowsPerCreate: r.rows / CREATES, buffersPerCreate: r.blks / CREATES,
    })) });
    log(`${size} members: ${(calls / CREATES).toFixed(1)} statements and ${(total / CREATES).toFixed(1)} shared buffers per create; `
      + `CPU per create: server ${cpu.serverMs.toFixed(2)} ms, PostgreSQL ${cpu.pgMs.toFixed(2)} ms`);
  }
  print(results);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}

/** utime + stime (and, with `children`, reaped children's) of processes, in ms, from /proc. */
function cpuMs(pids, children = false) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0);
    } catch { /* gone */ }
  }
  return ticks * 10; // USER_HZ = 100 on Linux
}

/** CPU of the bundled PostgreSQL: the postmaster (with the backends it reaped) and its live children. */
function pgCpuMs() {
  const postmaster = Number(readFileSync(path.join(DATA_DIR, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const kids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try { return readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1] === String(postmaster); } catch { return false; }
  });
  return cpuMs([postmaster], true) + cpuMs(kids);
}

async function load(orgId, size) {
  await pool.query(`
    insert into members (org_id, user_name, external_id, active, role, seat_state, seat_type, seat_reason, source, attributes)
    select $1::uuid, 'user' || i || '@' || $1 || '.example', 'ext-' || i, true, 'member', 'assigned', 'enterprise',
           '{"kind":"highest_available","trigger":"scim_create"}'::jsonb, 'scim',
           jsonb_build_object('displayName', 'User ' || i, 'name', jsonb_build_object('givenName', 'User', 'familyName', 'N' || i),
                              'emails', jsonb_build_array(jsonb_build_object('value', 'user' || i || '@' || $1 || '.example', 'type', 'work', 'primary', true)))
      from generate_series(1, $2::int) as i`, [orgId, size]);
  await pool.query(`update seat_allocations a set assigned = (select count(*) from members m where m.org_id = a.org_id and m.seat_state = 'assigned' and m.seat_type = a.seat_type) where a.org_id = $1`, [orgId]);
  await pool.query('vacuum analyze');
}

function print(results) {
  const sizes = results.map((r) => r.size);
  const lines = ['', `## Per-create shared buffers (hit + read) vs organization size, ${CREATES} creates, 1 client`, ''];
  lines.push(`| | ${sizes.map((s) => `${s.toLocaleString('en-US')} members`).join(' | ')} |`);
  lines.push(`|---|${sizes.map(() => '--:').join('|')}|`);
  lines.push(`| statements per create | ${results.map((r) => r.perCreate.statements.toFixed(1)).join(' | ')} |`);
  lines.push(`| server RSS after the creates (MiB; the database holds every organization so far) | ${results.map((r) => r.rssMiB.toFixed(0)).join(' | ')} |`);
  lines.push(`| CPU per create, server / PostgreSQL (ms, /proc; moves with the machine's load) | ${results.map((r) => `${r.perCreate.serverMs.toFixed(2)} / ${r.perCreate.pgMs.toFixed(2)}`).join(' | ')} |`);
  lines.push(`| **shared buffers per create** | ${results.map((r) => `**${r.perCreate.buffers.toFixed(1)}**`).join(' | ')} |`);
  // The statements that cost most in the largest organization, with their cost at every size.
  const last = results[results.length - 1];
  for (const s of last.statements.slice(0, TOP)) {
    const cells = results.map((r) => {
      const m = r.statements.find((x) => x.query === s.query);
      return m ? `${m.buffersPerCreate.toFixed(1)} (${m.callsPerCreate.toFixed(2)}×)` : '–';
    });
    lines.push(`| \`${s.query.slice(0, 90).replace(/\|/g, '\\|')}\` | ${cells.join(' | ')} |`);
  }
  lines.push('', 'Cells: shared buffers per create (calls per create).');
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
