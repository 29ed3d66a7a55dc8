// Instructions per SCIM request of a server running under callgrind (issue 14, decision 0023):
// load-independent, unlike CPU time on a shared machine. Warm-up requests, then the counters
// zeroed, K requests, a dump; reports the whole process and its event-loop thread (uv_run:
// without the JIT compiler's and the concurrent marker's background threads).
//
//   valgrind --tool=callgrind --dump-instr=no --smc-check=all-non-file \
//     --callgrind-out-file=/tmp/cg/callgrind.out.%p node dist/src/main.js      # the server (DATABASE_URL, PORT, …)
//   node bench/callgrind-requests.mjs --port P --pid PID --dir /tmp/cg --token T [--kind lookup] [--warmup 1000] [--count 500] [--concurrency 16]
//
// `--kind lookup` asks for `bench-u<i>@example.com` (the peers harness's seeded population, i < 10,000);
// `miss` for names that do not exist; `healthz` for the floor; `list-page` for the harness's list
// page (`filter=active eq true`, a random full page of 100, decision 0027). callgrind_control finds the server
// by its HOST variable: run this with the server's HOST (e.g. HOST=127.0.0.1).
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { option } from './harness.mjs';

const port = option('--port'), pid = option('--pid'), dir = option('--dir'), token = option('--token');
const kind = option('--kind', 'lookup'), conc = Number(option('--concurrency', '16'));
const warmup = Number(option('--warmup', '1000')), count = Number(option('--count', '500'));
if (!port || !pid || !dir || !token) throw new Error('--port, --pid, --dir and --token are required');
const agent = new http.Agent({ keepAlive: true, maxSockets: conc });
const once = (path) => new Promise((resolve, reject) => {
  const req = http.request({ agent, host: '127.0.0.1', port, path, method: 'GET', headers: { Authorization: `Bearer ${token}`, Accept: 'application/scim+json' } }, (res) => {
    res.resume(); res.on('end', () => resolve(res.statusCode));
  });
  req.on('error', reject); req.end();
});
// A keep-alive socket the slowed server closed meanwhile is retried.
const get = (path, tries = 3) => once(path).catch((error) => { if (tries > 0) return get(path, tries - 1); throw error; });
const paths = {
  lookup: () => `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "bench-u${Math.floor(Math.random() * 10000)}@example.com"`)}`,
  miss: () => `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "nobody-${Math.floor(Math.random() * 1e9)}@example.com"`)}`,
  healthz: () => '/healthz',
  // The peers harness's list page: a random full page of 100 of the 10,000-user organization.
  'list-page': () => `/scim/v2/Users?filter=${encodeURIComponent('active eq true')}&startIndex=${1 + Math.floor(Math.random() * 100) * 100}&count=100`,
};
const run = async (n) => {
  let sent = 0, bad = 0;
  await Promise.all(Array.from({ length: conc }, async () => { while (sent < n) { sent += 1; if ((await get(paths[kind]())) !== 200) bad += 1; } }));
  return bad;
};
await run(warmup);
execFileSync('callgrind_control', ['-z', pid], { stdio: 'ignore' });
const bad = await run(count);
execFileSync('callgrind_control', ['-d', pid], { stdio: 'ignore' });
const files = readdirSync(dir).filter((f) => f.startsWith(`callgrind.out.${pid}.`)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
const file = `${dir}/${files[files.length - 1]}`;
const total = Number(readFileSync(file, 'utf8').match(/^(?:summary|totals): (\d+)/m)[1]);
const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
const loop = Number((annotated.split('\n').find((line) => line.includes(':uv_run ')) ?? '0').trim().split(/\s+/)[0].replace(/,/g, ''));
process.stdout.write(`${JSON.stringify({ kind, count, bad, irPerRequest: Math.round(total / count), eventLoopIrPerRequest: Math.round(loop / count), file })}\n`);
agent.destroy();
