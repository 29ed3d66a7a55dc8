// Operator conversions (issue 11): self-serve → sales-assisted, and a legacy plan moved to
// Enterprise before its renewal, with what the invoice says on the day. Use cases on a fixed
// clock, and the CLI as the operator runs it.
import { cli } from '../support/cli.js';
import { scheduleReduction } from '../../src/services/billing/reductions.js';
import { convertBillingMode, migrateLegacyPlan } from '../../src/services/billing/conversions.js';
import { setAllocation } from '../../src/services/seats/admin-seats.js';
import { updateSettings } from '../../src/services/seats/settings.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';
import { addGroup, addMapping, auditActions, expectCounterConsistent, joinGroup, memberRow, seatedMember, seats } from '../support/gate.js';

let ctx: TestContext;
const MARCH_1 = new Date('2026-03-01T09:00:00Z');
beforeAll(() => { ctx = openTestContext(() => MARCH_1); });
afterAll(() => ctx.close());

const operator = { type: 'operator' as const };

describe('a legacy plan migrated to Enterprise before its renewal', () => {
  it('moves every seat, member, mapping and reduction; invoices the day: converted seats free, seats to the minimum prorated', async () => {
    const org = await newOrganization(ctx, {
      plan: 'enterprise_seat_based', seats: { premium: 5, standard: 10 }, prices: { premium: 3000, standard: 2000 }, termStart: '2026-01-01',
    });
    const premium = [await seatedMember(ctx, org.orgId), await seatedMember(ctx, org.orgId), await seatedMember(ctx, org.orgId)];
    const standard = [];
    for (let i = 0; i < 4; i += 1) standard.push(await seatedMember(ctx, org.orgId));
    const group = await addGroup(ctx, org.orgId, 'okta-eng');
    const mapping = await addMapping(ctx, org.orgId, 'okta-eng', 'premium');
    await joinGroup(ctx, org.orgId, group, standard[0]!);
    await updateSettings(ctx, org.orgId, { extraUsage: true, roleSeatTypes: { 'Eng.Premium': 'premium' } }, { type: 'admin', memberId: org.ownerId });

    const result = await migrateLegacyPlan(ctx, org.orgId);
    expect(result).toMatchObject({
      fromPlan: 'enterprise_seat_based', toPlan: 'enterprise', seatType: 'enterprise', monthlyPriceMinor: 3000,
      seats: { before: { premium: 5, standard: 10 }, after: 20, addedToMinimum: 5 },
    });
    // 1 March in a term from 1 January: the SPEC's example — 10 remaining months.
    expect(result.invoice).toMatchObject({ kind: 'migration', number: 'INV-000001', totalMinor: 5 * 3000 * 10 });
    expect(result.invoice.lines).toEqual([
      expect.objectContaining({ seatType: 'enterprise', quantity: 15, unitPriceMinor: 0, amountMinor: 0, periodStart: '2026-03-01', periodEnd: '2027-01-01',
        ruleText: expect.stringMatching(/already paid.*no charge/) }),
      expect.objectContaining({ seatType: 'enterprise', quantity: 5, unitPriceMinor: 3000, amountMinor: 150_000, wholeMonths: 10, partialDays: 0 }),
    ]);
    const stored = await ctx.db.selectFrom('invoices').select(['kind', 'total_minor']).where('org_id', '=', org.orgId).execute();
    expect(stored.map((i) => [i.kind, Number(i.total_minor)])).toEqual([['migration', 150_000]]);

    expect(await seats(ctx, org.orgId)).toEqual({ enterprise: { allocated: 20, assigned: 8 } });
    for (const id of [org.ownerId, ...premium, ...standard]) expect((await memberRow(ctx, org.orgId, id)).seat_type).toBe('enterprise');
    const org2 = await ctx.db.selectFrom('organizations').selectAll().where('id', '=', org.orgId).executeTakeFirstOrThrow();
    expect(org2).toMatchObject({ plan: 'enterprise', term_start: '2026-01-01', term_end: '2027-01-01' });
    expect(org2.settings).toMatchObject({ extraUsage: false, roleSeatTypes: { 'Eng.Premium': 'enterprise' } });
    expect((await ctx.db.selectFrom('group_mappings').select('seat_type').where('org_id', '=', org.orgId).where('id', '=', mapping).executeTakeFirstOrThrow()).seat_type).toBe('enterprise');
    expect(await auditActions(ctx, org.orgId, 'subscription.plan_migrated')).toBe(1);
    await expectCounterConsistent(ctx, org.orgId);

    await expect(migrateLegacyPlan(ctx, org.orgId)).rejects.toThrow(/not a legacy plan/);
  });

  it('with enough seats already, the invoice of the day converts them and charges nothing; the operator may set the new price', async () => {
    const org = await newOrganization(ctx, {
      plan: 'enterprise_chat_code', seats: { chat_code: 10, chat: 15 }, prices: { chat_code: 5000, chat: 2500 }, termStart: '2026-01-01',
    });
    await seatedMember(ctx, org.orgId);
    await scheduleReduction(ctx, org.orgId, { seatType: 'chat', quantity: 2 }, { type: 'admin', memberId: org.ownerId });
    const result = await migrateLegacyPlan(ctx, org.orgId, { monthlyPriceMinor: 4200 });
    expect(await ctx.db.selectFrom('seat_reductions').select(['seat_type', 'quantity', 'status']).where('org_id', '=', org.orgId).execute())
      .toEqual([{ seat_type: 'enterprise', quantity: 2, status: 'scheduled' }]);
    expect(result).toMatchObject({ monthlyPriceMinor: 4200, seats: { after: 25, addedToMinimum: 0 }, invoice: { totalMinor: 0 } });
    expect(result.invoice.lines).toEqual([expect.objectContaining({ quantity: 25, amountMinor: 0 })]);
    expect((await ctx.db.selectFrom('seat_allocations').select('monthly_price_minor').where('org_id', '=', org.orgId).executeTakeFirstOrThrow()).monthly_price_minor)
      .toEqual(4200);
  });

  it('refuses plans that are not legacy', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 1, standard: 1 }, termStart: '2026-01-01' });
    await expect(migrateLegacyPlan(ctx, org.orgId)).rejects.toThrow(/not a legacy plan/);
  });
});

