// The seat counter and the gate's queries. Since migration 0028 (decision 0036) the counter is
// striped: `seat_allocations` is a view whose `assigned` is the sum of K = 16 `seat_stripes`, each
// CHECK (0 ≤ assigned ≤ allocated). A create's commit takes a seat from its backend's stripe
// (migration 0015's trigger); the statements here are the exact path, in SQL functions of 0028:
// they lock the allocation row, then the stripes in stripe order, so concurrent reservations
// (from any number of processes) can never exceed the allocation and the last seats are exact.
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { MappingMatch } from '../domain/seat-choice.js';
import type { SeatState } from '../domain/organization.js';

/** Takes one seat of `seatType`; false when none is free. */
export async function reserveSeat(db: Db, orgId: string, seatType: string): Promise<boolean> {
  return (await reserveSeatCounted(db, orgId, seatType)) !== undefined;
}

/**
 * Takes one seat of `seatType` like `reserveSeat` and says how full the type is afterwards;
 * undefined when none is free. A create runs it as its last statement before commit, so that
 * the allocation's locks are held for the commit alone (decision 0015).
 */
export async function reserveSeatCounted(db: Db, orgId: string, seatType: string): Promise<{ assigned: number; allocated: number } | undefined> {
  const { rows } = await sql<{ assigned: number | null; allocated: number | null }>`
    select t.assigned_after as assigned, t.allocated_now as allocated from seat_take_exact(${orgId}::uuid, ${seatType}, false) t`.execute(db);
  const row = rows[0];
  return row?.assigned == null || row.allocated == null ? undefined : { assigned: row.assigned, allocated: row.allocated };
}

/** Gives one seat of `seatType` back (from any stripe holding one, its backend's first). */
export async function releaseSeat(db: Db, orgId: string, seatType: string): Promise<void> {
  await sql`select seat_release(${orgId}::uuid, ${seatType})`.execute(db);
}

/** Sets the number of seats of `seatType` assigned (renewal and conversion moves, recounts). */
export async function setAssignedSeats(db: Db, orgId: string, seatType: string, assigned: number): Promise<void> {
  await sql`select seat_set_assigned(${orgId}::uuid, ${seatType}, ${assigned}::integer)`.execute(db);
}

/**
 * Locks the stripes of the organization's allocations (all, or `seatTypes`) in seat-type then
 * stripe order, so that `assigned` read afterwards cannot move until the transaction ends. The
 * caller holds the allocation rows already (lock order: allocation rows, then their stripes).
 */
export async function lockStripes(db: Db, orgId: string, seatTypes?: readonly string[]): Promise<void> {
  let query = db.selectFrom('seat_stripes').select('stripe').where('org_id', '=', orgId);
  if (seatTypes) {
    if (seatTypes.length === 0) return;
    query = query.where('seat_type', 'in', [...seatTypes]);
  }
  await query.orderBy('seat_type').orderBy('stripe').forUpdate().execute();
}

/**
 * Locks allocation rows in one canonical order (by seat type) before a use case touches more
 * than one of them, so that two seat changes in opposite directions cannot deadlock.
 */
export async function lockAllocations(db: Db, orgId: string, seatTypes: string[]): Promise<void> {
  if (seatTypes.length < 2) return;
  await db.selectFrom('seat_allocations').select('seat_type')
    .where('org_id', '=', orgId).where('seat_type', 'in', [...new Set(seatTypes)])
    .orderBy('seat_type').forUpdate().execute();
}

export async function freeSeatTypes(db: Db, orgId: string): Promise<string[]> {
  const rows = await db.selectFrom('seat_allocations').select('seat_type')
    .where('org_id', '=', orgId).where(sql<boolean>`assigned < allocated`).execute();
  return rows.map((row) => row.seat_type);
}

/**
 * Group mappings that apply to a member: through the SCIM groups it belongs to (matched by the
 * group's id or externalId, never its display name), and through the IdP group ids its JIT
 * logins carried.
 */
