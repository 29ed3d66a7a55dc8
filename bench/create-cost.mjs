// Per-create database work vs organization size (issue 14): does a SCIM create cost more in a
// bigger organization? Counts that do not depend on the machine's load: for each statement the
// server runs during K creates (POST /Users through the seat gate, including what runs after
// commit, such as the utilization alert check), pg_stat_statements' calls, rows and shared
// buffers (hit + read), per create, at each organization size.
//
//   node bench/create-cost.mjs [--sizes 2000,10000,100000] [--creates 200] [--top 12] [--body entra|okta] [--json FILE] [--cpu-prof DIR]
//
// The bundled PostgreSQL runs from data/bench-create (wiped at start and at the end), restarted
// once with shared_preload_libraries=pg_stat_statements. The organizations are loaded with
// set-based SQL (one at a time, smallest first, so a scan of the whole table would grow too);
// the creates go through HTTP to `node dist/src/main.js`, one client, one after the other.
import { readFileSync, writeFileSync } from 'node:fs';
import {
  entraUser, httpClient, loadMembers, openBenchDatabase, option, postgresCpuMs, processCpuMs, runBench, sleep, startBenchServer,
} from './harness.mjs';

const SIZES = option('--sizes', '2000,10000,100000').split(',').map(Number);
const CREATES = Number(option('--creates', '200'));
const TOP = Number(option('--top', '12'));
const JSON_OUT = option('--json', undefined);
const CPU_PROF = option('--cpu-prof', undefined); // a directory: the server runs with --cpu-prof there
// entra: the peers harness's create-users body (core + enterprise schemas, title, department, meta);
// okta: the shorter body this bench sent before (decisions 0013 and 0015).
const BODY = option('--body', 'entra');
if (!['entra', 'okta'].includes(BODY)) throw new Error('--body is entra or okta');
if (SIZES.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(CREATES) || CREATES < 1) throw new Error('bad --sizes or --creates');

const request = httpClient(4);
const log = (message) => process.stderr.write(`[create-cost] ${message}\n`);

const bench = await openBenchDatabase('bench-create', { 'pg_stat_statements.track': 'all' });
const { pool, ctx, createOrganization, dataDir: DATA_DIR } = bench;

await runBench('create-cost', bench, main);

async function main() {
  const base = await startBenchServer(bench, request, CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : []);

  const results = [];
  for (const size of SIZES) {
    // Seats for twice the organization: utilization about 50 %, below the alert threshold (the
    // ordinary case); the check after commit still runs on every create.
    const org = await createOrganization(ctx, {
      name: `Create cost ${size}`, plan: 'enterprise', seats: { enterprise: 2 * size + CREATES + 10 },
      prices: { enterprise: 4000 }, ownerEmail: `owner${size}@bench.example`, billingMode: 'sales_assisted',
    });
    await loadMembers(pool, org.orgId, size);
    const auth = { Authorization: `Bearer ${org.scimToken}` };
    const post = async (n) => {
      const userName = `new${n}-${size}@bench.example`;
      const response = await request('POST', `${base}/scim/v2/Users`, BODY === 'entra' ? entraUser(userName, n) : {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, externalId: `new-${n}`, active: true,
        name: { givenName: 'New', familyName: `Hire${n}` }, displayName: `New Hire${n}`,
        emails: [{ value: userName, type: 'work', primary: true }],
      }, auth);
      if (response.status !== 201) throw new Error(`POST /Users answered ${response.status}: ${response.text.slice(0, 300)}`);
    };
    for (let i = 0; i < 10; i += 1) await post(`w${i}`); // warm-up: plans cached, token cached
    await sleep(300);
    await pool.query('select pg_stat_statements_reset()');
    const cpuBefore = { server: processCpuMs(bench.child.pid), pg: postgresCpuMs(DATA_DIR) };
    for (let i = 0; i < CREATES; i += 1) await post(i);
    await sleep(1000); // the after-commit checks are not awaited by the request
    const cpu = { serverMs: (processCpuMs(bench.child.pid) - cpuBefore.server) / CREATES, pgMs: (postgresCpuMs(DATA_DIR) - cpuBefore.pg) / CREATES };
    const rows = (await pool.query(`
      select query, calls::int, rows::int, (shared_blks_hit + shared_blks_read)::int as blks
        from pg_stat_statements
       where dbid = (select oid from pg_database where datname = current_database())
         and query not like '%pg_stat_statements%'
       order by shared_blks_hit + shared_blks_read desc`)).rows;
    const total = rows.reduce((sum, r) => sum + r.blks, 0);
    const calls = rows.reduce((sum, r) => sum + r.calls, 0);
    const rssMiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${bench.child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
    results.push({ size, rssMiB, perCreate: { statements: calls / CREATES, buffers: total / CREATES, ...cpu }, statements: rows.map((r) => ({
      query: r.query.replace(/\s+/g, ' ').slice(0, 160), callsPerCreate: r.calls / CREATES, rowsPerCreate: r.rows / CREATES, buffersPerCreate: r.blks / CREATES,
    })) });
    log(`${size} members: ${(calls / CREATES).toFixed(1)} statements and ${(total / CREATES).toFixed(1)} shared buffers per create; `
      + `CPU per create: server ${cpu.serverMs.toFixed(2)} ms, PostgreSQL ${cpu.pgMs.toFixed(2)} ms`);
  }
  print(results);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}

function print(results) {
  const sizes = results.map((r) => r.size);
  const lines = ['', `## Per-create shared buffers (hit + read) vs organization size, ${CREATES} creates (${BODY} body), 1 client`, ''];
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
