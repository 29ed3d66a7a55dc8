// Indexes for the console's member table on large organizations (issue 12, decision 0014).
//
// - Search (GET /admin/v1/members?q=): a substring of the userName or the display name, or the
//   exact externalId, all case-insensitive; one trigram GIN index over the three expressions
//   serves them (and 0007's index on email_keys serves the email arm). pg_trgm may be missing
//   (see 0005): then search reads the organization's members (correct, slower).
// - Filters on rare values, in userName order so that a page of them stops early: partial
//   indexes on the members that are not the common case (an admin or owner, a member without a
//   seat, a member not from SCIM). A SCIM member with a seat, the usual create, pays for none.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    do $$
    begin
      if exists (select 1 from pg_extension where extname = 'pg_trgm') then
        execute 'create index members_search_trgm on members using gin ('
          || 'lower(user_name) gin_trgm_ops, '
          || 'lower(coalesce(attributes ->> ''displayName'', '''')) gin_trgm_ops, '
          || 'lower(coalesce(external_id, '''')) gin_trgm_ops)';
      end if;
    end $$`).execute(db);
  await sql.raw(`create index members_not_plain_role on members (org_id, role, lower(user_name)) where role <> 'member'`).execute(db);
  await sql.raw(`create index members_without_seat on members (org_id, seat_state, lower(user_name)) where seat_state <> 'assigned'`).execute(db);
  await sql.raw(`create index members_not_from_scim on members (org_id, source, lower(user_name)) where source <> 'scim'`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of ['members_search_trgm', 'members_not_plain_role', 'members_without_seat', 'members_not_from_scim']) {
    await sql.raw(`drop index if exists ${index}`).execute(db);
  }
}
