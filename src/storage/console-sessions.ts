// Console sessions (migration 0011). Every query is scoped by the organization id, except the
// lookup by the secret's hash, which is how a request finds its session.
import type { Db } from './database.js';

export interface NewConsoleSession {
  orgId: string;
  secretHash: string;
  credentialId: string;
  sealedToken: string;
  now: Date;
  expiresAt: Date;
}

export async function insertConsoleSession(db: Db, session: NewConsoleSession): Promise<string> {
  const row = await db.insertInto('console_sessions').values({
    org_id: session.orgId, secret_hash: session.secretHash, credential_id: session.credentialId,
    sealed_token: session.sealedToken, created_at: session.now, last_seen_at: session.now, expires_at: session.expiresAt,
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function findConsoleSession(db: Db, secretHash: string) {
  return db.selectFrom('console_sessions')
    .select(['org_id', 'id', 'credential_id', 'sealed_token', 'created_at', 'last_seen_at', 'expires_at', 'ended_at'])
    .where('secret_hash', '=', secretHash).executeTakeFirst();
}

export async function touchConsoleSession(db: Db, orgId: string, id: string, now: Date): Promise<void> {
  await db.updateTable('console_sessions').set({ last_seen_at: now })
    .where('org_id', '=', orgId).where('id', '=', id).where('ended_at', 'is', null).execute();
}

export async function endConsoleSession(db: Db, orgId: string, id: string, now: Date): Promise<void> {
  await db.updateTable('console_sessions').set({ ended_at: now })
    .where('org_id', '=', orgId).where('id', '=', id).where('ended_at', 'is', null).execute();
}

/** Ends the live, unexpired row with this hash and returns it; nothing when there is none. */
export async function claimConsoleSession(db: Db, secretHash: string, now: Date) {
  return db.updateTable('console_sessions').set({ ended_at: now })
    .where('secret_hash', '=', secretHash).where('ended_at', 'is', null).where('expires_at', '>', now)
    .returning(['org_id', 'id', 'sealed_token']).executeTakeFirst();
}
