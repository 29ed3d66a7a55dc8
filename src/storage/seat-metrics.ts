// Seat counts for /metrics: per seat type over all active organizations, or per organization
// and seat type (opt-in, config `metrics.seatsByOrganization`). One indexed read of
// seat_allocations, at most once per scrape interval (src/observability/metrics.ts caches it).
import { sql } from 'kysely';
import type { Db } from './database.js';

export interface SeatCountRow { org_id: string | null; seat_type: string; allocated: number; assigned: number; full: number }

export async function seatCountsForMetrics(db: Db, byOrganization: boolean): Promise<SeatCountRow[]> {
  const base = db.selectFrom('seat_allocations as a').innerJoin('organizations as o', 'o.id', 'a.org_id').where('o.status', '=', 'active');
  if (byOrganization) {
    return base.select(['a.org_id', 'a.seat_type', 'a.allocated', 'a.assigned',
      sql<number>`(a.allocated > 0 and a.assigned >= a.allocated)::int`.as('full')]).execute();
  }
  return base.select([sql<null>`null`.as('org_id'), 'a.seat_type',
    sql<number>`coalesce(sum(a.allocated), 0)::int`.as('allocated'), sql<number>`coalesce(sum(a.assigned), 0)::int`.as('assigned'),
    sql<number>`(count(*) filter (where a.allocated > 0 and a.assigned >= a.allocated))::int`.as('full')])
    .groupBy('a.seat_type').execute();
}
