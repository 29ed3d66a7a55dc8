// The seat counter. Reserving is one guarded UPDATE: PostgreSQL locks the allocation row and
// re-checks `assigned < allocated` on the newest row version, so concurrent reservations (from
// any number of processes) can never exceed the allocation. The table's CHECK is the backstop.
import { sql } from 'kysely';
import type { Db } from './database.js';

/** Takes one seat of `seatType`; false when none is free. */
export async function reserveSeat(db: Db, orgId: string, seatType: string): Promise<boolean> {
  const result = await db.updateTable('seat_allocations')
    .set({ assigned: sql`assigned + 1` })
    .where('org_id', '=', orgId)
    .where('seat_type', '=', seatType)
    .where(sql<boolean>`assigned < allocated`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives one seat of `seatType` back. */
export async function releaseSeat(db: Db, orgId: string, seatType: string): Promise<void> {
  await db.updateTable('seat_allocations')
    .set({ assigned: sql`assigned - 1` })
    .where('org_id', '=', orgId)
    .where('seat_type', '=', seatType)
    .execute();
}
