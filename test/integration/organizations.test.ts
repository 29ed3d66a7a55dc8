import { sql } from 'kysely';
import { hashToken } from '../../src/domain/credentials.js';
import { DomainError } from '../../src/domain/errors.js';
import { getOrganization } from '../../src/services/organizations.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';

let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(() => new Date('2026-03-15T10:00:00Z')); });
afterAll(() => ctx.close());

describe('creating an organization', () => {
  it('stores the plan, term and allocations, and seats the primary owner on the highest free type', async () => {
    const created = await newOrganization(ctx, { seats: { premium: 2, standard: 3 }, termStart: '2026-01-01' });
    const org = await getOrganization(ctx, created.orgId);
    expect(org).toMatchObject({
      plan: 'team', billingMode: 'self_serve', currency: 'USD', termStart: '2026-01-01', termEnd: '2027-01-01',
      autoRenew: true, status: 'active', settings: { onNoSeat: 'block', utilizationAlertThreshold: 0.9 },
    });
    expect(org.seats).toEqual(expect.arrayContaining([
      { seatType: 'premium', allocated: 2, assigned: 1, monthlyPriceMinor: 3000 },
      { seatType: 'standard', allocated: 3, assigned: 0, monthlyPriceMinor: 2000 },
    ]));
    const owner = await ctx.db.selectFrom('members').selectAll().where('org_id', '=', created.orgId).executeTakeFirstOrThrow();
    expect(owner).toMatchObject({ role: 'primary_owner', seat_state: 'assigned', seat_type: 'premium', source: 'admin' });
  });

  it('defaults the term to start today (by the injected clock) and to a year long', async () => {
    const created = await newOrganization(ctx);
    expect(await getOrganization(ctx, created.orgId)).toMatchObject({ termStart: '2026-03-15', termEnd: '2027-03-15' });
  });

  it('makes the owner pending when no seat is free', async () => {
    const created = await newOrganization(ctx, { seats: { premium: 0, standard: 0 } });
    const owner = await ctx.db.selectFrom('members').selectAll().where('org_id', '=', created.orgId).executeTakeFirstOrThrow();
    expect(owner.seat_state).toBe('pending');
    expect(owner.pending_since).toBeInstanceOf(Date);
  });

  it('keeps only hashes of the three secrets it returns once', async () => {
    const created = await newOrganization(ctx);
    const rows = await ctx.db.selectFrom('credentials').selectAll().where('org_id', '=', created.orgId).execute();
    expect(rows.map((r) => r.kind).sort()).toEqual(['admin', 'jit', 'scim']);
    const hashes = rows.map((r) => r.token_hash);
    for (const secret of [created.scimToken, created.adminToken, created.jitSecret]) {
      expect(hashes).toContain(hashToken(secret));
      expect(JSON.stringify(rows)).not.toContain(secret);
    }
    expect(rows.find((r) => r.kind === 'admin')?.member_id).toBe(created.ownerId);
  });

  it('records the creation in the audit trail', async () => {
    const created = await newOrganization(ctx);
    const events = await ctx.db.selectFrom('audit_events').selectAll().where('org_id', '=', created.orgId).execute();
    expect(events.map((e) => e.action)).toContain('organization.created');
  });

  it.each([
    [{ plan: 'gold' }, /unknown plan "gold"/],
    [{ seats: { enterprise: 5 } }, /plan team has no seat type "enterprise"/],
    [{ plan: 'enterprise', seats: { enterprise: 19 }, prices: {} }, /at least 20 seats/],
    [{ seats: { premium: -1 } }, /whole number/],
    [{ seats: { premium: 1.5 } }, /whole number/],
    [{ termStart: '2026-02-30' }, /not a date/],
    [{ currency: 'euro' }, /ISO 4217/],
    [{ name: '   ' }, /1 to 200 characters/],
    [{ prices: { premium: -5 } }, /minor units/],
  ])('refuses %j with a clear message', async (input, message) => {
    const attempt = newOrganization(ctx, input as never);
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toBeInstanceOf(DomainError);
  });

  it('answers not found for unknown or malformed organization ids', async () => {
    await expect(getOrganization(ctx, '00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ code: 'not_found' });
    await expect(getOrganization(ctx, "1' or '1'='1")).rejects.toMatchObject({ code: 'not_found' });
  });

  it('holds the invariant in the database itself: assigned can never exceed allocated', async () => {
    const created = await newOrganization(ctx, { seats: { premium: 1, standard: 0 } });
    // Striped (decision 0036): the count is set only through the functions, each checked …
    await expect(sql`select seat_set_assigned(${created.orgId}::uuid, 'premium', 2)`.execute(ctx.db)).rejects.toThrow(/seats_within_allocation/);
    await expect(sql`select seat_release(${created.orgId}::uuid, 'standard')`.execute(ctx.db)).rejects.toThrow(/seats_within_allocation/);
    // … a stripe never holds more than its share, nor fewer than zero …
    await expect(sql`update seat_stripes set assigned = allocated + 1 where org_id = ${created.orgId}::uuid and seat_type = 'premium' and stripe = 15`
      .execute(ctx.db)).rejects.toThrow(/seat_stripes_within_allocation/);
    await expect(sql`update seat_stripes set assigned = -1 where org_id = ${created.orgId}::uuid and seat_type = 'premium' and stripe = 0`
      .execute(ctx.db)).rejects.toThrow(/seat_stripes_within_allocation/);
    // … the view's sum cannot be written, and the allocation cannot go under what is assigned.
    await expect(sql`update seat_allocations set assigned = 2 where org_id = ${created.orgId}::uuid`.execute(ctx.db)).rejects.toThrow(/assigned/);
    await sql`select seat_set_assigned(${created.orgId}::uuid, 'premium', 1)`.execute(ctx.db);
    await expect(ctx.db.updateTable('seat_allocations').set({ allocated: 0 })
      .where('org_id', '=', created.orgId).where('seat_type', '=', 'premium').execute()).rejects.toThrow(/seats_within_allocation/);
  });
});
