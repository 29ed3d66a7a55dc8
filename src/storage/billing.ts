// Billing's storage: the organization's term, its allocations as billing sees them, scheduled
// reductions, the seat moves of a renewal, and the alert state of seat monitoring. Every
// function takes the organization id; the callers hold the organization's row lock.
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { Actor } from './audit.js';
import { lockStripes, setAssignedSeats } from './seats.js';

/** The organization row, locked until the end of the transaction (serializes billing per org). */
export async function lockOrganization(db: Db, orgId: string) {
  return db.selectFrom('organizations').selectAll().where('id', '=', orgId).forUpdate().executeTakeFirst();
}

export type OrganizationRow = NonNullable<Awaited<ReturnType<typeof lockOrganization>>>;

/**
 * All allocation rows of an organization, locked in the gate's canonical order (by seat type),
 * then their stripes (decision 0036), so that the `assigned` returned holds until the end.
 */
export async function lockAllAllocations(db: Db, orgId: string) {
  await db.selectFrom('seat_allocations').select('seat_type')
    .where('org_id', '=', orgId).orderBy('seat_type').forUpdate().execute();
  await lockStripes(db, orgId);
  return db.selectFrom('seat_allocations').selectAll().where('org_id', '=', orgId).orderBy('seat_type').execute();
}

/**
 * The allocation row of one seat type, locked for a change, then its stripes (decision 0036):
 * `assigned` is their sum, and holds until the end of the transaction.
 */
export async function lockAllocation(db: Db, orgId: string, seatType: string) {
  const locked = await db.selectFrom('seat_allocations').select('seat_type')
    .where('org_id', '=', orgId).where('seat_type', '=', seatType).forUpdate().executeTakeFirst();
  if (!locked) return undefined;
  await lockStripes(db, orgId, [seatType]);
  return db.selectFrom('seat_allocations').selectAll().where('org_id', '=', orgId).where('seat_type', '=', seatType).executeTakeFirst();
}

/** Raises an allocation at once; the only way the allocation changes during a term. */
export async function raiseAllocation(db: Db, orgId: string, seatType: string, quantity: number): Promise<number> {
  const row = await db.updateTable('seat_allocations')
    .set({ allocated: sql`allocated + ${quantity}` })
    .where('org_id', '=', orgId).where('seat_type', '=', seatType)
    .returning('allocated').executeTakeFirstOrThrow();
  return row.allocated;
}

/** Sets the allocation of a type at renewal (the table's CHECK keeps assigned ≤ allocated). */
export async function setAllocation(db: Db, orgId: string, seatType: string, allocated: number): Promise<void> {
  await db.updateTable('seat_allocations').set({ allocated })
    .where('org_id', '=', orgId).where('seat_type', '=', seatType).execute();
}

export interface TermUpdate {
  termStart?: string;
  termEnd?: string;
  plan?: string;
  status?: 'active' | 'ended';
  cancelAtTermEnd?: boolean;
  autoRenew?: boolean;
  settings?: Record<string, unknown>;
}

export async function updateOrganizationTerm(db: Db, orgId: string, update: TermUpdate): Promise<void> {
  await db.updateTable('organizations').set({
    ...(update.termStart === undefined ? {} : { term_start: update.termStart }),
    ...(update.termEnd === undefined ? {} : { term_end: update.termEnd }),
    ...(update.plan === undefined ? {} : { plan: update.plan }),
    ...(update.status === undefined ? {} : { status: update.status }),
    ...(update.cancelAtTermEnd === undefined ? {} : { cancel_at_term_end: update.cancelAtTermEnd }),
    ...(update.autoRenew === undefined ? {} : { auto_renew: update.autoRenew }),
    ...(update.settings === undefined ? {} : { settings: JSON.stringify(update.settings) }),
    updated_at: sql`now()`,
  }).where('id', '=', orgId).execute();
}

