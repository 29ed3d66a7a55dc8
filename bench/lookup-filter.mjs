// CPU per compiled lookup filter (`userName eq "…"`, every value different, as an IdP's lookups
// are), two builds in one process, alternated (decision 0039): each round compiles `--count`
// fresh filters with each build's compileFilter and reads this process's CPU time around it.
//
//   node bench/lookup-filter.mjs --build before=/path/to/built/checkout --build after=. [--rounds 20] [--count 20000]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { option } from './harness.mjs';

const argv = process.argv.slice(2);
const builds = await Promise.all(argv.flatMap((arg, i) => (arg === '--build' ? [argv[i + 1]] : [])).map(async (spec) => {
  const at = spec.indexOf('=');
  const dir = path.resolve(spec.slice(at + 1));
  const module = await import(pathToFileURL(path.join(dir, 'dist/src/protocol/scim/filter/index.js')).href);
  return { name: spec.slice(0, at), compileFilter: module.compileFilter, samples: [] };
}));
const rounds = Number(option('--rounds', '20')), count = Number(option('--count', '20000'));
if (builds.length === 0) throw new Error('at least one --build name=dir');
let serial = 0;
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
for (let r = 0; r < rounds; r++) {
  for (const b of r % 2 === 0 ? builds : [...builds].reverse()) {
    const before = cpu();
    let held = 0;
    for (let i = 0; i < count; i++) {
      const where = b.compileFilter('User', `userName eq "lookup-${serial++}@example.com"`);
      if (where.template) held += 1;
    }
    if (held !== count) throw new Error(`${b.name}: ${count - held} lookups without a template`);
    b.samples.push((cpu() - before) / count);
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
process.stdout.write(`${JSON.stringify({ rounds, count, result: builds.map((b) => ({ build: b.name, cpuUsPerFilter: Number(median(b.samples.slice(2)).toFixed(2)), rounds: b.samples.map((x) => Number(x.toFixed(2))) })) })}\n`);
