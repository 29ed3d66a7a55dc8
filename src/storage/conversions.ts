// Operator conversions of a contract (issue 11): billing mode, and a legacy plan moved early.
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { BillingMode } from '../domain/organization.js';

export async function setBillingMode(db: Db, orgId: string, mode: BillingMode): Promise<void> {
  await db.updateTable('organizations').set({ billing_mode: mode, updated_at: sql`now()` }).where('id', '=', orgId).execute();
}

/** Scheduled reductions of merged seat types now reduce the type they merged into. */
export async function moveScheduledReductions(db: Db, orgId: string, from: readonly string[], to: string): Promise<number> {
  if (from.length === 0) return 0;
  const result = await db.updateTable('seat_reductions').set({ seat_type: to })
    .where('org_id', '=', orgId).where('status', '=', 'scheduled').where('seat_type', 'in', [...from]).executeTakeFirst();
  return Number(result.numUpdatedRows);
}
