// Server CPU per `userName eq` lookup, two or more builds side by side (issue 14, decision 0033).
// Each build's server runs as the peers harness runs it (`node dist/src/main.js`, its settings) on
// the same database; after a warm-up, rounds of a fixed number of lookups go to each server in
// turn (the order alternates), and the CPU its threads used in the round is read from /proc
// (schedstat: nanoseconds on CPU, all threads and the main one). Alternating rounds puts both
// builds under the same machine load; the median over rounds is the figure. Before measuring,
// the answers of the builds are compared byte for byte (body and headers but Date and
// X-Request-Id) on lookups, misses, a list page and a few errors.
//
//   node bench/lookup-cpu.mjs --db postgres://bench:bench@127.0.0.1:PG_PORT/peer_seatgate --token T \
//     --build before=/path/to/built/checkout --build after=/path/to/other [--rounds 8] [--count 2000] \
//     [--warmup 4000] [--concurrency 16] [--n 10000] [--prefix bench]
//
// The database is the peers harness's (serve.mjs --target seatgate, then load.mjs --scenario seed).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, option, sleep } from './harness.mjs';

const argv = process.argv.slice(2);
const builds = argv.flatMap((arg, i) => (arg === '--build' ? [argv[i + 1]] : [])).map((spec) => {
  const at = spec.indexOf('=');
  return { name: spec.slice(0, at), dir: path.resolve(spec.slice(at + 1)) };
});
const db = option('--db'), token = option('--token');
const rounds = Number(option('--rounds', '8')), count = Number(option('--count', '2000'));
const warmup = Number(option('--warmup', '4000')), conc = Number(option('--concurrency', '16'));
const population = Number(option('--n', '10000')), prefix = option('--prefix', 'bench');
if (!db || !token || builds.length === 0) throw new Error('--db, --token and at least one --build name=dir are required');

const children = [];
const stopAll = () => { for (const child of children) if (child.exitCode === null) child.kill('SIGTERM'); };
process.on('SIGINT', () => { stopAll(); process.exit(130); });

async function start(build) {
  const port = await freePort();
  const child = spawn('node', [path.join(build.dir, 'dist/src/main.js')], {
    cwd: build.dir,
    env: {
      ...process.env, DATABASE_URL: db, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', SEATGATE_DEMO: 'false',
      SEATGATE_SCIM_RATE_LIMIT_PER_MINUTE: '100000000', SEATGATE_DB_POOL_SIZE: '16', LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  for (let i = 0; i < 1200; i++) {
    if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) break;
    await sleep(100);
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: conc });
  return { ...build, port, pid: child.pid, agent, samples: [] };
}

const get = (server, requestPath, headers = {}) => new Promise((resolve, reject) => {
  const req = http.request({
    agent: server.agent, host: '127.0.0.1', port: server.port, path: requestPath, method: 'GET',
    headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json, application/json', ...headers },
  }, (res) => {
    const chunks = [];
    res.on('data', (chunk) => chunks.push(chunk));
    res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
  });
  req.on('error', reject);
  req.end();
});
const lookupPath = (i) => `/scim/v2/Users?filter=${encodeURIComponent(`userName eq ${JSON.stringify(`${prefix}-u${i}@example.com`)}`)}`;

/** CPU nanoseconds of all the process's threads, and of its main thread. */
function cpuOf(pid) {
  let all = 0, main = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      all += ns;
      if (task === String(pid)) main = ns;
    } catch { /* a thread that ended */ }
  }
  return { all, main };
}

async function lookups(server, n) {
  let next = 0, bad = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    while (next < n) {
      next += 1;
      const r = await get(server, lookupPath(Math.floor(Math.random() * population)));
      if (r.status !== 200 || !/"totalResults":1\b/.test(r.body.toString())) bad += 1;
    }
  }));
  return bad;
}

/** The same requests to every build: status, body and headers (but the per-request ones) identical. */
async function compare(servers) {
  const paths = [
    ...Array.from({ length: 20 }, (_, k) => lookupPath(k * 499 % population)),
    `/scim/v2/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}`,
    `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${prefix}-u7@example.com"`)}&attributes=userName`,
    `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${prefix}-u7@example.com"`)}&excludedAttributes=groups`,
    `/scim/v2/Users?filter=${encodeURIComponent(`USERNAME EQ "${prefix.toUpperCase()}-U8@EXAMPLE.COM"`)}`,
    `/scim/v2/Users?filter=${encodeURIComponent('active eq true')}&startIndex=5&count=3`,
    '/scim/v2/Users?filter=userName%20eq',
    '/scim/v2/Users?filter=userName%20eq%20%22x%22&access_token=abc',
    '/scim/v2/Users?count=2',
    '/scim/v2/Nothing',
  ];
  const strip = (headers) => Object.fromEntries(Object.entries(headers).filter(([name]) => !['date', 'x-request-id', 'ratelimit', 'ratelimit-policy'].includes(name)));
  let differences = 0;
  for (const p of [...paths, 'unauthenticated']) {
    const answers = await Promise.all(servers.map((s) => (p === 'unauthenticated' ? get(s, paths[0], { authorization: 'Bearer nope' }) : get(s, p))));
    // Each server writes its own address into meta.location.
    const seen = answers.map((a, i) => `${a.status} ${JSON.stringify(strip(a.headers))} ${a.body.toString('utf8').replaceAll(`127.0.0.1:${servers[i].port}/`, '127.0.0.1:PORT/')}`);
    for (const [i, other] of seen.entries()) {
      if (other !== seen[0]) {
        differences += 1;
        process.stderr.write(`DIFFERENT ${servers[i].name} vs ${servers[0].name} on ${p}:\n  ${seen[0].slice(0, 2000)}\n  ${other.slice(0, 2000)}\n`);
      }
    }
  }
  return differences;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
try {
  const servers = [];
  for (const build of builds) servers.push(await start(build));
  const differences = servers.length > 1 ? await compare(servers) : 0;
  for (const s of servers) await lookups(s, warmup);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? servers : [...servers].reverse();
    for (const s of order) {
      const before = cpuOf(s.pid);
      const bad = await lookups(s, count);
      const after = cpuOf(s.pid);
      s.samples.push({ all: (after.all - before.all) / count / 1e3, main: (after.main - before.main) / count / 1e3, bad });
    }
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const result = servers.map((s) => ({
    build: s.name,
    cpuUsPerLookup: Math.round(median(s.samples.map((x) => x.all))),
    mainThreadUsPerLookup: Math.round(median(s.samples.map((x) => x.main))),
    rounds: s.samples.map((x) => Math.round(x.all)),
    bad: s.samples.reduce((a, x) => a + x.bad, 0),
  }));
  process.stdout.write(`${JSON.stringify({ count, rounds, warmup, concurrency: conc, load, differences, result })}\n`);
} finally {
  stopAll();
}
