import type { Db } from './database.js';
import type { Role, SeatState } from '../domain/organization.js';
import { sql } from 'kysely';
import { translatePgError } from './errors.js';
import { auditValues, type AuditEvent } from './audit.js';
import { USER_COLUMNS, type UserRow } from './scim-users.js';

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

const memberValues = (member: NewMember) => ({
  org_id: member.orgId,
  user_name: member.userName,
  external_id: member.externalId,
  active: member.active ?? true,
  role: member.role,
  // Created a member, or given its role by whoever created it (the primary owner at org creation).
  role_source: member.role === 'member' ? 'default' as const : 'manual' as const,
  seat_state: member.seatState,
  seat_type: member.seatType,
  seat_reason: JSON.stringify(member.seatReason),
  pending_since: member.seatState === 'pending' ? new Date() : null,
  source: member.source,
  attributes: JSON.stringify(member.attributes),
  idp_group_ids: member.idpGroupIds ?? [],
});

export async function insertMember(db: Db, member: NewMember): Promise<string> {
  try {
    const row = await db.insertInto('members').values(memberValues(member)).returning('id').executeTakeFirstOrThrow();
    return row.id;
  } catch (error) {
    throw translatePgError(error);
  }
}

/**
 * Inserts a member and its audit event (subject: the new member) in one statement, one round
 * trip — with `seatAtCommit`, also the reservation the commit takes (migration 0015); returns the member's SCIM columns (as `findUser` reads them) and the audit row's id, so
 * that a create needs no read after its commit and can take the audit row back.
 */
export async function insertMemberRecorded(
  db: Db, member: NewMember, audit: Omit<AuditEvent, 'subjectType' | 'subjectId'>,
  options: { /** Take the member's seat at commit (migration 0015), in this same statement. */ seatAtCommit?: boolean } = {},
) {
  const values = auditValues(member.orgId, { ...audit, subjectType: 'member' });
  try {
    const row = await db
      .with('m', (qb) => qb.insertInto('members').values(memberValues(member)).returning(USER_COLUMNS.map((c) => c.slice('members.'.length) as 'id')))
      .with('a', (qb) => qb.insertInto('audit_events')
        .columns(['org_id', 'actor', 'action', 'subject_type', 'subject_id', 'before', 'after', 'reason'])
        .expression((eb) => eb.selectFrom('m').select([
          sql`${values.org_id}::uuid`.as('org_id'), sql`${values.actor}::jsonb`.as('actor'), sql`${values.action}`.as('action'),
          sql`${values.subject_type}`.as('subject_type'), sql<string>`m.id::text`.as('subject_id'), sql`${values.before}::jsonb`.as('before'),
          sql`${values.after}::jsonb`.as('after'), sql`${values.reason}::jsonb`.as('reason'),
        ]))
        .returning('id'))
      .with('r', (qb) => qb.insertInto('seat_reservations').columns(['member_id', 'org_id', 'seat_type'])
        .expression((eb) => eb.selectFrom('m').select([sql<string>`m.id`.as('member_id'), sql<string>`${member.orgId}::uuid`.as('org_id'), sql<string>`m.seat_type`.as('seat_type')])
          .where(sql<boolean>`${options.seatAtCommit === true}::boolean and m.seat_type is not null`)))
      .selectFrom('m').selectAll('m').select((eb) => eb.selectFrom('a').select('a.id').as('audit_id'))
      .executeTakeFirstOrThrow();
    const { audit_id: auditId, ...user } = row as typeof row & { audit_id: string };
    return { user: user as unknown as UserRow, auditId };
  } catch (error) {
    throw translatePgError(error);
  }
}

export async function findMember(db: Db, orgId: string, memberId: string) {
  return db.selectFrom('members').selectAll().where('org_id', '=', orgId).where('id', '=', memberId).executeTakeFirst();
}

/** Takes back an audit row written by `insertMemberRecorded` (the create went another way). */
export async function deleteAuditEvent(db: Db, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('audit_events').where('org_id', '=', orgId).where('id', '=', id).execute();
}
