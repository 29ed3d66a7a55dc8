// What admins and operators see and set about seats beyond the gate's own counter: pending
// counts, an operator-set allocation, and the organization's settings document.
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { OrgSettings } from '../domain/organization.js';

/**
 * Pending members: the total, and per seat type those whose recorded wish includes it (the
 * gate stores the types it could not give in seat_reason.wanted).
 */
export async function pendingCounts(db: Db, orgId: string) {
  const total = await db.selectFrom('members').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId).where('seat_state', '=', 'pending').executeTakeFirstOrThrow();
  const byType = await sql<{ seat_type: string; n: number }>`
    select t.seat_type, count(*)::int as n
    from members m
    cross join lateral jsonb_array_elements_text(
      case when jsonb_typeof(m.seat_reason -> 'wanted') = 'array' then m.seat_reason -> 'wanted' else '[]'::jsonb end
    ) as t(seat_type)
    where m.org_id = ${orgId} and m.seat_state = 'pending'
    group by t.seat_type`.execute(db);
  return {
    total: Number(total.n),
    bySeatType: Object.fromEntries(byType.rows.map((row) => [row.seat_type, Number(row.n)])) as Record<string, number>,
  };
}

/** The allocation row of one seat type, locked for a change. */
export async function lockAllocation(db: Db, orgId: string, seatType: string) {
  return db.selectFrom('seat_allocations').select(['seat_type', 'allocated', 'assigned'])
    .where('org_id', '=', orgId).where('seat_type', '=', seatType).forUpdate().executeTakeFirst();
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
