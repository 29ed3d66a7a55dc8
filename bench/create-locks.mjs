// Lock waits and statements of a create load (issue 14), read from PostgreSQL while load.mjs runs.
//   node bench/create-locks.mjs --url postgres://… --seconds 15 [--reset] [--top 15]
// Samples pg_stat_activity every 10 ms: how many backends of the database wait on a heavyweight
// lock (wait_event_type = 'Lock'; 'transactionid'/'tuple' = a row lock held by another
// transaction), and on what. With --reset, pg_stat_statements is reset first (when loaded) and
// printed per 201 created (calls, mean ms, shared buffers) at the end.
import pg from 'pg';

const argv = process.argv.slice(2);
const arg = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : 'true'; };
const url = arg('url');
const seconds = Number(arg('seconds', '15'));
const top = Number(arg('top', '15'));
const client = new pg.Client({ connectionString: url });
await client.connect();
const hasPss = (await client.query(`select 1 from pg_extension where extname = 'pg_stat_statements'`)).rowCount > 0
  || (await client.query(`create extension if not exists pg_stat_statements`).then(() => true, () => false));
if (arg('reset') === 'true' && hasPss) await client.query('select pg_stat_statements_reset()');
const createdBefore = Number((await client.query(`select count(*)::int as n from members`)).rows[0].n);
let samples = 0; let waitingSum = 0; let samplesWithWait = 0; const by = new Map(); let active = 0;
const end = Date.now() + seconds * 1000;
while (Date.now() < end) {
  const { rows } = await client.query(`select state, wait_event_type, wait_event, left(query, 60) as q from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and state = 'active'`);
  samples += 1; active += rows.length;
  const waiting = rows.filter((r) => r.wait_event_type === 'Lock');
  waitingSum += waiting.length; if (waiting.length) samplesWithWait += 1;
  for (const r of waiting) { const k = `${r.wait_event}: ${r.q}`; by.set(k, (by.get(k) ?? 0) + 1); }
  for (const r of rows.filter((x) => x.wait_event_type && x.wait_event_type !== 'Lock')) {
    const k = `[${r.wait_event_type}/${r.wait_event}]`; by.set(k, (by.get(k) ?? 0) + 1);
  }
  await new Promise((r) => setTimeout(r, 10));
}
const created = Number((await client.query(`select count(*)::int as n from members`)).rows[0].n) - createdBefore;
const out = {
  samples, created, mean_active_backends: +(active / samples).toFixed(2),
  mean_backends_waiting_on_lock: +(waitingSum / samples).toFixed(2),
  share_of_samples_with_a_lock_wait: +(samplesWithWait / samples).toFixed(3),
  waits: Object.fromEntries([...by].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => [k, +(v / samples).toFixed(3)])),
};
console.log(JSON.stringify(out, null, 1));
if (arg('reset') === 'true' && hasPss && created > 0) {
  const { rows } = await client.query(`select calls, total_exec_time, shared_blks_hit + shared_blks_read + shared_blks_dirtied as bufs,
      shared_blks_hit + shared_blks_read as hr, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) as q
    from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
      and query not like '%pg_stat_activity%' and query not like '%count(*)::int as n from members%' order by calls desc`);
  let calls = 0; let bufs = 0; let ms = 0;
  for (const r of rows) { calls += Number(r.calls); bufs += Number(r.hr); ms += r.total_exec_time; }
  console.log(`per create (${created}): statements ${(calls / created).toFixed(1)}, shared buffers ${(bufs / created).toFixed(1)}, exec ms ${(ms / created).toFixed(2)}`);
  for (const r of rows.slice(0, top)) {
    console.log(`${(Number(r.calls) / created).toFixed(2).padStart(6)} calls ${(Number(r.hr) / created).toFixed(1).padStart(6)} bufs ${(r.total_exec_time / Number(r.calls)).toFixed(3).padStart(7)} ms  ${r.q}`);
  }
}
await client.end();
