// The end of the annual term on a fake clock: renewals (reductions, minimum, shortfall, legacy
// plans), idempotence and concurrency, and the operator commands.
import { cli } from '../support/cli.js';
import { toIsoDate } from '../../src/domain/dates.js';
import { purchaseSeats } from '../../src/services/billing/purchases.js';
import { scheduleReduction } from '../../src/services/billing/reductions.js';
import { runDueRenewals } from '../../src/services/billing/renewals.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';
import { addGroup, addMapping, auditActions, expectCounterConsistent, joinGroup, memberRow, seatedMember, seats } from '../support/gate.js';

let today = '2025-06-01';
let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(() => new Date(`${today}T09:00:00Z`)); });
afterAll(() => ctx.close());

const owner = (memberId: string) => ({ type: 'admin' as const, memberId });
const renew = (orgId: string, asOf?: string, c: TestContext = ctx) => runDueRenewals(c, { orgIds: [orgId], ...(asOf ? { asOf } : {}) });
const renewalInvoices = (orgId: string) => ctx.db.selectFrom('invoices').selectAll().where('org_id', '=', orgId).where('kind', '=', 'renewal').orderBy('seq').execute();

describe('renewal', () => {
  it('carries the allocation at term end (purchases included) into a new term, invoiced for 12 months', async () => {
    today = '2025-03-01';
    const org = await newOrganization(ctx, { termStart: '2025-01-01', seats: { premium: 2, standard: 3 }, prices: { premium: 3000, standard: 2000 } });
    await purchaseSeats(ctx, org.orgId, { seatType: 'premium', quantity: 5 }, owner(org.ownerId), { idempotencyKey: 'p1' });
    today = '2026-01-01';
    const run = await renew(org.orgId);
    expect(run.outcomes).toEqual([expect.objectContaining({
      outcome: 'renewed', previousTerm: { start: '2025-01-01', end: '2026-01-01' }, newTerm: { start: '2026-01-01', end: '2027-01-01' },
      fromPlan: 'team', toPlan: 'team', seats: { premium: 7, standard: 3 }, totalMinor: 12 * (7 * 3000 + 3 * 2000), invoiceNumber: 'INV-000002',
    })]);
    const row = await ctx.db.selectFrom('organizations').selectAll().where('id', '=', org.orgId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ term_start: '2026-01-01', term_end: '2027-01-01', status: 'active', plan: 'team' });
    expect(await seats(ctx, org.orgId)).toMatchObject({ premium: { allocated: 7 }, standard: { allocated: 3 } });
    // Purchases in the new term are prorated over the new term.
    today = '2026-07-01';
    const bought = await purchaseSeats(ctx, org.orgId, { seatType: 'standard', quantity: 1 }, owner(org.ownerId), { idempotencyKey: 'p2' });
    expect(!bought.preview && bought.invoice).toMatchObject({ termStart: '2026-01-01', totalMinor: 6 * 2000 });
  });

  it('is idempotent: a term renews once, however often the check runs', async () => {
    today = '2025-06-01';
    const org = await newOrganization(ctx, { termStart: '2025-01-01' });
    today = '2026-01-02';
    expect((await renew(org.orgId)).outcomes).toHaveLength(1);
    expect((await renew(org.orgId)).outcomes).toHaveLength(0);
    expect((await renew(org.orgId, '2026-01-01')).outcomes).toHaveLength(0);
    expect(await renewalInvoices(org.orgId)).toHaveLength(1);
    expect(await auditActions(ctx, org.orgId, 'subscription.renewed')).toBe(1);
  });

  it('is safe from several processes at once: one renewal, one invoice', async () => {
    today = '2025-06-01';
    const org = await newOrganization(ctx, { termStart: '2025-01-01', seats: { premium: 4, standard: 4 } });
    today = '2026-01-01';
    const others = [1, 2, 3].map(() => openTestContext(() => new Date(`${today}T09:00:00Z`)));
    try {
      const runs = await Promise.all([ctx, ...others].map((c) => renew(org.orgId, undefined, c)));
      expect(runs.flatMap((r) => r.failures)).toEqual([]);
      expect(runs.flatMap((r) => r.outcomes)).toHaveLength(1);
    } finally {
      await Promise.all(others.map((c) => c.close()));
    }
    expect(await renewalInvoices(org.orgId)).toHaveLength(1);
    expect(await seats(ctx, org.orgId)).toMatchObject({ premium: { allocated: 4 }, standard: { allocated: 4 } });
  });

  it('catches up several overdue terms, one invoice each', async () => {
    today = '2025-06-01';
    const org = await newOrganization(ctx, { termStart: '2025-01-01' });
    today = '2027-03-01';
    const run = await renew(org.orgId);
    expect(run.outcomes.map((o) => o.outcome === 'renewed' && o.newTerm.start)).toEqual(['2026-01-01', '2027-01-01']);
    expect((await renewalInvoices(org.orgId)).map((i) => i.term_start)).toEqual(['2026-01-01', '2027-01-01']);
  });

  it('refuses to run ahead of the clock', async () => {
    today = '2025-06-01';
    await expect(runDueRenewals(ctx, { asOf: '2025-06-02' })).rejects.toThrow(/ahead of the clock/);
    await expect(runDueRenewals(ctx, { asOf: '2025-02-30' })).rejects.toThrow(/YYYY-MM-DD/);
  });

  it('keeps the plan minimum: reductions stop at the minimum', async () => {
    today = '2025-06-01';
    const org = await newOrganization(ctx, { plan: 'enterprise', termStart: '2025-01-01', seats: { enterprise: 25 }, prices: { enterprise: 4000 } });
    await scheduleReduction(ctx, org.orgId, { seatType: 'enterprise', quantity: 5 }, owner(org.ownerId));
    await expect(scheduleReduction(ctx, org.orgId, { seatType: 'enterprise', quantity: 1 }, owner(org.ownerId))).rejects.toThrow(/at least 20 seats/);
    today = '2026-01-01';
    expect((await renew(org.orgId)).outcomes[0]).toMatchObject({ seats: { enterprise: 20 }, totalMinor: 20 * 4000 * 12 });
  });

  it('when fewer seats are carried than assigned, the most recently seated plain members wait (pending), admins and owners keep theirs', async () => {
    today = '2025-06-01';
    const org = await newOrganization(ctx, { termStart: '2025-01-01', seats: { premium: 1, standard: 4 } }); // the owner holds premium
    const m1 = await seatedMember(ctx, org.orgId);
    const m2 = await seatedMember(ctx, org.orgId);
    const m3 = await seatedMember(ctx, org.orgId);
    const m4 = await seatedMember(ctx, org.orgId);
    await ctx.db.updateTable('members').set({ role: 'admin' }).where('org_id', '=', org.orgId).where('id', '=', m4).execute();
    const scheduled = await scheduleReduction(ctx, org.orgId, { seatType: 'standard', quantity: 2 }, owner(org.ownerId));
    expect(scheduled.seatsLostByAssignedMembers).toBe(2);
    today = '2026-01-01';
    const [outcome] = (await renew(org.orgId)).outcomes;
    expect(outcome).toMatchObject({ outcome: 'renewed', seats: { premium: 1, standard: 2 }, servedPending: 0 });
    expect(outcome?.outcome === 'renewed' && [...outcome.unseatedMembers].sort()).toEqual([m2, m3].sort());
    for (const id of [m2, m3]) {
      expect(await memberRow(ctx, org.orgId, id)).toMatchObject({ seat_state: 'pending', seat_type: null,
        seat_reason: expect.objectContaining({ kind: 'renewal_shortfall', lostSeatType: 'standard' }) });
    }
    for (const id of [m1, m4, org.ownerId]) expect((await memberRow(ctx, org.orgId, id)).seat_state).toBe('assigned');
    expect(await seats(ctx, org.orgId)).toEqual({ premium: { allocated: 1, assigned: 1 }, standard: { allocated: 2, assigned: 2 } });
    await expectCounterConsistent(ctx, org.orgId);
    // They are served first come first served as soon as seats are bought.
    const bought = await purchaseSeats(ctx, org.orgId, { seatType: 'standard', quantity: 1 }, owner(org.ownerId), { idempotencyKey: 'after-renewal' });
    expect(!bought.preview && bought.servedPending).toBe(1);
  });
});