describe('self-serve → sales-assisted', () => {
  it('changes the billing mode without an invoice; the account team then sets the allocation, even downwards', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 3, standard: 5 }, termStart: '2026-01-01' });
    await expect(setAllocation(ctx, org.orgId, 'standard', 2)).rejects.toThrow(/self-serve/);
    const result = await convertBillingMode(ctx, org.orgId, 'sales_assisted', operator);
    expect(result).toMatchObject({ from: 'self_serve', to: 'sales_assisted', invoice: null, note: expect.stringMatching(/no invoice/) });
    expect(await ctx.db.selectFrom('invoices').select('id').where('org_id', '=', org.orgId).execute()).toEqual([]);
    expect(await auditActions(ctx, org.orgId, 'organization.billing_mode_changed')).toBe(1);
    await setAllocation(ctx, org.orgId, 'standard', 2);
    expect((await seats(ctx, org.orgId)).standard).toEqual({ allocated: 2, assigned: 0 });
    await expect(convertBillingMode(ctx, org.orgId, 'sales_assisted', operator)).rejects.toThrow(/already sales_assisted/);
  });
});

describe('CLI', () => {
  it('org convert and org migrate-plan', async () => {
    const real = openTestContext();
    try {
      const team = await newOrganization(real, { seats: { premium: 1, standard: 1 } });
      const converted = await cli('org', 'convert', '--org', team.orgId, '--to', 'sales_assisted', '--json');
      expect(converted).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(converted.stdout)).toMatchObject({ from: 'self_serve', to: 'sales_assisted', invoice: null });
      expect((await cli('org', 'convert', '--org', team.orgId, '--to', 'sales_assisted')).code).toBe(1);
      expect((await cli('org', 'convert', '--org', team.orgId, '--to', 'monthly')).code).toBe(1);
      const refused = await cli('org', 'migrate-plan', '--org', team.orgId);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/not a legacy plan/);

      const legacy = await newOrganization(real, { plan: 'enterprise_seat_based', seats: { premium: 10, standard: 10 }, prices: { premium: 3000, standard: 2000 } });
      const human = await cli('org', 'migrate-plan', '--org', legacy.orgId, '--price', '3500');
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/enterprise_seat_based → enterprise, 20 enterprise seats/);
      expect(human.stdout).toMatch(/invoice INV-\d{6} \(migration\), total 0/);
      expect((await cli('org', 'migrate-plan', '--org', legacy.orgId, '--price', 'lots')).code).toBe(1);

      // The primary owner left: the operator hands ownership on.
      const heir = await seatedMember(real, legacy.orgId);
      const moved = await cli('org', 'transfer-ownership', '--org', legacy.orgId, '--member', heir, '--json');
      expect(moved).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(moved.stdout)).toEqual({ previousPrimaryOwnerId: legacy.ownerId, primaryOwnerId: heir });
      expect((await memberRow(real, legacy.orgId, legacy.ownerId)).role).toBe('owner');
      expect((await cli('org', 'transfer-ownership', '--org', legacy.orgId, '--member', heir)).code).toBe(1);
    } finally {
      await real.close();
    }
  });
});