/** Active organizations whose term ended on or before `asOf` (renewal or end is due). */
export async function organizationsDue(db: Db, asOf: string): Promise<string[]> {
  const rows = await db.selectFrom('organizations').select('id')
    .where('status', '=', 'active').where('term_end', '<=', asOf)
    .orderBy('term_end').orderBy('id').execute();
  return rows.map((row) => row.id);
}

// --- scheduled reductions ---------------------------------------------------------------

export async function insertReduction(
  db: Db, orgId: string, reduction: { seatType: string; quantity: number; effectiveOn: string; actor: Actor },
) {
  return db.insertInto('seat_reductions').values({
    org_id: orgId,
    seat_type: reduction.seatType,
    quantity: reduction.quantity,
    effective_on: reduction.effectiveOn,
    created_by: JSON.stringify(reduction.actor),
  }).returningAll().executeTakeFirstOrThrow();
}

export type ReductionRow = Awaited<ReturnType<typeof insertReduction>>;

export async function listReductions(db: Db, orgId: string, status?: ReductionRow['status']) {
  let query = db.selectFrom('seat_reductions').selectAll().where('org_id', '=', orgId);
  if (status) query = query.where('status', '=', status);
  return query.orderBy('created_at').orderBy('id').execute();
}

/** Reductions still scheduled to take effect on or before `date`, oldest first. */
export async function scheduledReductions(db: Db, orgId: string, onOrBefore: string) {
  return db.selectFrom('seat_reductions').selectAll()
    .where('org_id', '=', orgId).where('status', '=', 'scheduled').where('effective_on', '<=', onOrBefore)
    .orderBy('created_at').orderBy('id').forUpdate().execute();
}

export async function closeReduction(
  db: Db, orgId: string, id: string, close: { status: 'applied' | 'cancelled'; appliedQuantity?: number; actor: Actor },
): Promise<ReductionRow | undefined> {
  return db.updateTable('seat_reductions').set({
    status: close.status,
    applied_quantity: close.status === 'applied' ? close.appliedQuantity ?? 0 : null,
    closed_at: sql`now()`,
    closed_by: JSON.stringify(close.actor),
  }).where('org_id', '=', orgId).where('id', '=', id).where('status', '=', 'scheduled')
    .returningAll().executeTakeFirst();
}

// --- seat moves at renewal ----------------------------------------------------------------

/**
 * The assigned members of `seatTypes` who lose their seat first when a renewal carries fewer
 * seats than are assigned: plain members before admins before owners (the primary owner last),
 * and within a role the most recently seated first (so long-standing users keep access).
 */
export async function membersToUnseat(db: Db, orgId: string, seatTypes: readonly string[], count: number) {
  if (count <= 0 || seatTypes.length === 0) return [];
  return db.selectFrom('members').select(['id', 'user_name', 'seat_type', 'role'])
    .where('org_id', '=', orgId).where('seat_state', '=', 'assigned').where('seat_type', 'in', [...seatTypes])
    .orderBy(sql`case role when 'member' then 0 when 'admin' then 1 when 'owner' then 2 else 3 end`)
    .orderBy(sql`seat_reason->>'at'`, (ob) => ob.desc().nullsLast())
    .orderBy('created_at', 'desc').orderBy('id', 'desc')
    .limit(count).forUpdate().execute();
}