export async function mappingMatchesForMember(
  db: Db, orgId: string, memberId: string, idpGroupIds: readonly string[],
): Promise<MappingMatch[]> {
  const rows = await db.selectFrom('group_mappings as gm')
    .select(['gm.id', 'gm.seat_type', 'gm.allow_fallback', 'gm.role'])
    .where('gm.org_id', '=', orgId)
    .where((eb) => {
      const viaGroups = eb.exists(
        eb.selectFrom('groups as g')
          .innerJoin('group_members as x', (join) => join.onRef('x.org_id', '=', 'g.org_id').onRef('x.group_id', '=', 'g.id'))
          .select(sql`1`.as('one'))
          .whereRef('g.org_id', '=', 'gm.org_id')
          .where('x.member_id', '=', memberId)
          .where((inner) => inner.or([
            inner(sql`g.id::text`, '=', inner.ref('gm.idp_group_id')),
            inner('g.external_id', '=', inner.ref('gm.idp_group_id')),
          ])),
      );
      return idpGroupIds.length > 0 ? eb.or([viaGroups, eb('gm.idp_group_id', 'in', [...idpGroupIds])]) : viaGroups;
    })
    .execute();
  return rows.map((row) => ({ mappingId: row.id, seatType: row.seat_type, allowFallback: row.allow_fallback, role: row.role }));
}

/** Whether any mapping names this SCIM group (by id or externalId). */
export async function groupIsMapped(db: Db, orgId: string, groupId: string): Promise<boolean> {
  const row = await db.selectFrom('group_mappings as gm')
    .innerJoin('groups as g', (join) => join.onRef('g.org_id', '=', 'gm.org_id')
      .on((eb) => eb.or([eb(sql`g.id::text`, '=', eb.ref('gm.idp_group_id')), eb('g.external_id', '=', eb.ref('gm.idp_group_id'))])))
    .select('gm.id')
    .where('gm.org_id', '=', orgId).where('g.id', '=', groupId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function lockMember(db: Db, orgId: string, memberId: string) {
  return db.selectFrom('members')
    .select(['id', 'user_name', 'active', 'role', 'role_source', 'seat_state', 'seat_type', 'seat_reason', 'pending_since',
      'unassigned_by_admin', 'idp_group_ids', 'attributes'])
    .where('org_id', '=', orgId).where('id', '=', memberId)
    .forUpdate().executeTakeFirst();
}

export type LockedMember = NonNullable<Awaited<ReturnType<typeof lockMember>>>;

export interface SeatUpdate {
  seatState: SeatState;
  seatType: string | null;
  reason: Record<string, unknown>;
  unassignedByAdmin?: boolean;
}

/** Writes a member's seat state. pending_since is kept while a member stays pending (FIFO). */
export async function writeMemberSeat(db: Db, orgId: string, memberId: string, update: SeatUpdate): Promise<void> {
  await db.updateTable('members')
    .set({
      seat_state: update.seatState,
      seat_type: update.seatType,
      seat_reason: JSON.stringify(update.reason),
      pending_since: update.seatState === 'pending' ? sql`coalesce(pending_since, now())` : null,
      ...(update.unassignedByAdmin === undefined ? {} : { unassigned_by_admin: update.unassignedByAdmin }),
    })
    .where('org_id', '=', orgId).where('id', '=', memberId)
    .execute();
}

/** The oldest pending members not locked by another transaction (FIFO service). */
export async function nextPendingMembers(db: Db, orgId: string, limit: number, after?: { since: Date; id: string }) {
  let query = db.selectFrom('members').select(['id', 'pending_since'])
    .where('org_id', '=', orgId).where('seat_state', '=', 'pending');
  if (after) {
    query = query.where((eb) => eb.or([
      eb('pending_since', '>', after.since),
      eb.and([eb('pending_since', '=', after.since), eb('id', '>', after.id)]),
    ]));
  }
  return query.orderBy('pending_since').orderBy('id').limit(limit).forUpdate().skipLocked().execute();
}
