import type { Db } from './database.js';
import type { Role, SeatState } from '../domain/organization.js';
import { translatePgError } from './errors.js';

export interface NewMember {
  orgId: string;
  userName: string;
  externalId: string | null;
  role: Role;
  /** Whether the IdP has the member active (SCIM `active`); default true. */
  active?: boolean;
  seatState: SeatState;
  seatType: string | null;
  seatReason: Record<string, unknown>;
  source: 'scim' | 'jit' | 'admin';
  attributes: Record<string, unknown>;
  idpGroupIds?: string[];
}

export async function insertMember(db: Db, member: NewMember): Promise<string> {
  try {
    const row = await db.insertInto('members').values({
      org_id: member.orgId,
      user_name: member.userName,
      external_id: member.externalId,
      active: member.active ?? true,
      role: member.role,
      // Created a member, or given its role by whoever created it (the primary owner at org creation).
      role_source: member.role === 'member' ? 'default' : 'manual',
      seat_state: member.seatState,
      seat_type: member.seatType,
      seat_reason: JSON.stringify(member.seatReason),
      pending_since: member.seatState === 'pending' ? new Date() : null,
      source: member.source,
      attributes: JSON.stringify(member.attributes),
      idp_group_ids: member.idpGroupIds ?? [],
    }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  } catch (error) {
    throw translatePgError(error);
  }
}

export async function findMember(db: Db, orgId: string, memberId: string) {
  return db.selectFrom('members').selectAll().where('org_id', '=', orgId).where('id', '=', memberId).executeTakeFirst();
}
