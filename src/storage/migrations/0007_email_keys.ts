// Email keys: per member, the type and value of each email element as one short text, kept by
// PostgreSQL in a stored generated column and trigram-indexed, so that the usual filters on
// User.emails (Entra: `emails[type eq "work"].value eq "…"`) are a LIKE on that text instead of an
// EXISTS over each member's JSON (format and exactness: src/protocol/scim/filter/email-keys.ts).
// It replaces migration 0005's index on the JSON text of the values. Measured on 100,000 users
// (bench/): counting the 11,112 matches of `emails[type eq "work"].value sw "user1"` took 47–54 ms
// with 0005's index, and 12–15 ms through this column's index. Adding the column rewrites the members table
// once (about 2 s per 100,000 members).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One element's type or value: lowercased, \x01–\x05 written \x06; \x04 when absent or not a string.
  const part = (key: string) => `case when jsonb_typeof(e -> '${key}') = 'string'
      then translate(lower(e ->> '${key}'), chr(1) || chr(2) || chr(3) || chr(4) || chr(5), repeat(chr(6), 5))
      else chr(4) end`;
  await sql.raw(`
    create function seatgate_email_keys(emails jsonb) returns text
      language sql immutable parallel safe strict
    return (
      select coalesce(string_agg(chr(1) || ${part('type')} || chr(2) || ${part('value')} || chr(3), '' order by n), '')
        from jsonb_array_elements(case when jsonb_typeof(emails) = 'array' then emails else '[]'::jsonb end) with ordinality as t(e, n))`).execute(db);
  await sql.raw(`
    alter table members add column email_keys text not null
      generated always as (coalesce(seatgate_email_keys(attributes -> 'emails'), '')) stored`).execute(db);
  await sql.raw(`
    do $$
    begin
      drop index if exists members_email_values_trgm;
      if exists (select 1 from pg_extension where extname = 'pg_trgm') then
        execute 'create index members_email_keys_trgm on members using gin (email_keys gin_trgm_ops)';
      end if;
    end $$`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('alter table members drop column email_keys').execute(db);
  await sql.raw('drop function seatgate_email_keys(jsonb)').execute(db);
}
