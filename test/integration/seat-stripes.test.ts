// The striped seat counter (decision 0036, migration 0028): K = 16 stripes per allocation, each
// CHECK (0 ≤ assigned ≤ allocated), whose shares add up to the allocation. A create's commit takes
// from its backend's stripe (pg_backend_pid() % 16); a full stripe sends it to the exact pass over
// all stripes; a release takes from any stripe with a seat, its own first.
import type pg from 'pg';
import { inTransaction } from '../../src/storage/transactions.js';
import { raiseAllocation, setAllocation as setAllocationRow } from '../../src/storage/billing.js';
import { setAllocation } from '../../src/services/seats/admin-seats.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';
import { expectCounterConsistent, seats } from '../support/gate.js';

let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(); });
afterAll(() => ctx.close());

const K = 16;

async function stripesOf(orgId: string, seatType = 'premium') {
  return (await ctx.handle.pool.query('select stripe, allocated, assigned from seat_stripes where org_id = $1 and seat_type = $2 order by stripe',
    [orgId, seatType])).rows as Array<{ stripe: number; allocated: number; assigned: number }>;
}

/** Free seats per stripe differ by at most one: the spread's promise. */
function expectEven(stripes: Array<{ allocated: number; assigned: number }>): void {
  const free = stripes.map((s) => s.allocated - s.assigned);
  expect(stripes).toHaveLength(K);
  expect(Math.max(...free) - Math.min(...free)).toBeLessThanOrEqual(1);
}

/** A create as migration 0015 makes it: member and reservation, the seat taken by COMMIT. */
async function takeAtCommit(client: pg.PoolClient, orgId: string, userName: string): Promise<boolean> {
  await client.query('begin');
  const { rows } = await client.query(
    "insert into members (org_id, user_name, seat_state, seat_type, source) values ($1, $2, 'assigned', 'premium', 'admin') returning id", [orgId, userName]);
  await client.query("insert into seat_reservations (member_id, org_id, seat_type) values ($1, $2, 'premium')", [rows[0].id, orgId]);
  try {
    await client.query('commit');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'SG001') return false; // the commit rolled the whole create back
    throw error;
  }
}

async function withClient<T>(fn: (client: pg.PoolClient, mine: number) => Promise<T>): Promise<T> {
  const client = await ctx.handle.pool.connect();
  try {
    const mine = Number((await client.query('select pg_backend_pid() % 16 as s')).rows[0].s);
    return await fn(client, mine);
  } finally {
    client.release();
  }
}

