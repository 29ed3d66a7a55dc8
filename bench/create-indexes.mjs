// What each index, trigger and column a SCIM create writes costs PostgreSQL (issue 14, decision
// 0020). The create use case itself (services/scim/users.js createUser, the Entra body of the
// peers harness) runs in this process on a pool of ONE connection, so one PostgreSQL backend
// does all of a create's work: its CPU (utime + stime from /proc/<backend>/stat) per create does
// not depend on other processes' load the way wall time does. For each variant (an index
// dropped, a setting changed) K creates run, alternating with the unchanged schema round after
// round; the variant is undone after its run.
//
//   node bench/create-indexes.mjs [--size 10000] [--creates 1000] [--rounds 2] [--only name,name] [--json FILE]
//
// The bundled PostgreSQL runs from data/bench-indexes (wiped at start and at the end).
import { writeFileSync } from 'node:fs';
import { entraUser, loadMembers, openBenchDatabase, option, processTimes, runBench } from './harness.mjs';

const SIZE = Number(option('--size', '10000'));
const CREATES = Number(option('--creates', '1000'));
const ROUNDS = Number(option('--rounds', '2'));
const ONLY = option('--only', undefined)?.split(',');
const JSON_OUT = option('--json', undefined);
const log = (message) => process.stderr.write(`[create-indexes] ${message}\n`);

const bench = await openBenchDatabase('bench-indexes', { 'pg_stat_statements.track': 'all' });
const { pool, ctx, createOrganization } = bench;

// Variants: [name, apply SQL, undo SQL or 'recreate' (the dropped index, as it was)].
const dropIndex = (index) => [`drop ${index}`, `drop ${index}`];
const VARIANTS = [
  ['baseline'],
  dropIndex('members_user_name_key'),
  dropIndex('members_external_id'),
  dropIndex('members_by_creation'),
  dropIndex('members_active_by_creation'),
  dropIndex('members_family_name'),
  dropIndex('members_given_name'),
  dropIndex('members_email_keys_trgm'),
  dropIndex('members_search_trgm'),
  dropIndex('audit_events_by_action'),
  dropIndex('audit_events_public_id'),
  dropIndex('audit_events_by_actor_member'),
  dropIndex('audit_events_by_actor_credential'),
  dropIndex('audit_events_by_time'),
  ['gin fastupdate off', 'alter index members_search_trgm set (fastupdate = off); alter index members_email_keys_trgm set (fastupdate = off)',
    'alter index members_search_trgm reset (fastupdate); alter index members_email_keys_trgm reset (fastupdate)'],
  ['members fk to seat_allocations dropped', 'alter table members drop constraint members_org_id_seat_type_fkey',
    'alter table members add constraint members_org_id_seat_type_fkey foreign key (org_id, seat_type) references seat_allocations (org_id, seat_type)'],
  ['members fk to organizations dropped', 'alter table members drop constraint members_org_id_fkey',
    'alter table members add constraint members_org_id_fkey foreign key (org_id) references organizations (id) on delete cascade'],
  ['audit fk to organizations dropped', 'alter table audit_events drop constraint audit_events_org_id_fkey',
    'alter table audit_events add constraint audit_events_org_id_fkey foreign key (org_id) references organizations (id) on delete cascade'],
].filter(([name]) => name === 'baseline' || !ONLY || ONLY.some((o) => name.includes(o)));

await runBench('create-indexes', bench, main);

async function main() {
  const org = await createOrganization(ctx, {
    name: `Create indexes ${SIZE}`, plan: 'enterprise', seats: { enterprise: 2 * SIZE + CREATES * VARIANTS.length * ROUNDS + 100 },
    prices: { enterprise: 4000 }, ownerEmail: `owner${SIZE}@bench.example`, billingMode: 'sales_assisted',
  });
  await loadMembers(pool, org.orgId, SIZE);
  const credential = (await pool.query(`select id from credentials where org_id = $1 and kind = 'scim'`, [org.orgId])).rows[0].id;

  const { openDatabase } = await import('../dist/src/storage/database.js');
  const { createUser } = await import('../dist/src/services/scim/users.js');
  const one = openDatabase(bench.connection.embedded.url, 1);
  const backend = (await one.pool.query('select pg_backend_pid() as pid')).rows[0].pid;
  const oneCtx = { db: one.db, plans: bench.config.plans, now: () => new Date() };
  const caller = { orgId: org.orgId, actor: { type: 'scim', credentialId: credential } };
  let n = 0;
  const creates = async (count) => {
    for (let i = 0; i < count; i += 1) { n += 1; await createUser(oneCtx, caller, entraUser(`c${n}@bench.example`, n)); }
  };
  const cpu = () => processTimes(backend).own;
  await creates(50); // warm-up: plans cached

  const results = new Map(VARIANTS.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, apply, undo] of VARIANTS) {
      let recreate;
      if (apply?.startsWith('drop ')) {
        const index = apply.slice(5);
        recreate = (await pool.query('select pg_get_indexdef($1::regclass) as def', [index])).rows[0].def;
        await pool.query(`drop index ${index}`);
      } else if (apply) await pool.query(apply);
      await creates(20); // plans of the changed schema
      await pool.query('select pg_stat_statements_reset()');
      const before = cpu();
      await creates(CREATES);
      const ms = (cpu() - before) / CREATES;
      const stats = (await pool.query(`select sum(calls)::float8 as calls, sum(shared_blks_hit + shared_blks_read)::float8 as blks,
          sum(wal_bytes)::float8 as wal from pg_stat_statements where query not like '%pg_stat_statements%'`)).rows[0];
      if (recreate) await pool.query(recreate);
      else if (undo) await pool.query(undo);
      results.get(name).push({ ms, buffers: stats.blks / CREATES, walBytes: stats.wal / CREATES, statements: stats.calls / CREATES });
      log(`round ${round + 1} ${name}: ${ms.toFixed(3)} ms PostgreSQL CPU, ${(stats.blks / CREATES).toFixed(1)} buffers, ${(stats.wal / CREATES).toFixed(0)} WAL bytes per create`);
    }
  }
  await one.close();
  const base = results.get('baseline');
  const mean = (list, key) => list.reduce((s, r) => s + r[key], 0) / list.length;
  const lines = ['', `## PostgreSQL per create, ${SIZE.toLocaleString('en-US')}-member organization, ${CREATES} creates × ${ROUNDS} rounds, one backend`, '',
    '| variant | CPU ms (rounds) | Δ vs baseline | shared buffers | WAL bytes |', '|---|--:|--:|--:|--:|'];
  for (const [name, list] of results) {
    lines.push(`| ${name} | ${mean(list, 'ms').toFixed(3)} (${list.map((r) => r.ms.toFixed(2)).join(', ')}) | ${name === 'baseline' ? '' : (mean(list, 'ms') - mean(base, 'ms')).toFixed(3)} | ${mean(list, 'buffers').toFixed(1)} | ${mean(list, 'walBytes').toFixed(0)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(Object.fromEntries(results), null, 2));
}

