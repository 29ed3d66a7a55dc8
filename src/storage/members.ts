import { prepared, type Db } from './database.js';
import type { Role, SeatState } from '../domain/organization.js';
import { CompiledQuery, sql } from 'kysely';
import { translatePgError } from './errors.js';
import { auditValues, type AuditEvent } from './audit.js';
import { USER_COLUMNS, type UserRow } from './scim-users.js';
import { membersInserted } from './maintenance.js';

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
    membersInserted();
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
    membersInserted();
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

/** What `insertMemberInOneStatement` needs: the organization as remembered, and the member's seat choices in order. */
export interface OneStatementMember {
  orgId: string;
  guard: { plan: string; status: string; autoRenew: boolean; cancelAtTermEnd: boolean; termEnd: string; settingsJson: string };
  userName: string;
  externalId: string | null;
  attributes: Record<string, unknown>;
  /** Per candidate seat type, in the gate's order: its seat_reason and its audit event's after and reason. */
  candidates: Array<{ seatType: string; seatReason: unknown; auditAfter: unknown; auditReason: unknown }>;
  actor: unknown;
  /** A seat is taken at commit only when the chosen type has at least this many free (AT_COMMIT_MIN_FREE). */
  minFree: number;
}

/**
 * A SCIM create as ONE autocommit statement (decision 0020): the organization is key-share locked
 * and compared with the columns the caller's seat decision used; the first candidate type with a
 * free seat is chosen as planNewMemberSeat chooses its hint; then the member, its audit event and
 * its seat reservation (taken at commit by migration 0015's trigger) are inserted — only when the
 * organization still matches, the chosen type has `minFree` free seats and no tombstone of an
 * admin's removal matches the userName or externalId. Otherwise nothing is written and the caller
 * runs the transactional create. No BEGIN, no COMMIT, no read before the write: one round trip.
 */
const ONE_STATEMENT_CREATE = `
with o as (
  select id from organizations
   where id = $1 and plan = $2 and status = $3 and auto_renew = $4 and cancel_at_term_end = $5 and term_end = $6::date and settings = $7::jsonb
   for key share
), s as (
  select a.seat_type, a.assigned, a.allocated, array_position($8::text[], a.seat_type) as k
    from seat_allocations a join o on a.org_id = o.id
   where a.seat_type = any($8::text[]) and a.assigned < a.allocated
   order by 4 limit 1
), go as (
  select s.seat_type, s.k from s
   where s.allocated - s.assigned >= $9
     and not exists (select 1 from removed_members r where r.org_id = $1 and (lower(r.user_name) = $18 or r.external_id = $11))
), m as (
  insert into members (org_id, user_name, external_id, active, role, role_source, seat_state, seat_type, seat_reason, source, attributes)
  select $1, $10, $11, true, 'member', 'default', 'assigned', go.seat_type, ($13::text[])[go.k]::jsonb, 'scim', $12::jsonb from go
  returning id, user_name, external_id, active, attributes, seat_state, seat_type, seat_reason, pending_since, version, created_at, updated_at
), a as (
  insert into audit_events (org_id, actor, action, subject_type, subject_id, before, after, reason)
  select $1, $14::jsonb, 'seat.assigned', 'member', m.id::text, $17::jsonb, ($15::text[])[go.k]::jsonb, ($16::text[])[go.k]::jsonb
    from m cross join go
), r as (
  insert into seat_reservations (member_id, org_id, seat_type) select m.id, $1, m.seat_type from m
)
select exists (select 1 from o) as org_matched, s.assigned, s.allocated, m.*
  from (select 1) as one left join s on true left join m on true`;

export type OneStatementResult =
  | { outcome: 'inserted'; user: UserRow; usage: { assigned: number; allocated: number } }
  | { outcome: 'org_changed' }
  | { outcome: 'not_here' };

export async function insertMemberInOneStatement(db: Db, member: OneStatementMember): Promise<OneStatementResult> {
  const g = member.guard;
  const c = member.candidates;
  const json = (value: unknown) => JSON.stringify(value);
  const parameters = [
    member.orgId, g.plan, g.status, g.autoRenew, g.cancelAtTermEnd, g.termEnd, g.settingsJson,
    c.map((x) => x.seatType), member.minFree, member.userName, member.externalId, json(member.attributes),
    c.map((x) => json(x.seatReason)), json(member.actor), c.map((x) => json(x.auditAfter)), c.map((x) => json(x.auditReason)),
    json({ seatState: 'pending' }), member.userName.toLowerCase(),
  ];
  let row: (UserRow & { org_matched: boolean; assigned: number | null; allocated: number | null }) | undefined;
  try {
    [row] = (await db.executeQuery(prepared(CompiledQuery.raw(ONE_STATEMENT_CREATE, parameters)))).rows as Array<NonNullable<typeof row>>;
  } catch (error) {
    throw translatePgError(error);
  }
  if (!row?.org_matched) return { outcome: 'org_changed' };
  if (row.id === null) return { outcome: 'not_here' };
  membersInserted();
  const { org_matched: _m, assigned, allocated, ...user } = row;
  return { outcome: 'inserted', user, usage: { assigned: (assigned ?? 0) + 1, allocated: allocated ?? 0 } };
}