it('spreads every write of an allocation over its 16 stripes, whose shares add up to it', async () => {
  const org = await newOrganization(ctx, { seats: { premium: 100, standard: 7 }, billingMode: 'sales_assisted' });
  // 100 = 16 × 6 + 4: the remainder on the high stripes (the owner's seat has since come off one).
  expect((await stripesOf(org.orgId)).map((s) => s.allocated)).toEqual([6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7]);
  expect((await stripesOf(org.orgId, 'standard')).map((s) => s.allocated)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
  await expectCounterConsistent(ctx, org.orgId);
  // A purchase, a renewal's new total, an operator's seat edit: each spreads again.
  await inTransaction(ctx.db, (trx) => raiseAllocation(trx, org.orgId, 'premium', 37));
  expect(await seats(ctx, org.orgId)).toMatchObject({ premium: { allocated: 137 } });
  expectEven(await stripesOf(org.orgId));
  await expectCounterConsistent(ctx, org.orgId);
  await inTransaction(ctx.db, (trx) => setAllocationRow(trx, org.orgId, 'premium', 41));
  expectEven(await stripesOf(org.orgId));
  await expectCounterConsistent(ctx, org.orgId);
  expect((await setAllocation(ctx, org.orgId, 'premium', 60)).allocated).toBe(60);
  expectEven(await stripesOf(org.orgId));
  await expectCounterConsistent(ctx, org.orgId);
  const assigned = (await seats(ctx, org.orgId)).premium!.assigned;
  await inTransaction(ctx.db, (trx) => setAllocationRow(trx, org.orgId, 'premium', assigned)); // down to exactly the seats assigned
  const full = await stripesOf(org.orgId);
  expect(full.every((s) => s.allocated === s.assigned)).toBe(true);
  await expectCounterConsistent(ctx, org.orgId);
  await expect(inTransaction(ctx.db, (trx) => setAllocationRow(trx, org.orgId, 'premium', assigned - 1))).rejects.toThrow(/seats_within_allocation/);
});

it('a create whose own stripe is full takes its seat from another stripe, and spreads the free seats again', async () => {
  const org = await newOrganization(ctx, { seats: { premium: 200, standard: 0 } });
  await withClient(async (client, mine) => {
    // Our stripe's free seats moved to the next stripe (the sum stays the allocation).
    await client.query(`update seat_stripes s set allocated = case when s.stripe = $2 then s.assigned
        else s.allocated + (select m.allocated - m.assigned from seat_stripes m where m.org_id = s.org_id and m.seat_type = s.seat_type and m.stripe = $2) end
       where s.org_id = $1 and s.seat_type = 'premium' and s.stripe in ($2, ($2 + 1) % 16)`, [org.orgId, mine]);
    const before = (await seats(ctx, org.orgId)).premium!.assigned;
    expect(await takeAtCommit(client, org.orgId, 'spill@x.com')).toBe(true);
    expect((await seats(ctx, org.orgId)).premium!.assigned).toBe(before + 1);
  });
  expectEven(await stripesOf(org.orgId));
  await expectCounterConsistent(ctx, org.orgId);
});

it('the last seats across stripes: every free seat is found, then SG001 and nothing written', async () => {
  const org = await newOrganization(ctx, { seats: { premium: 5, standard: 0 } });
  const free = 5 - (await seats(ctx, org.orgId)).premium!.assigned;
  expect(free).toBeGreaterThan(0);
  await withClient(async (client) => {
    // 5 seats on 16 stripes: at most one per stripe, so most creates spill.
    for (let i = 0; i < free; i += 1) expect(await takeAtCommit(client, org.orgId, `last-${i}@x.com`)).toBe(true);
    expect(await takeAtCommit(client, org.orgId, 'one-too-many@x.com')).toBe(false);
  });
  expect(await seats(ctx, org.orgId)).toMatchObject({ premium: { allocated: 5, assigned: 5 } });
  await expectCounterConsistent(ctx, org.orgId);
});

it('concurrent commits on many backends take exactly the free seats', async () => {
  const org = await newOrganization(ctx, { seats: { premium: 40, standard: 0 } });
  const free = 40 - (await seats(ctx, org.orgId)).premium!.assigned;
  const taken = await Promise.all(Array.from({ length: 8 }, (_, c) => withClient(async (client) => {
    let n = 0;
    for (let i = 0; i < 12; i += 1) if (await takeAtCommit(client, org.orgId, `c${c}-${i}@x.com`)) n += 1;
    return n;
  })));
  expect(taken.reduce((a, b) => a + b, 0)).toBe(free);
  expect(await seats(ctx, org.orgId)).toMatchObject({ premium: { allocated: 40, assigned: 40 } });
  await expectCounterConsistent(ctx, org.orgId);
});

it('a release takes a seat from any stripe that holds one, its own first', async () => {
  const org = await newOrganization(ctx, { seats: { premium: 100, standard: 0 } });
  await withClient(async (client, mine) => {
    const other = (mine + 5) % K;
    const setCounts = (counts: Record<number, number>) => client.query(
      "update seat_stripes set assigned = coalesce(($2::jsonb ->> stripe::text)::int, 0) where org_id = $1 and seat_type = 'premium'",
      [org.orgId, JSON.stringify(counts)]);
    await setCounts({ [mine]: 1, [other]: 1 });
    await client.query("select seat_release($1, 'premium')", [org.orgId]);
    expect((await stripesOf(org.orgId)).filter((s) => s.assigned > 0).map((s) => s.stripe)).toEqual([other]);
    await client.query("select seat_release($1, 'premium')", [org.orgId]);
    expect((await stripesOf(org.orgId)).every((s) => s.assigned === 0)).toBe(true);
    await expect(client.query("select seat_release($1, 'premium')", [org.orgId])).rejects.toMatchObject({ code: '23514' });
  });
});

it('an exact take that finds its type full keeps no lock: two creates trying two full types in opposite orders both finish', async () => {
  // Before migration 0030 each kept the full type's allocation row and stripes, then waited for
  // the other's: PostgreSQL found the deadlock and aborted one (CI on PostgreSQL 15).
  const org = await newOrganization(ctx, { seats: { premium: 1, standard: 1 } });
  const fill = await ctx.handle.pool.connect();
  try {
    await fill.query("select seat_set_assigned($1, 'premium', 1), seat_set_assigned($1, 'standard', 1)", [org.orgId]);
  } finally {
    fill.release();
  }
  const take = (client: pg.PoolClient, type: string) => client.query(
    'select assigned_after from seat_take_exact($1, $2, false)', [org.orgId, type]).then((r) => r.rows[0].assigned_after as number | null);
  await withClient(async (a) => withClient(async (b) => {
    await a.query('begin');
    await b.query('begin');
    try {
      expect(await take(a, 'premium')).toBeNull();
      expect(await take(b, 'standard')).toBeNull();
      await a.query("set local lock_timeout = '5s'");
      await b.query("set local lock_timeout = '5s'");
      expect(await Promise.all([take(a, 'standard'), take(b, 'premium')])).toEqual([null, null]);
    } finally {
      await a.query('rollback');
      await b.query('rollback');
    }
  }));
});
