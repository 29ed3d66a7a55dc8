// PostgreSQL CPU per SCIM create, by schema variant, on an existing database (issue 14, decision
// 0037): the create use case (services/scim/users.js createUser, the peers harness's Entra body)
// runs in this process on a pool of ONE connection, so one backend does all of a create's work;
// its CPU (utime + stime from /proc/<backend>/stat) over K creates, per create, does not depend
// on the machine's load the way wall time does. Differences from create-indexes.mjs: any
// PostgreSQL (the peers harness's 18.4: pass its URL), variants that replace indexes (not only
// drop them), and the GIN pending list's cost counted where it lands: autovacuum is off on the
// two tables during the run and every window ends with gin_clean_pending_list() in the SAME
// backend, so the amortized insertion of a window's trigram entries into the GIN trees is part of
// its CPU (without it, whichever window happens to hit the 4 MB cleanup pays for all of them).
//
//   node bench/create-cpu.mjs --url postgres://bench:bench@127.0.0.1:PORT/peer_seatgate \
//     [--size 10000] [--creates 1000] [--rounds 3] [--only name,name] [--json FILE]
//
// A fresh organization of --size members (set-based load) is created in that database; the
// variants alternate with the unchanged schema round after round and are undone after each
// window. Also per create: WAL bytes (pg_current_wal_insert_lsn, exact), shared buffers hit +
// read (pg_stat_database of the database; this run's own few queries included).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { entraUser, loadMembers, option } from './harness.mjs';

const URL_ = option('--url', undefined);
if (!URL_) throw new Error('--url postgres://… is required (the peers harness database, for example)');
const SIZE = Number(option('--size', '10000'));
const CREATES = Number(option('--creates', '1000'));
const ROUNDS = Number(option('--rounds', '3'));
const ONLY = option('--only', undefined)?.split(',');
const JSON_OUT = option('--json', undefined);
// With --callgrind DIR the PostgreSQL at --url runs under valgrind (bench/README.md has the
// command): per window, two fresh backends make N and 2N creates (after the same warm-up, each
// ending with the GIN cleanup) and the measure is the difference of their instruction counts ÷ N
// (DIR/callgrind.out.<backend pid>, written when the backend exits): exact, whatever the load.
const CALLGRIND = option('--callgrind', undefined);
const REINDEX = process.argv.includes('--reindex');
const log = (message) => process.stderr.write(`[create-cpu] ${message}\n`);

Object.assign(process.env, { DATABASE_URL: URL_, LOG_LEVEL: 'warn', SEATGATE_DEMO: 'false' });
const { loadConfig } = await import('../dist/src/config.js');
const { openDatabase } = await import('../dist/src/storage/database.js');
const { createOrganization } = await import('../dist/src/services/organizations.js');
const { createUser } = await import('../dist/src/services/scim/users.js');
const config = await loadConfig();
const admin = openDatabase(URL_, 2);
const { pool } = admin;
if (process.argv.includes('--migrate')) await (await import('../dist/src/storage/migrate.js')).migrateToLatest(admin.db);
const ctx = { db: admin.db, plans: config.plans, now: () => new Date() };

// Variants: [name, apply SQL, undo SQL]. Undo restores the schema as migrated.
const ACTOR_FULL = `create index audit_events_by_actor_member on audit_events (org_id, (actor ->> 'memberId'), id);
  create index audit_events_by_actor_credential on audit_events (org_id, (actor ->> 'credentialId'), id)`;
const SEARCH_GIN = `create index members_search_trgm on members using gin (lower(user_name) gin_trgm_ops,
  lower(coalesce(attributes ->> 'displayName', '')) gin_trgm_ops, lower(coalesce(external_id, '')) gin_trgm_ops)`;
const EMAIL_GIN = 'create index members_email_keys_trgm on members using gin (email_keys gin_trgm_ops)';
// seatgate_email_keys (members.email_keys): migration 0020's body (a query) and 0029's (a loop).
const part = (key) => `case when jsonb_typeof(e -> '${key}') = 'string'
  then translate(lower(e ->> '${key}'), chr(1) || chr(2) || chr(3) || chr(4) || chr(5), repeat(chr(6), 5)) else chr(4) end`;
const EMAIL_KEYS_QUERY = `create or replace function seatgate_email_keys(emails jsonb) returns text language plpgsql immutable parallel safe strict
  as $$ begin return (select coalesce(string_agg(chr(1) || ${part('type')} || chr(2) || ${part('value')} || chr(3), '' order by n), '')
    from jsonb_array_elements(case when jsonb_typeof(emails) = 'array' then emails else '[]'::jsonb end) with ordinality as t(e, n)); end $$`;
