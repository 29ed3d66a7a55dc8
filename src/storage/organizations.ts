import { sql, type ExpressionBuilder } from 'kysely';
import type { Database } from './schema.js';
import { tombstonesTaken } from './access.js';
import { prepared, type Db } from './database.js';
import type { OrgSettings } from '../domain/organization.js';

export interface NewOrganization {
  name: string;
  plan: string;
  billingMode: 'self_serve' | 'sales_assisted';
  currency: string;
  termStart: string;
  termEnd: string;
  autoRenew: boolean;
  settings: OrgSettings;
}

export interface SeatAllocationRow {
  seatType: string;
  allocated: number;
  assigned: number;
  monthlyPriceMinor: number;
}

/**
 * In SQL, over an `organizations` row aliased `o`: the organization may still be written on
 * `today` — the negation of domain/organization.ts orgHasEnded, for statements that check it in
 * their own round trip. When this says no, they write nothing and the caller asks the domain,
 * so it must never be looser than the domain rule (tests hold it to it).
 */
export function orgWritableOn(today: string) {
  return sql<boolean>`(o.status <> 'ended' and ((o.auto_renew and not o.cancel_at_term_end) or o.term_end > ${today}::date))`;
}

export async function insertOrganization(db: Db, org: NewOrganization): Promise<string> {
  const row = await db.insertInto('organizations').values({
    name: org.name,
    plan: org.plan,
    billing_mode: org.billingMode,
    currency: org.currency,
    term_start: org.termStart,
    term_end: org.termEnd,
    auto_renew: org.autoRenew,
    settings: JSON.stringify(org.settings),
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function insertAllocations(db: Db, orgId: string, rows: Omit<SeatAllocationRow, 'assigned'>[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('seat_allocations').values(rows.map((row) => ({
    org_id: orgId,
    seat_type: row.seatType,
    allocated: row.allocated,
    monthly_price_minor: row.monthlyPriceMinor,
  }))).execute();
}

export async function findOrganization(db: Db, orgId: string) {
  return db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirst();
}

/**
 * The organization (key-share locked, as findOrganizationForGate) and, in the same query, its
 * seat counters (an unlocked read) — and, for a create, the tombstones its new member takes
 * (storage/access.ts tombstonesTaken): a create's first round trip does all three.
 */
export async function findOrganizationWithSeats(db: Db, orgId: string, tombstones?: { userName: string; externalId: string | null }) {
  const seats = (eb: ExpressionBuilder<Database, 'organizations'>) => eb.selectFrom('seat_allocations as a')
    .select(sql<Array<{ seatType: string; assigned: number; allocated: number }>>`coalesce(json_agg(json_build_object(
      'seatType', a.seat_type, 'assigned', a.assigned, 'allocated', a.allocated)), '[]')`.as('seats'))
    .where('a.org_id', '=', orgId).as('seats');
  if (!tombstones) {
    const row = await db.selectFrom('organizations').selectAll('organizations').select(seats).where('organizations.id', '=', orgId)
      .forKeyShare('organizations').executeTakeFirst();
    return row && { ...row, tombstones: undefined };
  }
  return db.with('t', () => tombstonesTaken(db, orgId, tombstones.userName, tombstones.externalId))
    .selectFrom('organizations').selectAll('organizations').select(seats)
    .select(sql<string[]>`(select coalesce(array_agg(t.member_id), '{}') from t)`.as('tombstones'))
    .where('organizations.id', '=', orgId).forKeyShare('organizations').executeTakeFirst();
}

/**
 * The organization for the seat gate, key-share locked until the transaction ends: the gate's
 * first lock, before members and seat counters. Purchases, renewals and settings lock it FOR
 * UPDATE and then the counters; a seat change that locked counters first and met the organization
 * only at its audit insert's foreign key deadlocked with them (seen in the failover test).
 */
export async function findOrganizationForGate(db: Db, orgId: string) {
  const query = db.selectFrom('organizations').selectAll().where('id', '=', orgId);
  // Outside a transaction (a one-statement write's writability check) the lock would end with
  // the read: it protects nothing there and costs a WAL record, and a multixact when concurrent.
  // Named (decision 0016): every SCIM write reads it.
  return (await db.executeQuery(prepared((db.isTransaction ? query.forKeyShare() : query).compile()))).rows[0];
}

export async function listOrganizations(db: Db) {
  return db.selectFrom('organizations').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function countOrganizations(db: Db): Promise<number> {
  const row = await db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listAllocations(db: Db, orgId: string): Promise<SeatAllocationRow[]> {
  const rows = await db.selectFrom('seat_allocations').selectAll().where('org_id', '=', orgId).execute();
  return rows.map((row) => ({
    seatType: row.seat_type,
    allocated: row.allocated,
    assigned: row.assigned,
    monthlyPriceMinor: Number(row.monthly_price_minor),
  }));
}