/** Renames the seat type of every assigned member of `from` to `to`; returns how many moved. */
export async function moveAssignedMembers(db: Db, orgId: string, from: readonly string[], to: string): Promise<number> {
  if (from.length === 0) return 0;
  const result = await db.updateTable('members')
    .set({ seat_type: to, seat_reason: sql`seat_reason || jsonb_build_object('renewedFrom', seat_type)`, updated_at: sql`now()` })
    .where('org_id', '=', orgId).where('seat_state', '=', 'assigned').where('seat_type', 'in', [...from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Points the group mappings of `from` types at `to`; returns how many moved. */
export async function moveMappings(db: Db, orgId: string, from: readonly string[], to: string): Promise<number> {
  if (from.length === 0) return 0;
  const result = await db.updateTable('group_mappings').set({ seat_type: to, updated_at: sql`now()` })
    .where('org_id', '=', orgId).where('seat_type', 'in', [...from]).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertAllocation(
  db: Db, orgId: string, row: { seatType: string; allocated: number; assigned: number; monthlyPriceMinor: number },
): Promise<void> {
  await db.insertInto('seat_allocations').values({
    org_id: orgId, seat_type: row.seatType, allocated: row.allocated, monthly_price_minor: row.monthlyPriceMinor,
  }).execute();
  if (row.assigned !== 0) await setAssignedSeats(db, orgId, row.seatType, row.assigned);
}

export async function deleteAllocations(db: Db, orgId: string, seatTypes: readonly string[]): Promise<void> {
  if (seatTypes.length === 0) return;
  await db.deleteFrom('seat_allocations').where('org_id', '=', orgId).where('seat_type', 'in', [...seatTypes]).execute();
}

// --- monitoring ------------------------------------------------------------------------------

/**
 * The allocation rows of an organization (the alert check). Pending members and refusals are
 * counted by storage/seat-admin.ts `pendingCounts` and storage/audit-queries.ts `refusalCounts`.
 */
export async function seatUsage(db: Db, orgId: string) {
  const allocations = await db.selectFrom('seat_allocations').selectAll().where('org_id', '=', orgId).orderBy('seat_type').execute();
  return { allocations };
}

export async function alertStates(db: Db, orgId: string) {
  return db.selectFrom('seat_alert_state').selectAll().where('org_id', '=', orgId).execute();
}

/**
 * Flips the alert state of a seat type to alerting; true only for the one caller that flipped
 * it (an upward crossing is alerted once, whatever runs at once in any process).
 */
export async function armAlert(db: Db, orgId: string, seatType: string): Promise<boolean> {
  const row = await db.insertInto('seat_alert_state')
    .values({ org_id: orgId, seat_type: seatType, alerting: true, alerted_at: sql`now()` })
    .onConflict((oc) => oc.columns(['org_id', 'seat_type']).doUpdateSet({ alerting: true, alerted_at: sql`now()` })
      .where('seat_alert_state.alerting', '=', false))
    .returning('seat_type').executeTakeFirst();
  return row !== undefined;
}

/** Re-arms the alert of a seat type whose utilization fell back below the threshold. */
export async function rearmAlert(db: Db, orgId: string, seatType: string): Promise<boolean> {
  const result = await db.updateTable('seat_alert_state').set({ alerting: false, rearmed_at: sql`now()` })
    .where('org_id', '=', orgId).where('seat_type', '=', seatType).where('alerting', '=', true).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Organizations where some seat type's alert state disagrees with its utilization (the periodic
 * sweep's catch-up for seat changes made by code paths that did not call the monitoring hook).
 * The comparison is the same IEEE division as the service's (assigned / allocated ≥ threshold).
 */
export async function organizationsWithStaleAlerts(db: Db, defaultThreshold: number): Promise<string[]> {
  const rows = await db.selectFrom('seat_allocations as a')
    .innerJoin('organizations as o', 'o.id', 'a.org_id')
    .leftJoin('seat_alert_state as s', (join) => join.onRef('s.org_id', '=', 'a.org_id').onRef('s.seat_type', '=', 'a.seat_type'))
    .select('a.org_id').distinct()
    .where('o.status', '=', 'active')
    .where(sql<boolean>`(a.allocated > 0 and a.assigned::float8 / a.allocated
        >= coalesce((o.settings->>'utilizationAlertThreshold')::float8, ${defaultThreshold}::float8))
      is distinct from coalesce(s.alerting, false)`)
    .execute();
  return rows.map((row) => row.org_id);
}

/** Sets the seat counter of a type directly (renewal moves of legacy seats only). */
export async function setAssigned(db: Db, orgId: string, seatType: string, assigned: number): Promise<void> {
  await setAssignedSeats(db, orgId, seatType, assigned);
}