const EMAIL_KEYS_LOOP = `create or replace function seatgate_email_keys(emails jsonb) returns text language plpgsql immutable parallel safe strict
  as $$ declare keys text := ''; e jsonb; begin
    if jsonb_typeof(emails) <> 'array' then return ''; end if;
    for i in 0 .. jsonb_array_length(emails) - 1 loop
      e := emails -> i; keys := keys || chr(1) || ${part('type')} || chr(2) || ${part('value')} || chr(3);
    end loop;
    return keys; end $$`;
const VARIANTS = [
  ['baseline'],
  ['baseline again'],
  ['domains for five member checks',
    `create domain bench_role as text check (value in ('primary_owner', 'owner', 'admin', 'member'));
     create domain bench_role_source as text check (value in ('default', 'manual', 'mapping'));
     create domain bench_seat_state as text check (value in ('assigned', 'unassigned', 'pending', 'inactive'));
     create domain bench_source as text check (value in ('scim', 'jit', 'admin'));
     create domain bench_user_name as text check (length(value) between 1 and 512);
     drop trigger members_exactly_one_primary_owner on members;
     alter table members drop constraint members_role_check, drop constraint members_role_source_check, drop constraint members_seat_state_check,
       drop constraint members_source_check, drop constraint members_user_name_check,
       alter column role type bench_role, alter column role_source type bench_role_source, alter column seat_state type bench_seat_state,
       alter column source type bench_source, alter column user_name type bench_user_name;
     create constraint trigger members_exactly_one_primary_owner after update of role on members deferrable initially deferred
       for each row when (old.role = 'primary_owner') execute function members_check_primary_owner()`,
    `drop trigger members_exactly_one_primary_owner on members;
     alter table members alter column role type text, alter column role_source type text, alter column seat_state type text,
       alter column source type text, alter column user_name type text,
       add constraint members_role_check check (role in ('primary_owner', 'owner', 'admin', 'member')),
       add constraint members_role_source_check check (role_source in ('default', 'manual', 'mapping')),
       add constraint members_seat_state_check check (seat_state in ('assigned', 'unassigned', 'pending', 'inactive')),
       add constraint members_source_check check (source in ('scim', 'jit', 'admin')),
       add constraint members_user_name_check check (length(user_name) between 1 and 512);
     drop domain bench_role; drop domain bench_role_source; drop domain bench_seat_state; drop domain bench_source; drop domain bench_user_name;
     create constraint trigger members_exactly_one_primary_owner after update of role on members deferrable initially deferred
       for each row when (old.role = 'primary_owner') execute function members_check_primary_owner()`],
  ['email keys as a loop (migration 0029)', EMAIL_KEYS_LOOP, EMAIL_KEYS_QUERY],
  ['search GIN without externalId, btree for its equality',
    `drop index members_search_trgm;
     create index members_search_trgm on members using gin (lower(user_name) gin_trgm_ops, lower(coalesce(attributes ->> 'displayName', '')) gin_trgm_ops);
     create index members_external_id_lower on members (org_id, lower(coalesce(external_id, '')))`,
    `drop index members_search_trgm; drop index members_external_id_lower; ${SEARCH_GIN}`],
  ['one GIN without externalId, btree for its equality (migration 0029)',
    `drop index members_search_trgm; drop index members_email_keys_trgm;
     create index members_search_trgm on members using gin (lower(user_name) gin_trgm_ops,
       lower(coalesce(attributes ->> 'displayName', '')) gin_trgm_ops, email_keys gin_trgm_ops);
     create index members_external_id_search on members (org_id, lower(coalesce(external_id, '')))`,
    `drop index members_search_trgm; drop index members_external_id_search; ${SEARCH_GIN}; ${EMAIL_GIN}`],
  ['audit actor indexes partial',
    `drop index audit_events_by_actor_member; drop index audit_events_by_actor_credential;
     create index audit_events_by_actor_member on audit_events (org_id, (actor ->> 'memberId'), id) where (actor ->> 'memberId') is not null;
     create index audit_events_by_actor_credential on audit_events (org_id, (actor ->> 'credentialId'), id) where (actor ->> 'credentialId') is not null`,
    `drop index audit_events_by_actor_member; drop index audit_events_by_actor_credential; ${ACTOR_FULL}`],
  ['one GIN index (search + email keys)',
    `drop index members_search_trgm; drop index members_email_keys_trgm;
     create index members_trgm on members using gin (lower(user_name) gin_trgm_ops,
       lower(coalesce(attributes ->> 'displayName', '')) gin_trgm_ops, lower(coalesce(external_id, '')) gin_trgm_ops, email_keys gin_trgm_ops)`,
    `drop index members_trgm; ${SEARCH_GIN}; ${EMAIL_GIN}`],
  ['drop audit_events_by_time', 'drop index audit_events_by_time', 'create index audit_events_by_time on audit_events (org_id, at)'],
  ['drop audit_events_public_id', 'drop index audit_events_public_id', 'create unique index audit_events_public_id on audit_events (org_id, public_id)'],
  ['drop members_by_creation', 'drop index members_by_creation', 'create index members_by_creation on members (org_id, created_at, id)'],
  ['drop members_search_trgm', 'drop index members_search_trgm', SEARCH_GIN],
  ['drop members_email_keys_trgm', 'drop index members_email_keys_trgm', EMAIL_GIN],
  ['drop both name indexes',
    'drop index members_family_name; drop index members_given_name',
    `create index members_family_name on members (org_id, lower((attributes -> 'name') ->> 'familyName') text_pattern_ops);
     create index members_given_name on members (org_id, lower((attributes -> 'name') ->> 'givenName') text_pattern_ops)`],
  ['audit fk to organizations dropped', 'alter table audit_events drop constraint audit_events_org_id_fkey',
    'alter table audit_events add constraint audit_events_org_id_fkey foreign key (org_id) references organizations (id) on delete cascade'],
].filter(([name]) => name.startsWith('baseline') || !ONLY || ONLY.some((o) => name.includes(o)));

