// Decision 0020: members.email_keys (migration 0007) is a stored generated column computed by
// seatgate_email_keys(), a SQL-language function that PostgreSQL cannot inline (it aggregates
// over a set). Before PostgreSQL 18 such a function is parsed and planned again in every
// statement that calls it — every INSERT of a member and every UPDATE of its attributes: about
// 120–150 µs of a backend's CPU per call on PostgreSQL 17 (the bundled one), against about 20 µs
// for the same expression in PL/pgSQL, whose plan is cached per session (measured: 5,000
// prepared `select f($1)` per variant, CPU of the backend from /proc; on PostgreSQL 18 the two
// cost the same). Same name, arguments, body expression and flags, so the stored values, the
// column and its trigram index stay as they are: no rewrite.
import { sql, type Kysely } from 'kysely';

// One element's type or value: lowercased, \x01–\x05 written \x06; \x04 when absent or not a string (0007).
const part = (key: string) => `case when jsonb_typeof(e -> '${key}') = 'string'
    then translate(lower(e ->> '${key}'), chr(1) || chr(2) || chr(3) || chr(4) || chr(5), repeat(chr(6), 5))
    else chr(4) end`;
const body = `(
  select coalesce(string_agg(chr(1) || ${part('type')} || chr(2) || ${part('value')} || chr(3), '' order by n), '')
    from jsonb_array_elements(case when jsonb_typeof(emails) = 'array' then emails else '[]'::jsonb end) with ordinality as t(e, n))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    create or replace function seatgate_email_keys(emails jsonb) returns text
      language plpgsql immutable parallel safe strict
    as $$ begin return ${body}; end $$`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    create or replace function seatgate_email_keys(emails jsonb) returns text
      language sql immutable parallel safe strict
    return ${body}`).execute(db);
}
