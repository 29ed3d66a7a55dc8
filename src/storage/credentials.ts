import { sql } from 'kysely';
import type { Db } from './database.js';
import type { CredentialKind } from '../domain/credentials.js';

export interface NewCredential {
  orgId: string;
  kind: CredentialKind;
  memberId: string | null;
  label: string;
  displayPrefix: string;
  tokenHash: string;
}

export async function insertCredential(db: Db, credential: NewCredential): Promise<string> {
  const row = await db.insertInto('credentials').values({
    org_id: credential.orgId,
    kind: credential.kind,
    member_id: credential.memberId,
    label: credential.label,
    display_prefix: credential.displayPrefix,
    token_hash: credential.tokenHash,
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The live credential with this hash, with the role of the member an admin token is bound to.
 * A credential bound to a member is live only while that member is present and active: the IdP's
 * deactivation (`active: false`, seat state inactive) ends an admin's access at once, not only
 * the member's later deletion (which deletes the credential with it).
 */
export async function findActiveCredential(db: Db, tokenHash: string) {
  return db.selectFrom('credentials as c')
    .leftJoin('members as m', (join) => join.onRef('m.org_id', '=', 'c.org_id').onRef('m.id', '=', 'c.member_id'))
    .select(['c.org_id', 'c.id', 'c.kind', 'c.member_id', 'c.last_used_at', 'm.role'])
    .where('c.token_hash', '=', tokenHash)
    .where('c.revoked_at', 'is', null)
    .where((eb) => eb.or([
      eb('c.member_id', 'is', null),
      eb.and([eb('m.id', 'is not', null), eb('m.active', '=', true), eb('m.seat_state', '<>', 'inactive')]),
    ]))
    .executeTakeFirst();
}

/** Records use, at most once a minute per credential, so that reads do not all become writes. */
export async function touchCredential(db: Db, orgId: string, id: string): Promise<void> {
  await db.updateTable('credentials')
    .set({ last_used_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where((eb) => eb.or([
      eb('last_used_at', 'is', null),
      eb('last_used_at', '<', sql<Date>`now() - interval '60 seconds'`),
    ]))
    .execute();
}

export async function revokeCredential(db: Db, orgId: string, id: string): Promise<boolean> {
  const result = await db.updateTable('credentials')
    .set({ revoked_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function listCredentials(db: Db, orgId: string) {
  return db.selectFrom('credentials')
    .select(['id', 'kind', 'member_id', 'label', 'display_prefix', 'created_at', 'last_used_at', 'revoked_at'])
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}
