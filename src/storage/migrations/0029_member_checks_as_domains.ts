// What a member insert costs PostgreSQL apart from its indexes (issue 14, decision 0037).
//
// 1. A table's CHECK constraints are read back from their stored node text (`stringToNode`) and
//    planned again (`expression_planner`) in EVERY statement that inserts or updates the table —
//    the executor keeps them only for one query. The five value checks of `members` (role,
//    role_source, seat_state, source, userName length: 5,300 of the table's 7,100 characters of
//    constraint text) were ≈ 15 % of the instructions of a SCIM create in PostgreSQL (callgrind).
//    The same rules as DOMAIN constraints are prepared once per session (the type cache) and only
//    evaluated per row. Same values allowed, same constraint names, same SQLSTATE (23514) on a
//    violation. The columns stay text underneath: comparisons, indexes and the driver see text.
//    The two checks that tie columns together (seat_type_iff_assigned, pending_since_iff_pending)
//    cannot be domains and stay.
// 2. `seatgate_email_keys()` (the stored generated `email_keys`, decision 0020) ran its body as a
//    query inside PL/pgSQL: an executor started per call, per member insert. The same result
//    built by a PL/pgSQL loop of simple expressions (no executor), byte for byte: the values stored
//    do not change (no rewrite; test/integration/email-keys-function.test.ts compares both).
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

// One element's type or value: lowercased, \x01–\x05 written \x06; \x04 when absent or not a string (migration 0007).
const part = (key: string) => `case when jsonb_typeof(e -> '${key}') = 'string'
        then translate(lower(e ->> '${key}'), chr(1) || chr(2) || chr(3) || chr(4) || chr(5), repeat(chr(6), 5))
        else chr(4) end`;

const EMAIL_KEYS_LOOP = `
  create or replace function seatgate_email_keys(emails jsonb) returns text
    language plpgsql immutable parallel safe strict
  as $$
  declare
    keys text := '';
    e jsonb;
  begin
    if jsonb_typeof(emails) <> 'array' then return ''; end if;
    for i in 0 .. jsonb_array_length(emails) - 1 loop
      e := emails -> i;
      keys := keys || chr(1) || ${part('type')} || chr(2) || ${part('value')} || chr(3);
    end loop;
    return keys;
  end $$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const d of DOMAINS) await sql.raw(`create domain ${d.domain} as text`).execute(db);
  await sql.raw('drop trigger members_exactly_one_primary_owner on members').execute(db);
  await sql.raw(`alter table members ${DOMAINS.map((d) => `drop constraint ${d.check}, alter column ${d.column} type ${d.domain}`).join(', ')}`).execute(db);
  await sql.raw(PRIMARY_OWNER_TRIGGER).execute(db);
  for (const d of DOMAINS) await sql.raw(`alter domain ${d.domain} add constraint ${d.check} check (${d.rule})`).execute(db);
  await sql.raw(EMAIL_KEYS_LOOP).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const { up: previousFunction } = await import('./0020_email_keys_plpgsql.js');
  await previousFunction(db);
  await sql.raw('drop trigger members_exactly_one_primary_owner on members').execute(db);
  await sql.raw(`alter table members ${DOMAINS.map((d) => `alter column ${d.column} type text, add constraint ${d.check} check (${d.old})`).join(', ')}`).execute(db);
  await sql.raw(PRIMARY_OWNER_TRIGGER).execute(db);
  for (const d of DOMAINS) await sql.raw(`drop domain ${d.domain}`).execute(db);
}
