// What admins and operators see and set about seats beyond the gate's own counter: pending
// counts, an operator-set allocation, and the organization's settings document.
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { OrgSettings } from '../domain/organization.js';

/**
 * THE definition of "pending" (issue 11, defect 5), used by every view of seats: a member is
 * pending when its seat state is `pending`; it counts under the seat types it waits for — those
 * the gate recorded in seat_reason.wanted (the types it could not give) — and, when no wish is
 * recorded (a member unseated by a renewal shortfall, or any pending member without one), under
 * every seat type of the plan: the gate would give it a seat of any type that frees up. A member
 * that may take several types counts under each, so the per-type figures may add up to more
 * than `total`. A wish naming only types the plan no longer has (recorded before a legacy plan
 * moved to Enterprise) counts as no wish.
 */
export async function pendingCounts(db: Db, orgId: string, planSeatTypes: readonly string[]) {
  const types = sql.join(planSeatTypes.map((t) => sql`${t}`));
  const rows = await sql<{ seat_type: string | null; n: number }>`
    with pending as (
      select m.id,
             coalesce(nullif(array(
               select w from jsonb_array_elements_text(
                 case when jsonb_typeof(m.seat_reason -> 'wanted') = 'array' then m.seat_reason -> 'wanted' else '[]'::jsonb end) as w
                where w = any(array[${types}]::text[])), '{}'::text[]),
               array[${types}]::text[]) as wanted
        from members m
       where m.org_id = ${orgId} and m.seat_state = 'pending'
    )
    select null as seat_type, count(*)::int as n from pending
    union all
    select t.seat_type, count(distinct p.id)::int
      from pending p cross join lateral unnest(p.wanted) as t(seat_type)
     group by t.seat_type`.execute(db);
  const bySeatType: Record<string, number> = Object.fromEntries(planSeatTypes.map((t) => [t, 0]));
  let total = 0;
  for (const row of rows.rows) {
    if (row.seat_type === null) total = Number(row.n);
    else bySeatType[row.seat_type] = Number(row.n);
  }
  return { total, bySeatType };
}

export async function setAllocated(db: Db, orgId: string, seatType: string, allocated: number): Promise<void> {
  await db.updateTable('seat_allocations').set({ allocated })
    .where('org_id', '=', orgId).where('seat_type', '=', seatType).execute();
}

/** The organization row locked for a read-modify-write of its settings. */
export async function lockOrganizationSettings(db: Db, orgId: string) {
  return db.selectFrom('organizations').select(['id', 'plan', 'settings'])
    .where('id', '=', orgId).forUpdate().executeTakeFirst();
}

export async function writeOrganizationSettings(db: Db, orgId: string, settings: OrgSettings): Promise<void> {
  await db.updateTable('organizations').set({ settings: JSON.stringify(settings), updated_at: sql`now()` })
    .where('id', '=', orgId).execute();
}
