// CPU per request of the SCIM router's input reader (jsonInput: URL check, JSON body, body check)
// on an IdP's lookup (a bodiless GET), two builds in one process, alternated (decision 0039): a
// router (Express 5's) with the build's jsonInput mounted as the SCIM router mounts it, then a
// route; requests are dispatched synchronously through router.handle, CPU time read around them.
//
//   node bench/input-layers.mjs --build before=/path/to/built/checkout --build after=. [--rounds 20] [--count 50000]
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { option } from './harness.mjs';

const require = createRequire(import.meta.url);
const Router = require('router');
const argv = process.argv.slice(2);
const builds = await Promise.all(argv.flatMap((arg, i) => (arg === '--build' ? [argv[i + 1]] : [])).map(async (spec) => {
  const at = spec.indexOf('=');
  const dir = path.resolve(spec.slice(at + 1));
  const { jsonInput } = await import(pathToFileURL(path.join(dir, 'dist/src/interfaces/http/input.js')).href);
  const router = Router();
  router.use(jsonInput({ type: (req) => !req.headers['content-type'], limit: 1024 * 1024 }));
  let answered = 0;
  router.get('/Users', (_req, _res) => { answered += 1; });
  return { name: spec.slice(0, at), router, answered: () => answered, samples: [] };
}));
const rounds = Number(option('--rounds', '20')), count = Number(option('--count', '50000'));
if (builds.length === 0) throw new Error('at least one --build name=dir');
const url = `/Users?filter=${encodeURIComponent('userName eq "bench-u1234@example.com"')}`;
const query = { filter: 'userName eq "bench-u1234@example.com"' };
const failed = (error) => { throw error ?? new Error('no route answered'); };
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
for (let r = 0; r < rounds; r++) {
  for (const b of r % 2 === 0 ? builds : [...builds].reverse()) {
    const start = b.answered(), before = cpu();
    for (let i = 0; i < count; i++) {
      const req = { method: 'GET', url, originalUrl: `/scim/v2${url}`, headers: { host: 'x', accept: 'application/scim+json' }, query };
      b.router.handle(req, {}, failed);
    }
    const spent = cpu() - before;
    if (b.answered() - start !== count) throw new Error(`${b.name}: ${count - (b.answered() - start)} requests not answered synchronously`);
    b.samples.push(spent / count);
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
process.stdout.write(`${JSON.stringify({ rounds, count, result: builds.map((b) => ({ build: b.name, cpuUsPerRequest: Number(median(b.samples.slice(2)).toFixed(3)), rounds: b.samples.map((x) => Number(x.toFixed(3))) })) })}\n`);
