// What a member insert costs PostgreSQL (issue 14, decision 0037; callgrind instructions per SCIM create).
//
// 1. A table's CHECK constraints are read back from their stored node text (`stringToNode`) and
//    planned again (`expression_planner`) in EVERY statement that inserts or updates the table —
//    the executor keeps them only for one query. The five value checks of `members` (role,
//    role_source, seat_state, source, userName length: 5,300 of the table's 7,100 characters of
//    constraint text): as domains, −9 to −10.5 % of a create's instructions.
//    The same rules as DOMAIN constraints are prepared once per session (the type cache) and only
//    evaluated per row. Same values allowed, same constraint names, same SQLSTATE (23514) on a
//    violation. The columns stay text underneath: comparisons, indexes and the driver see text.
//    The two checks that tie columns together (seat_type_iff_assigned, pending_since_iff_pending)
//    cannot be domains and stay.
// 2. One trigram GIN index instead of two (0007's `members_email_keys_trgm` and 0014's
//    `members_search_trgm`): every member insert added a pending-list entry to each, and every
//    cleanup of each list merged them into its tree; one multicolumn index does it once, with the
//    same trigrams (a condition on any of its columns uses it: GIN keys are per column). The
//    externalId column of 0014's index served only an exact match (`lower(coalesce(external_id,
//    '')) = q`): a B-tree on (org_id, that expression) serves it better, without a trigram entry
//    per character of every externalId written. −2 % of a create's instructions, 12–18 % of its WAL;
//    the member search on 100,000 members reads fewer buffers in every case measured.
//
// Order matters for a large table: the domains are created WITHOUT their check, the columns
// change type (no rewrite: a domain over text with no constraint is binary-coercible; the
// indexes on them are rebuilt from their definitions), then each domain gets its check, which
// validates the existing rows by one scan each. The primary-owner trigger's WHEN names `role`, so
// it is dropped and created again around the change.
import { sql, type Kysely } from 'kysely';

const DOMAINS = [
  { column: 'role', domain: 'member_role', check: 'members_role_check', rule: `value in ('primary_owner', 'owner', 'admin', 'member')`, old: `role in ('primary_owner', 'owner', 'admin', 'member')` },
  { column: 'role_source', domain: 'member_role_source', check: 'members_role_source_check', rule: `value in ('default', 'manual', 'mapping')`, old: `role_source in ('default', 'manual', 'mapping')` },
  { column: 'seat_state', domain: 'member_seat_state', check: 'members_seat_state_check', rule: `value in ('assigned', 'unassigned', 'pending', 'inactive')`, old: `seat_state in ('assigned', 'unassigned', 'pending', 'inactive')` },
  { column: 'source', domain: 'member_source', check: 'members_source_check', rule: `value in ('scim', 'jit', 'admin')`, old: `source in ('scim', 'jit', 'admin')` },
  { column: 'user_name', domain: 'member_user_name', check: 'members_user_name_check', rule: 'length(value) between 1 and 512', old: 'length(user_name) between 1 and 512' },
];

const PRIMARY_OWNER_TRIGGER = `create constraint trigger members_exactly_one_primary_owner
     after update of role on members
     deferrable initially deferred
     for each row when (old.role = 'primary_owner')
     execute function members_check_primary_owner()`;

const SEARCH_INDEXES_UP = `
  do $$
  begin
    if exists (select 1 from pg_extension where extname = 'pg_trgm') then
      drop index if exists members_email_keys_trgm;
      drop index if exists members_search_trgm;
      execute 'create index members_search_trgm on members using gin ('
        || 'lower(user_name) gin_trgm_ops, '
        || 'lower(coalesce(attributes ->> ''displayName'', '''')) gin_trgm_ops, '
        || 'email_keys gin_trgm_ops)';
    end if;
  end $$`;

const SEARCH_INDEXES_DOWN = `
  do $$
  begin
    if exists (select 1 from pg_extension where extname = 'pg_trgm') then
      drop index if exists members_search_trgm;
      execute 'create index members_search_trgm on members using gin ('
        || 'lower(user_name) gin_trgm_ops, '
        || 'lower(coalesce(attributes ->> ''displayName'', '''')) gin_trgm_ops, '
        || 'lower(coalesce(external_id, '''')) gin_trgm_ops)';
      execute 'create index members_email_keys_trgm on members using gin (email_keys gin_trgm_ops)';
    end if;
  end $$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const d of DOMAINS) await sql.raw(`create domain ${d.domain} as text`).execute(db);
  await sql.raw('drop trigger members_exactly_one_primary_owner on members').execute(db);
  await sql.raw(`alter table members ${DOMAINS.map((d) => `drop constraint ${d.check}, alter column ${d.column} type ${d.domain}`).join(', ')}`).execute(db);
  await sql.raw(PRIMARY_OWNER_TRIGGER).execute(db);
  for (const d of DOMAINS) await sql.raw(`alter domain ${d.domain} add constraint ${d.check} check (${d.rule})`).execute(db);
  await sql.raw(SEARCH_INDEXES_UP).execute(db);
  await sql.raw(`create index members_external_id_search on members (org_id, lower(coalesce(external_id, '')))`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop index if exists members_external_id_search').execute(db);
  await sql.raw(SEARCH_INDEXES_DOWN).execute(db);
  await sql.raw('drop trigger members_exactly_one_primary_owner on members').execute(db);
  await sql.raw(`alter table members ${DOMAINS.map((d) => `alter column ${d.column} type text, add constraint ${d.check} check (${d.old})`).join(', ')}`).execute(db);
  await sql.raw(PRIMARY_OWNER_TRIGGER).execute(db);
  for (const d of DOMAINS) await sql.raw(`drop domain ${d.domain}`).execute(db);
}
