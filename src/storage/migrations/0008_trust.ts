// Trust (issue 9).
// 1. Secret SCIM attributes (returned "never" / writeOnly in the schema definitions: `password`)
//    were kept in members.attributes by PATCH before seatgate stopped storing them; they are
//    purged here, in any case or URN-qualified spelling. Nothing visible changes (reads already
//    leave them out), so versions are not bumped.
// 2. Audit events get a random public id: the bigint id comes from one sequence shared by every
//    organization, so showing it told an admin how much the other tenants were doing. The bigint
//    stays the internal order (and keyset) key; the API shows and pages by the public id only.
//    Adding the column rewrites audit_events once (a volatile default).
import { sql, type Kysely } from 'kysely';
import { secretAttributeKeys } from '../../protocol/scim/attributes.js';

/** Removes every secret attribute from stored members and groups (also used by a test). */
export async function purgeSecretAttributes(db: Kysely<unknown>): Promise<void> {
  for (const [table, type] of [['members', 'User'], ['groups', 'Group']] as const) {
    const keys = secretAttributeKeys(type);
    if (keys.length === 0) continue;
    await sql`
      update ${sql.table(table)} set attributes = attributes - array(
        select k from jsonb_object_keys(attributes) as k where lower(k) = any(${keys}::text[]))
      where exists (select 1 from jsonb_object_keys(attributes) as k where lower(k) = any(${keys}::text[]))`.execute(db);
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await purgeSecretAttributes(db);
  await sql`alter table audit_events add column public_id uuid not null default gen_random_uuid()`.execute(db);
  await sql`create unique index audit_events_public_id on audit_events (org_id, public_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists audit_events_public_id`.execute(db);
  await sql`alter table audit_events drop column if exists public_id`.execute(db);
}
