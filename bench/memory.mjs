// The server's memory with a 100,000-user organization (issue 14: RSS < 200 MiB), measured the way
// the peers harness measures it: VmRSS of the one `node dist/src/main.js` process, sampled while
// the load runs (here every 25 ms, with VmHWM), and the server's CPU per request (/proc) so that
// a memory setting's CPU price shows beside it.
//
//   node bench/memory.mjs [--users 100000] [--creates 3000] [--json FILE]
//   SERVER_NODE_FLAGS="--heap-growing-percent=0" node bench/memory.mjs   # V8's default old-space growth
//   SERVER_NODE_FLAGS=--trace-gc SERVER_LOG_COPY=/tmp/server.log node bench/memory.mjs   # keep the server's GC trace
//
// Phases: idle after start; creates through SCIM (16 clients); `userName eq` lookups (16);
// list pages of 100 `active eq true` with totalResults (16); one-member group PATCHes on the
// 100,000-member group (16); GET of that group with its members (4); a `GET /Groups` page
// holding it (2). The users and the group are loaded set-based before the server starts, in the
// bundled PostgreSQL in data/bench-memory (wiped at start and at the end). See bench/README.md.
import { copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { httpClient, openBenchDatabase, option, processCpuMs, rssOf, rssSampler, runBench, sleep, startBenchServer, loadBigOrganization } from './harness.mjs';

const USERS = Number(option('--users', '100000'));
const CREATES = Number(option('--creates', '3000'));
const JSON_OUT = option('--json', undefined);
const CLIENTS = 16;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const request = httpClient(64);
const log = (message) => process.stderr.write(`[memory ${(performance.now() / 1000).toFixed(1)}s] ${message}\n`);

const bench = await openBenchDatabase('bench-memory', {});
const { pool, ctx, createOrganization } = bench;
await runBench('memory', bench, main, {
  keepLog: (file) => { if (process.env.SERVER_LOG_COPY) copyFileSync(file, process.env.SERVER_LOG_COPY); },
});
process.exit(); // a sampler of a failed phase would keep the process alive

async function main() {
  const org = await createOrganization(ctx, {
    name: 'Memory bench', plan: 'enterprise', seats: { enterprise: 2 * USERS + CREATES + 100 },
    prices: { enterprise: 4000 }, ownerEmail: 'owner@bench.example', billingMode: 'sales_assisted',
  });
  const t0 = performance.now();
  const loaded = await loadBigOrganization(pool, org.orgId, USERS, CLIENTS);
  log(`loaded ${USERS} users and a ${USERS}-member group in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const flags = (process.env.SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const base = await startBenchServer(bench, request, flags);
  const auth = { Authorization: `Bearer ${org.scimToken}` };
  const call = (method, url, body) => request(method, `${base}/scim/v2${url}`, body, auth);
  const expect = async (response, status, what) => {
    if (response.status !== status) throw new Error(`${what}: ${response.status} ${response.text.slice(0, 200)}`);
    return response;
  };
  await sleep(3000);
  const phases = { 'idle after start': { ...rssOf(bench.child.pid), maxMiB: rssOf(bench.child.pid).rssMiB } };

  const phase = async (name, times, concurrency, fn) => {
    const sampler = rssSampler(bench.child.pid);
    const logFrom = serverLog().length;
    const before = processCpuMs(bench.child.pid);
    const started = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => { while (next < times) { const i = next; next += 1; await fn(i); } }));
    const perSecond = times / (performance.now() - started) * 1000;
    const r = { ...sampler.stop(), serverCpuMsPerRequest: (processCpuMs(bench.child.pid) - before) / times, perSecond, requests: times, gc: gcTrace(serverLog().slice(logFrom)) };
    phases[name] = r;
    log(`${name}: RSS max ${r.maxMiB.toFixed(0)} MiB (end ${r.endMiB.toFixed(0)}), server CPU ${r.serverCpuMsPerRequest.toFixed(2)} ms/request, ${perSecond.toFixed(0)}/s${r.gc ? `, GC (--trace-gc): ${JSON.stringify(r.gc)}` : ''}`);
  };

  const tag = Date.now().toString(36);
  await phase(`creates (${CLIENTS} clients)`, CREATES, CLIENTS, async (i) => {
    const userName = `created-${tag}-${i}@bench.example`;
    await expect(await call('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, externalId: `ext-${tag}-${i}`, active: true,
      name: { givenName: 'Given', familyName: `Family${i}` }, displayName: `Created ${i}`,
      emails: [{ value: userName, type: 'work', primary: true }],
    }), 201, 'create');
  });
  phases['after the creates'] = { ...rssOf(bench.child.pid), maxMiB: rssOf(bench.child.pid).rssMiB };
  await phase(`userName eq lookups (${CLIENTS} clients)`, 4000, CLIENTS, async () => {
    await expect(await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "user${1 + Math.floor(Math.random() * USERS)}@bench.example"`)}`), 200, 'lookup');
  });
  await phase(`list pages of 100, active eq true (${CLIENTS} clients)`, 400, CLIENTS, async () => {
    await expect(await call('GET', `/Users?filter=${encodeURIComponent('active eq true')}&startIndex=${1 + Math.floor(Math.random() * (USERS / 100 - 1)) * 100}&count=100`), 200, 'list');
  });
  const group = `/Groups/${loaded.groupId}`;
  await phase(`group PATCH ±1 member of ${USERS.toLocaleString('en-US')} (${CLIENTS} clients)`, 800, CLIENTS, async (i) => {
    const id = loaded.extra[i % CLIENTS];
    const op = Math.floor(i / CLIENTS) % 2 === 0 ? 'add' : 'remove';
    await expect(await call('PATCH', group, { schemas: [PATCH_OP], Operations: [{ op, path: 'members', value: [{ value: id }] }] }), 204, 'PATCH');
  });
  await phase(`GET group with ${USERS.toLocaleString('en-US')} members (4 clients)`, 8, 4, async () => { await expect(await call('GET', group), 200, 'GET group'); });
  await phase('GET /Groups page holding that group (2 clients)', 4, 2, async () => { await expect(await call('GET', '/Groups?count=100'), 200, 'GET /Groups'); });
  print(phases, flags);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ users: USERS, creates: CREATES, flags, phases }, null, 2));
}

function serverLog() {
  try { return readFileSync(`${bench.dataDir}/server.log`, 'utf8'); } catch { return ''; }
}
/** With --trace-gc in SERVER_NODE_FLAGS: how many scavenges and mark-compacts ran, and their pause ms. */
function gcTrace(text) {
  const events = [...text.matchAll(/: (Scavenge|Mark-Compact)[^,]*?, ([\d.]+) \/ [\d.]+ ms/g)];
  if (events.length === 0) return undefined;
  const of = (kind) => events.filter((e) => e[1] === kind);
  const ms = (list) => Math.round(list.reduce((sum, e) => sum + Number(e[2]), 0));
  return { scavenges: of('Scavenge').length, scavengeMs: ms(of('Scavenge')), markCompacts: of('Mark-Compact').length, markCompactMs: ms(of('Mark-Compact')) };
}

function print(phases, flags) {
  const f = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(2)) : '–');
  const lines = ['', `## Server memory, ${USERS.toLocaleString('en-US')} users (${new Date().toISOString().slice(0, 16)}Z, node flags: ${flags.join(' ') || 'none'})`, ''];
  lines.push('| phase | VmRSS MiB (max while running) | at its end | server CPU ms/request | requests/s | GC (--trace-gc): scavenges / mark-compacts per 1,000 requests, their pause ms per request |', '|---|--:|--:|--:|--:|---|');
  const gc = (m) => (m.gc ? `${f(m.gc.scavenges * 1000 / m.requests)} / ${f(m.gc.markCompacts * 1000 / m.requests)}, ${f((m.gc.scavengeMs + m.gc.markCompactMs) / m.requests)}` : '–');
  for (const [name, m] of Object.entries(phases)) lines.push(`| ${name} | ${f(m.maxMiB)} | ${f(m.endMiB ?? m.rssMiB)} | ${f(m.serverCpuMsPerRequest)} | ${f(m.perSecond)} | ${gc(m)} |`);
  const all = Object.values(phases);
  lines.push('', `max VmRSS over all phases ${f(Math.max(...all.map((m) => m.maxMiB)))} MiB; VmHWM ${f(Math.max(...all.map((m) => m.hwmMiB)))} MiB`, '');
  process.stdout.write(lines.join('\n'));
}