describe('legacy plans renew as enterprise', () => {
  it.each([
    ['enterprise_seat_based', { premium: 3, standard: 10 }, { premium: 5000, standard: 3000 }, 'standard'],
    ['enterprise_chat_code', { chat_code: 3, chat: 10 }, { chat_code: 5000, chat: 3000 }, 'chat'],
  ])('%s: every assigned seat becomes an enterprise seat; mappings and app roles follow; the minimum applies', async (plan, seatCounts, prices, lower) => {
    today = '2025-06-01';
    const org = await newOrganization(ctx, { plan, termStart: '2025-01-01', seats: seatCounts, prices });
    await ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ roleSeatTypes: { 'Basic.User': lower } }) })
      .where('id', '=', org.orgId).execute();
    const groupId = await addGroup(ctx, org.orgId, `legacy-${lower}`);
    const mappingId = await addMapping(ctx, org.orgId, `legacy-${lower}`, lower);
    const members: string[] = [];
    for (let i = 0; i < 6; i += 1) members.push(await seatedMember(ctx, org.orgId)); // 2 on the top type, 4 on the lower
    await joinGroup(ctx, org.orgId, groupId, members[5]!);
    await ctx.db.insertInto('seat_alert_state').values({ org_id: org.orgId, seat_type: lower, alerting: true }).execute();
    // No reduction can take a legacy organization below enterprise's minimum of 20 at renewal.
    await expect(scheduleReduction(ctx, org.orgId, { seatType: lower, quantity: 1 }, owner(org.ownerId))).rejects.toThrow(/at least 20 seats/);

    today = '2026-01-01';
    const [outcome] = (await renew(org.orgId)).outcomes;
    expect(outcome).toMatchObject({ outcome: 'renewed', fromPlan: plan, toPlan: 'enterprise', seats: { enterprise: 20 }, totalMinor: 20 * 5000 * 12 });
    const row = await ctx.db.selectFrom('organizations').selectAll().where('id', '=', org.orgId).executeTakeFirstOrThrow();
    expect(row.plan).toBe('enterprise');
    expect(row.settings).toMatchObject({ roleSeatTypes: { 'Basic.User': 'enterprise' } });
    expect(await seats(ctx, org.orgId)).toEqual({ enterprise: { allocated: 20, assigned: 7 } }); // 6 members + the owner
    for (const id of [...members, org.ownerId]) {
      expect(await memberRow(ctx, org.orgId, id)).toMatchObject({ seat_state: 'assigned', seat_type: 'enterprise' });
    }
    const mapping = await ctx.db.selectFrom('group_mappings').selectAll().where('org_id', '=', org.orgId).where('id', '=', mappingId).executeTakeFirstOrThrow();
    expect(mapping.seat_type).toBe('enterprise');
    expect(await ctx.db.selectFrom('seat_alert_state').selectAll().where('org_id', '=', org.orgId).execute()).toEqual([]);
    const [invoice] = await renewalInvoices(org.orgId);
    const lines = await ctx.db.selectFrom('invoice_lines').selectAll().where('org_id', '=', org.orgId).where('invoice_id', '=', invoice!.id).execute();
    expect(lines).toEqual([expect.objectContaining({ seat_type: 'enterprise', quantity: 20, unit_price_minor: 5000, whole_months: 12, amount_minor: 1_200_000 })]);
    await expectCounterConsistent(ctx, org.orgId);
    // The organization goes on as an enterprise one.
    const next = await seatedMember(ctx, org.orgId);
    expect((await memberRow(ctx, org.orgId, next)).seat_type).toBe('enterprise');
    today = '2026-02-01';
    await expect(purchaseSeats(ctx, org.orgId, { seatType: lower, quantity: 1 }, owner(org.ownerId), { idempotencyKey: 'x' }))
      .rejects.toThrow(/no seat type .* seat types are enterprise/);
  });

  it('carries more than the minimum as is, at the price of the legacy top seat type', async () => {
    today = '2025-06-01';
    const org = await newOrganization(ctx, { plan: 'enterprise_seat_based', termStart: '2025-01-01', seats: { premium: 10, standard: 25 }, prices: { premium: 6000, standard: 3500 } });
    await scheduleReduction(ctx, org.orgId, { seatType: 'standard', quantity: 5 }, owner(org.ownerId));
    today = '2026-01-01';
    expect((await renew(org.orgId)).outcomes[0]).toMatchObject({ toPlan: 'enterprise', seats: { enterprise: 30 }, totalMinor: 30 * 6000 * 12,
      reductionsApplied: [expect.objectContaining({ seatType: 'standard', requested: 5, applied: 5 })] });
  });
});

