// Roles, ownership and removed members (issue 11). Every query is scoped by the organization.
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { Role } from '../domain/organization.js';
import type { RoleSource } from '../domain/access.js';
import type { Actor } from './audit.js';

/** The organization's row, locked: role changes, transfers and removals of one org run one at a time. */
export async function lockOrganizationForAccess(db: Db, orgId: string) {
  return db.selectFrom('organizations').select(['id', 'plan', 'status']).where('id', '=', orgId).forUpdate().executeTakeFirst();
}

/** The role of the member an admin token acts as, read inside the use case's transaction. */
export async function roleOfMember(db: Db, orgId: string, memberId: string): Promise<Role | undefined> {
  const row = await db.selectFrom('members').select('role').where('org_id', '=', orgId).where('id', '=', memberId).executeTakeFirst();
  return row?.role;
}

export async function lockMemberForAccess(db: Db, orgId: string, memberId: string) {
  return db.selectFrom('members').select(['id', 'user_name', 'external_id', 'active', 'role', 'role_source', 'seat_state', 'seat_type'])
    .where('org_id', '=', orgId).where('id', '=', memberId).forUpdate().executeTakeFirst();
}

/** Members locked in id order (the batch's canonical order, so that two batches cannot deadlock). */
export async function lockMembersForAccess(db: Db, orgId: string, memberIds: readonly string[]) {
  if (memberIds.length === 0) return [];
  return db.selectFrom('members').select(['id', 'user_name', 'active', 'role', 'seat_state', 'seat_type'])
    .where('org_id', '=', orgId).where('id', 'in', [...memberIds]).orderBy('id').forUpdate().execute();
}

export async function setRole(db: Db, orgId: string, memberId: string, role: Role, source: RoleSource): Promise<void> {
  await db.updateTable('members').set({ role, role_source: source, updated_at: sql`now()` })
    .where('org_id', '=', orgId).where('id', '=', memberId).execute();
}

export async function findPrimaryOwnerId(db: Db, orgId: string): Promise<string | undefined> {
  const row = await db.selectFrom('members').select('id').where('org_id', '=', orgId).where('role', '=', 'primary_owner').executeTakeFirst();
  return row?.id;
}

export async function insertTombstone(
  db: Db, orgId: string, member: { id: string; userName: string; externalId: string | null }, actor: Actor,
): Promise<void> {
  await db.insertInto('removed_members').values({
    org_id: orgId, member_id: member.id, user_name: member.userName, external_id: member.externalId, removed_by: JSON.stringify(actor),
  }).onConflict((oc) => oc.columns(['org_id', 'member_id']).doNothing()).execute();
}

export async function findTombstoneById(db: Db, orgId: string, memberId: string) {
  return db.selectFrom('removed_members').select(['member_id', 'user_name', 'removed_at'])
    .where('org_id', '=', orgId).where('member_id', '=', memberId).executeTakeFirst();
}

/**
 * Takes the tombstones of a removed person (same userName, case-insensitive, or same
 * externalId) and returns them: a re-created member consumes them.
 */
/** The DELETE of the tombstones a new member with this userName or externalId takes (not run). */
export function tombstonesTaken(db: Db, orgId: string, userName: string, externalId: string | null) {
  return db.deleteFrom('removed_members')
    .where('org_id', '=', orgId)
    .where((eb) => {
      const byName = eb(sql`lower(user_name)`, '=', userName.toLowerCase());
      return externalId === null ? byName : eb.or([byName, eb('external_id', '=', externalId)]);
    })
    .returning(['member_id', 'removed_at']);
}

export async function takeTombstones(db: Db, orgId: string, userName: string, externalId: string | null) {
  return tombstonesTaken(db, orgId, userName, externalId).execute();
}

/** Who waits for a seat now (to tell, after a change, whom the freed seats went to). */
export async function pendingMemberIds(db: Db, orgId: string): Promise<string[]> {
  const rows = await db.selectFrom('members').select('id').where('org_id', '=', orgId).where('seat_state', '=', 'pending')
    .orderBy('pending_since').limit(10_000).execute();
  return rows.map((row) => row.id);
}

/** The admin's hold on a deactivated member: it comes back `unassigned` when the IdP reactivates it. */
export async function holdInactiveMember(db: Db, orgId: string, memberId: string): Promise<void> {
  await db.updateTable('members').set({ unassigned_by_admin: true })
    .where('org_id', '=', orgId).where('id', '=', memberId).where('seat_state', '=', 'inactive').execute();
}