const TICK_MS = 10;
const cpuOf = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
};

try {
  // --org ID: an organization loaded by an earlier run (e.g. before PostgreSQL was restarted under valgrind).
  const ORG = option('--org', undefined);
  const org = ORG ? { orgId: ORG } : await createOrganization(ctx, {
    name: `Create CPU ${SIZE} ${Date.now()}`, plan: 'enterprise', seats: { enterprise: 2 * SIZE + 200000 },
    prices: { enterprise: 4000 }, ownerEmail: `owner${Date.now()}@bench.example`, billingMode: 'sales_assisted',
  });
  if (!ORG) {
    log(`organization ${org.orgId}: loading ${SIZE} members`);
    await loadMembers(pool, org.orgId, SIZE);
  }
  await pool.query('alter table members set (autovacuum_enabled = off); alter table audit_events set (autovacuum_enabled = off)');
  const credential = (await pool.query(`select id from credentials where org_id = $1 and kind = 'scim'`, [org.orgId])).rows[0].id;
  const caller = { orgId: org.orgId, actor: { type: 'scim', credentialId: credential } };
  const tag = Date.now().toString(36);
  let n = 0;
  const open = async () => {
    const one = openDatabase(URL_, 1);
    const backend = (await one.pool.query('select pg_backend_pid() as pid')).rows[0].pid;
    return { one, backend, ctx: { db: one.db, plans: config.plans, now: () => new Date() } };
  };
  const creates = async (c, count) => {
    for (let i = 0; i < count; i += 1) { n += 1; await createUser(c.ctx, caller, entraUser(`c${tag}-${n}@bench.example`, n)); }
  };
  // Every GIN index on members, cleaned by the measuring backend itself.
  const cleanGin = async (c) => {
    const { rows } = await c.one.pool.query(`select i.indexrelid::regclass::text as name from pg_index i join pg_class c on c.oid = i.indexrelid
      join pg_am am on am.oid = c.relam where i.indrelid = 'members'::regclass and am.amname = 'gin'`);
    for (const { name } of rows) await c.one.pool.query('select gin_clean_pending_list($1::regclass)', [name]);
  };
  const counters = async () => (await pool.query(`select pg_current_wal_insert_lsn() as lsn,
      (select blks_hit + blks_read from pg_stat_database where datname = current_database())::float8 as blks`)).rows[0];
  // Instructions of a backend that made `count` creates after a warm-up, read once it has exited.
  const callgrindRun = async (count) => {
    const c = await open();
    await creates(c, 10);
    await cleanGin(c);
    await creates(c, count);
    await cleanGin(c);
    await c.one.close();
    const file = `${CALLGRIND}/callgrind.out.${c.backend}`;
    for (let i = 0; i < 600 && !/^totals:/m.test(existsSync(file) ? readFileSync(file, 'utf8') : ''); i += 1) await new Promise((r) => setTimeout(r, 100));
    return Number(/^(?:totals|summary): (\d+)/m.exec(readFileSync(file, 'utf8'))[1]);
  };
  const persistent = CALLGRIND ? undefined : await open();
  if (persistent) await creates(persistent, 50);

  const results = new Map(VARIANTS.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, apply, undo] of VARIANTS) {
      if (apply) await pool.query(apply);
      // A variant that builds an index gets it freshly packed, unlike one grown by inserts: with
      // --reindex every window (baseline too) starts from indexes just built, so that windows
      // differ by their index sets only.
      if (REINDEX) await pool.query('reindex table members; reindex table audit_events');
      let row;
      if (CALLGRIND) {
        const c0 = await counters();
        const a = await callgrindRun(CREATES);
        const b = await callgrindRun(2 * CREATES);
        const c1 = await counters();
        const wal = Number((await pool.query('select pg_wal_lsn_diff($1, $2)::float8 as d', [c1.lsn, c0.lsn])).rows[0].d);
        row = { ms: NaN, instructions: (b - a) / CREATES, walBytes: wal / (3 * CREATES + 20), buffers: NaN };
        log(`round ${round + 1} ${name}: ${(row.instructions / 1e6).toFixed(3)} M instructions per create (${a} / ${b}), ${row.walBytes.toFixed(0)} WAL bytes`);
      } else {
        await creates(persistent, 20); // plans of the changed schema
        await cleanGin(persistent);
        await pool.query('select pg_stat_clear_snapshot()');
        const c0 = await counters();
        const before = cpuOf(persistent.backend);
        await creates(persistent, CREATES);
        await cleanGin(persistent);
        const ms = (cpuOf(persistent.backend) - before) / CREATES;
        await new Promise((r) => setTimeout(r, 600)); // the backend reports its statistics when idle
        const c1 = await counters();
        const wal = Number((await pool.query('select pg_wal_lsn_diff($1, $2)::float8 as d', [c1.lsn, c0.lsn])).rows[0].d);
        row = { ms, walBytes: wal / CREATES, buffers: (c1.blks - c0.blks) / CREATES };
        log(`round ${round + 1} ${name}: ${ms.toFixed(3)} ms backend CPU, ${row.walBytes.toFixed(0)} WAL bytes, ${row.buffers.toFixed(1)} buffers per create`);
      }
      if (undo) await pool.query(undo);
      results.get(name).push(row);
    }
  }
  if (persistent) await persistent.one.close();
  const base = results.get('baseline');
  const mean = (list, key) => list.reduce((s, r) => s + r[key], 0) / list.length;
  const lines = ['', `## PostgreSQL per create, ${SIZE.toLocaleString('en-US')}-member organization, ${CREATES} creates × ${ROUNDS} rounds, one backend (GIN pending list cleaned in it)`, '',
    CALLGRIND ? '| variant | M instructions (rounds) | Δ vs baseline | WAL bytes |' : '| variant | CPU ms (rounds) | Δ vs baseline | WAL bytes | shared buffers |',
    CALLGRIND ? '|---|--:|--:|--:|' : '|---|--:|--:|--:|--:|'];
  for (const [name, list] of results) {
    if (CALLGRIND) {
      const m = (l) => mean(l, 'instructions') / 1e6;
      lines.push(`| ${name} | ${m(list).toFixed(3)} (${list.map((r) => (r.instructions / 1e6).toFixed(3)).join(', ')}) | ${name === 'baseline' ? '' : `${(m(list) - m(base)).toFixed(3)} (${((m(list) / m(base) - 1) * 100).toFixed(1)} %)`} | ${mean(list, 'walBytes').toFixed(0)} |`);
      continue;
    }
    lines.push(`| ${name} | ${mean(list, 'ms').toFixed(3)} (${list.map((r) => r.ms.toFixed(2)).join(', ')}) | ${name === 'baseline' ? '' : (mean(list, 'ms') - mean(base, 'ms')).toFixed(3)} | ${mean(list, 'walBytes').toFixed(0)} | ${mean(list, 'buffers').toFixed(1)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(Object.fromEntries(results), null, 2));
} finally {
  await pool.query('alter table members reset (autovacuum_enabled); alter table audit_events reset (autovacuum_enabled)').catch(() => {});
  await admin.close();
}