describe('operator commands', () => {
  const realToday = toIsoDate(new Date());
  const yearsAgo = (n: number) => `${Number(realToday.slice(0, 4)) - n}${realToday.slice(4)}`.replace('-02-29', '-02-28');

  it('renewals run --as-of settles due terms, and is idempotent', async () => {
    const created = JSON.parse((await cli('org', 'create', '--name', `CLI renew ${Math.random()}`, '--plan', 'team', '--seats', 'premium=2,standard=3',
      '--price', 'premium=1000,standard=500', '--term-start', yearsAgo(1), '--json')).stdout);
    const first = await cli('renewals', 'run', '--as-of', realToday, '--org', created.orgId, '--json');
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(first.stdout)).toMatchObject({ asOf: realToday, failures: [],
      outcomes: [{ orgId: created.orgId, outcome: 'renewed', newTerm: { start: realToday }, totalMinor: 12 * (2 * 1000 + 3 * 500) }] });
    expect(JSON.parse((await cli('renewals', 'run', '--org', created.orgId, '--json')).stdout).outcomes).toEqual([]);
    const future = await cli('renewals', 'run', '--as-of', '9999-01-01', '--json');
    expect(future.code).toBe(1);
    expect(JSON.parse(future.stderr).error.message).toMatch(/ahead of the clock/);
    expect((await cli('renewals', 'run', '--org', created.orgId)).stdout).toMatch(/0 term\(s\) settled/);
  });

  it('changes seats of a sales-assisted organization: purchase (invoiced like the API), reduce, list, cancel', async () => {
    const created = JSON.parse((await cli('org', 'create', '--name', `CLI sales ${Math.random()}`, '--plan', 'team', '--seats', 'premium=2',
      '--price', 'premium=3000', '--billing', 'sales_assisted', '--term-start', realToday, '--json')).stdout);
    const preview = JSON.parse((await cli('seats', 'purchase', '--org', created.orgId, '--type', 'premium', '--count', '5', '--preview', '--json')).stdout);
    expect(preview).toMatchObject({ preview: true, totalMinor: 5 * 3000 * 12 });
    const bought = await cli('seats', 'purchase', '--org', created.orgId, '--type', 'premium', '--count', '5', '--idempotency-key', 'deal-42', '--json');
    expect(bought.code).toBe(0);
    const result = JSON.parse(bought.stdout);
    expect(result).toMatchObject({ replayed: false, seats: { allocated: 7 }, invoice: { totalMinor: 5 * 3000 * 12, lines: [{ wholeMonths: 12 }] } });
    const again = JSON.parse((await cli('seats', 'purchase', '--org', created.orgId, '--type', 'premium', '--count', '5', '--idempotency-key', 'deal-42', '--json')).stdout);
    expect(again).toMatchObject({ replayed: true, invoice: { id: result.invoice.id } });
    expect((await cli('invoices', 'show', '--org', created.orgId, result.invoice.id)).stdout).toContain('INV-000001');

    const reduced = JSON.parse((await cli('seats', 'reduce', '--org', created.orgId, '--type', 'premium', '--count', '3', '--json')).stdout);
    expect(reduced).toMatchObject({ reduction: { status: 'scheduled', quantity: 3 }, projectedRenewalSeats: { premium: 4 } });
    const listed = JSON.parse((await cli('seats', 'reductions', '--org', created.orgId, '--json')).stdout);
    expect(listed.reductions).toHaveLength(1);
    expect((await cli('seats', 'cancel-reduction', '--org', created.orgId, reduced.reduction.id)).code).toBe(0);
    const sub = JSON.parse((await cli('subscription', 'show', '--org', created.orgId, '--json')).stdout);
    expect(sub).toMatchObject({ billingMode: 'sales_assisted', projectedRenewal: { seats: { premium: 7, standard: 0 } } });
    const cancelled = JSON.parse((await cli('subscription', 'cancel', '--org', created.orgId, '--json')).stdout);
    expect(cancelled).toMatchObject({ cancelAtTermEnd: true, atTermEnd: 'ends' });
  });
});
