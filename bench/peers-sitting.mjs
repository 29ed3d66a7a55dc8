// One sitting of the side-by-side benchmark (issue 14): the peers harness (../shared/peers) run
// against seatgate and against the peer SCIM server, one after the other on the same machine,
// each run measuring raw PostgreSQL again; then one seatgate run with a 100,000-member group for
// the group PATCH and memory targets. Prints and writes one table of ratios against the targets.
//
//   node bench/peers-sitting.mjs [--peers DIR] [--repeats 3] [--duration 15] [--users 10000] [--skip-100k] [--out FILE]
//
// The harness is copied to DIR (default: <tmp>/seatgate-peers) and installed there once
// (shared/ may be read-only). This checkout must be built (`npm run build`): the seatgate target
// runs its dist/. Only ratios within one sitting are compared, never figures across sittings.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const flag = (name) => argv.includes(`--${name}`);
const peers = path.resolve(opt('peers', path.join(os.tmpdir(), 'seatgate-peers')));
const repeats = opt('repeats', '3');
const duration = opt('duration', '15');
const users = opt('users', '10000'); // the population of the side-by-side runs (and group size)
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const tag = `sitting-${stamp}`;
const out = opt('out', path.join(repo, 'bench', 'results', `peers-${stamp}.md`));

function install() {
  if (fs.existsSync(path.join(peers, 'node_modules')) && fs.existsSync(path.join(peers, 'better-auth', 'node_modules'))) return;
  fs.cpSync(path.resolve(repo, '../shared/peers'), peers, { recursive: true });
  for (const dir of [peers, path.join(peers, 'better-auth')]) {
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  }
}

/** One run.mjs run; resolves with its results JSON. */
function run(target, extra) {
  const before = new Set(fs.existsSync(path.join(peers, 'results')) ? fs.readdirSync(path.join(peers, 'results')) : []);
  const args = ['run.mjs', '--target', target, '--tag', tag, '--repeats', repeats, '--duration', duration, '--users', users, '--group-size', users, ...extra];
  console.error(`== ${target}: node ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: peers, stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, SEATGATE_DIR: repo, PEERS_PG_DIR: path.join(os.tmpdir(), `seatgate-peers-pg-${process.pid}`) },
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const made = fs.readdirSync(path.join(peers, 'results')).filter((f) => f.endsWith('.json') && !before.has(f));
      if (code !== 0 || made.length !== 1) return reject(new Error(`${target} run exited ${code}`));
      resolve(JSON.parse(fs.readFileSync(path.join(peers, 'results', made[0]), 'utf8')));
    });
  });
}

const s = (r, name) => r?.scenarios?.[name]?.summary;
const fmt = (x, d = 1) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(d));

function table(seatgate, peer, big) {
  const rawInsert = s(seatgate, 'raw-insert')?.throughput;
  const rawLookup = s(seatgate, 'raw-lookup')?.throughput;
  const ratio = (a, b) => (a != null && b ? a / b : null);
  const rows = [];
  const row = (what, ours, theirs, measure, value, target, pass) =>
    rows.push(`| ${what} | ${ours} | ${theirs} | ${measure} | ${fmt(value, 3)} | ${target} | ${pass == null ? '–' : pass ? 'PASS' : 'FAIL'} |`);
  const tp = (r, n) => s(r, n)?.throughput;
  const create = tp(seatgate, 'create-users');
  row('create-users /s', fmt(create), fmt(tp(peer, 'create-users')), '÷ raw INSERT txn/s', ratio(create, rawInsert), '≥ 0.12', ratio(create, rawInsert) == null ? null : ratio(create, rawInsert) >= 0.12);
  const lookup = tp(seatgate, 'lookup');
  row('`userName eq` lookups /s', fmt(lookup), fmt(tp(peer, 'lookup')), '÷ raw lookups/s', ratio(lookup, rawLookup), '≥ 0.2', ratio(lookup, rawLookup) == null ? null : ratio(lookup, rawLookup) >= 0.2);
  const list = ratio(tp(seatgate, 'list-page'), tp(peer, 'list-page'));
  row('list page of 100 /s (ours `active eq true` + totalResults; peer unfiltered)', fmt(tp(seatgate, 'list-page')), fmt(tp(peer, 'list-page')), '÷ peer', list, '≥ 3', list == null ? null : list >= 3);
  const okta = ratio(tp(seatgate, 'okta-sync'), tp(peer, 'okta-sync'));
  row('okta-sync users /s', fmt(tp(seatgate, 'okta-sync')), fmt(tp(peer, 'okta-sync')), '÷ peer', okta, '≥ 8', okta == null ? null : okta >= 8);
  for (const [name, conc, limit] of [['group-add-member-c1', 1, 5], ['group-add-member', 16, 50]]) {
    const e = big?.scenarios?.[name] ?? seatgate?.scenarios?.[name];
    const size = e?.group_size;
    const p99 = e?.ok_latency?.p99;
    const failed = e?.summary?.non2xx_pct;
    const peerE = peer?.scenarios?.[name];
    row(`group PATCH ±1 member, ${conc} client${conc > 1 ? 's' : ''}, group of ${size ?? '?'} (peer: ${peerE?.group_size ?? '?'})`,
      `p99 ${fmt(p99)} ms, ${fmt(failed)} % failed`, `p99 ${fmt(peerE?.ok_latency?.p99)} ms, ${fmt(peerE?.summary?.non2xx_pct)} % failed`,
      'p99 ms', p99, `< ${limit}${conc > 1 ? ', 0 % failed' : ''}`, p99 == null ? null : p99 < limit && (conc === 1 || failed === 0));
  }
  const rss = big ? Math.max(big.rss.after_seed_mib ?? 0, big.rss.end_mib ?? 0, ...Object.values(big.scenarios).map((e) => e.summary?.server_rss_max ?? 0)) : null;
  row(`server RSS, max, with ${big?.seed?.n ?? '?'} users loaded (MiB)`, fmt(rss, 0), '–', 'MiB', rss, '< 200', rss == null ? null : rss < 200);
  return [
    `## Sitting ${stamp.replace('T', ' ')} UTC`,
    '',
    `${os.cpus().length} cores, load average at the start ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')}; ${seatgate.postgres?.version}; concurrency 16; median of ${repeats} runs of ${duration} s. `
      + `Raw PostgreSQL in seatgate's run: ${fmt(rawInsert, 0)} INSERT txn/s, ${fmt(rawLookup, 0)} lookups/s.`,
    '',
    '| scenario | seatgate | peer | measure | value | target | |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

install();
const seatgate = await run('seatgate', []);
const peer = await run('better-auth', []);
const big = flag('skip-100k') ? null
  : await run('seatgate', ['--scenarios', 'group-add-member,group-add-member-c1', '--users', '100000', '--group-size', '100000', '--no-raw']);
const md = table(seatgate, peer, big);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, md);
fs.writeFileSync(out.replace(/\.md$/, '.json'), JSON.stringify({ seatgate, peer, big }, null, 1));
process.stdout.write(md);
