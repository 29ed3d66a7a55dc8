// What one counter row updated by every commit costs, apart from everything else a create does
// (issue 14, decision 0028). 16 clients, each an autocommit statement that inserts one row and
// then increments a counter row, as a create's commit-time seat trigger does: the counter is one
// row, or one of k stripes (the client's number mod k); "none" inserts only (the raw INSERT);
// "1-then-flush" is one row, the transaction committed without waiting for its flush and then made
// durable by a second one that writes WAL (decision 0031, storage/hot-row-commits.ts).
// Per variant: transactions/s and WAL flushes per transaction (pg_stat_io, object wal).
//   node bench/hot-row-ceiling.mjs --url postgres://…/db [--seconds 10] [--concurrency 16] [--stripes none,1,1-then-flush,2,4,16]
import pg from 'pg';

const argv = process.argv.slice(2);
const arg = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : 'true'; };
const url = arg('url');
const seconds = Number(arg('seconds', '10'));
const concurrency = Number(arg('concurrency', '16'));
const variants = arg('stripes', 'none,1,1-then-flush,2,4,16').split(',');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query('drop table if exists hr_items, hr_counters');
await admin.query('create table hr_items (id bigserial primary key, org_id uuid not null, user_name text not null, attrs jsonb not null)');
await admin.query('create table hr_counters (stripe int primary key, n bigint not null default 0)');
await admin.query('insert into hr_counters (stripe) select generate_series(0, 63)');
const fsyncs = async () => Number((await admin.query(`select coalesce(sum(fsyncs), 0)::bigint as n from pg_stat_io where object = 'wal'`)).rows[0].n);
const commits = async () => Number((await admin.query('select xact_commit from pg_stat_database where datname = current_database()')).rows[0].xact_commit);

const clients = await Promise.all(Array.from({ length: concurrency }, async () => { const c = new pg.Client({ connectionString: url }); await c.connect(); return c; }));
const INSERT_ONLY = `insert into hr_items (org_id, user_name, attrs) values ('00000000-0000-0000-0000-000000000001', $1, '{"a":1}')`;
const INSERT_AND_COUNT = `with i as (insert into hr_items (org_id, user_name, attrs) values ('00000000-0000-0000-0000-000000000001', $1, '{"a":1}') returning id)
  update hr_counters set n = n + 1 where stripe = $2 and exists (select 1 from i)`;
const INSERT_AND_COUNT_NO_FLUSH_WAIT = `with i as (insert into hr_items (org_id, user_name, attrs) values ('00000000-0000-0000-0000-000000000001', $1, '{"a":1}') returning id),
  u as (update hr_counters set n = n + 1 where stripe = 0 and exists (select 1 from i) returning 1)
  select set_config('synchronous_commit', 'off', true), (select count(*) from u)`;
const FLUSH = `select pg_logical_emit_message(true, 'seatgate', '')`;
const rows = [];
for (const variant of variants) {
  const thenFlush = variant === '1-then-flush';
  const stripes = variant === 'none' ? 0 : thenFlush ? 1 : Number(variant);
  await sleep(1000);
  const f0 = await fsyncs(); const c0 = await commits();
  let done = 0; const end = Date.now() + seconds * 1000; let seq = 0;
  await Promise.all(clients.map(async (c, k) => {
    while (Date.now() < end) {
      const name = `u${variant}-${k}-${seq++}`;
      if (stripes === 0) await c.query({ name: 'ins', text: INSERT_ONLY, values: [name] });
      else if (thenFlush) {
        await c.query({ name: 'cnt-nowait', text: INSERT_AND_COUNT_NO_FLUSH_WAIT, values: [name] });
        await c.query({ name: 'flush', text: FLUSH });
      }
      else await c.query({ name: 'cnt', text: INSERT_AND_COUNT, values: [name, k % stripes] });
      done += 1;
    }
  }));
  await sleep(11_000); // idle backends flush their statistics after 10 s
  const f1 = await fsyncs(); const c1 = await commits();
  const commitsSeen = c1 - c0;
  // "then flushed" commits twice per create: per create, not per commit.
  const perCreate = thenFlush ? 2 : 1;
  rows.push({ counter: stripes === 0 ? 'none (insert only)' : thenFlush ? 'one row, then flushed' : stripes === 1 ? 'one row' : `${stripes} stripes`, txn_per_s: Math.round(done / seconds), wal_flushes_per_txn: +(perCreate * (f1 - f0) / commitsSeen).toFixed(3) });
  console.error(JSON.stringify(rows.at(-1)));
}
await Promise.all(clients.map((c) => c.end()));
await admin.query('drop table if exists hr_items, hr_counters');
await admin.end();
console.log('| counter updated by every transaction | transactions/s | WAL flushes per transaction |\n|---|--:|--:|');
for (const r of rows) console.log(`| ${r.counter} | ${r.txn_per_s} | ${r.wal_flushes_per_txn} |`);
