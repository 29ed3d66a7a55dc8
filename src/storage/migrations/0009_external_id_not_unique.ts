// externalId is the identity provider's identifier of a resource and RFC 7643 §3.1 gives it no
// uniqueness: two IdPs, or one IdP's re-creations, may repeat it (Microsoft's SCIM collection
// gives several users one externalId). The unique index of members becomes a plain one, kept for
// lookups (SCIM `externalId eq`, JIT linking by the IdP subject); groups never had a unique one.
// Several members may now share an externalId: JIT chooses among them by the documented rule
// in src/services/access/jit.ts (docs/conformance.md).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw('create index members_external_id on members (org_id, external_id) where external_id is not null').execute(db);
  await sql.raw('drop index members_external_id_key').execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Fails, as it should, when members already share an externalId.
  await sql.raw('create unique index members_external_id_key on members (org_id, external_id) where external_id is not null').execute(db);
  await sql.raw('drop index members_external_id').execute(db);
}
