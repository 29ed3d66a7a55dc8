import { cli } from '../support/cli.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';
import { addMember, auditActions, expectCounterConsistent, memberRow, seatedMember } from '../support/gate.js';

let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(); });
afterAll(() => ctx.close());

describe('seats show / seats set', () => {
  it('refuses to set the allocation of a self-serve organization (it buys and schedules reductions instead)', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 2, standard: 3 } });
    const res = await cli('seats', 'set', '--org', org.orgId, '--type', 'premium', '--count', '1');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/self-serve: add seats with `seats purchase`/);
  });

  it('shows the seat overview as JSON and as a table', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 2, standard: 3 } });
    await seatedMember(ctx, org.orgId);
    const res = await cli('seats', 'show', '--org', org.orgId, '--json');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const shown = JSON.parse(res.stdout);
    expect(shown).toMatchObject({ orgId: org.orgId, plan: 'team', pendingMembers: 0, blockedAttemptsLast30Days: { total: 0 } });
    expect(shown.seatTypes).toEqual([
      expect.objectContaining({ seatType: 'premium', allocated: 2, assigned: 2, free: 0, pending: 0 }),
      expect.objectContaining({ seatType: 'standard', allocated: 3, assigned: 0, free: 3 }),
    ]);
    const human = await cli('seats', 'show', '--org', org.orgId);
    expect(human.stdout).toMatch(/seatType\s+allocated\s+assigned\s+pending\s+free/);
    expect(human.stdout).toMatch(/premium\s+2\s+2\s+0\s+0/);
  });

  it('raises an allocation, serves pending members first-come first-served, and audits it', async () => {
    const org = await newOrganization(ctx, { billingMode: 'sales_assisted', seats: { premium: 1, standard: 0 } }); // the owner takes the seat
    await ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ onNoSeat: 'pending' }) }).where('id', '=', org.orgId).execute();
    const waiting = [];
    for (let i = 0; i < 3; i += 1) {
      const r = await addMember(ctx, org.orgId);
      if (!r.ok) throw new Error('unexpected');
      waiting.push(r.memberId);
    }
    const res = await cli('seats', 'set', '--org', org.orgId, '--type', 'standard', '--count', '2', '--json');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(res.stdout)).toEqual({ seatType: 'standard', before: 0, allocated: 2, assigned: 2, servedPending: 2 });
    expect((await memberRow(ctx, org.orgId, waiting[0]!)).seat_type).toBe('standard');
    expect((await memberRow(ctx, org.orgId, waiting[1]!)).seat_type).toBe('standard');
    expect((await memberRow(ctx, org.orgId, waiting[2]!)).seat_state).toBe('pending');
    expect(await auditActions(ctx, org.orgId, 'seats.allocation_set')).toBe(1);
    const event = await ctx.db.selectFrom('audit_events').selectAll().where('org_id', '=', org.orgId).where('action', '=', 'seats.allocation_set').executeTakeFirstOrThrow();
    expect(event).toMatchObject({ actor: { type: 'operator' }, before: { allocated: 0 }, after: { allocated: 2 }, subject_id: 'standard' });
    await expectCounterConsistent(ctx, org.orgId);

    const human = await cli('seats', 'set', '--org', org.orgId, '--type', 'standard', '--count', '3');
    expect(human.stdout).toMatch(/standard: 2 → 3 seats \(3 assigned, 0 free\)\n1 pending member got a seat/);
  });

  it('lowers an allocation down to the seats assigned, never below', async () => {
    const org = await newOrganization(ctx, { billingMode: 'sales_assisted', seats: { premium: 5, standard: 0 } });
    await seatedMember(ctx, org.orgId);
    await seatedMember(ctx, org.orgId); // 3 premium assigned with the owner
    expect((await cli('seats', 'set', '--org', org.orgId, '--type', 'premium', '--count', '3', '--json')).code).toBe(0);
    const refused = await cli('seats', 'set', '--org', org.orgId, '--type', 'premium', '--count', '2', '--json');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr).error).toEqual({
      code: 'invalid_input', message: expect.stringMatching(/cannot set premium to 2 seats: 3 premium seats are assigned; unassign members first/),
    });
    const human = await cli('seats', 'set', '--org', org.orgId, '--type', 'premium', '--count', '1');
    expect(human).toMatchObject({ code: 1, stderr: expect.stringMatching(/^seatgate: cannot set premium to 1 seats/) });
    expect(JSON.parse((await cli('seats', 'show', '--org', org.orgId, '--json')).stdout).seatTypes[0]).toMatchObject({ allocated: 3, assigned: 3 });
  });

  it.each([
    [['--type', 'gold', '--count', '1'], /no seat type "gold"/],
    [['--type', 'premium', '--count', 'many'], /--count must be a whole number/],
    [['--type', 'premium', '--count', '-1'], /--count must be a whole number|unknown option/],
  ])('fails clearly on %j', async (args, message) => {
    const org = await newOrganization(ctx, { billingMode: 'sales_assisted' });
    const res = await cli('seats', 'set', '--org', org.orgId, ...args);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(message);
  });

  it('refuses an unknown organization and respects the plan minimum', async () => {
    const unknown = await cli('seats', 'show', '--org', '00000000-0000-0000-0000-000000000000', '--json');
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr).error.code).toBe('not_found');
    expect((await cli('seats', 'set', '--org', 'nope', '--type', 'premium', '--count', '1')).code).toBe(1);
    const ent = await newOrganization(ctx, { billingMode: 'sales_assisted', plan: 'enterprise', seats: { enterprise: 20 }, prices: { enterprise: 5000 } });
    const res = await cli('seats', 'set', '--org', ent.orgId, '--type', 'enterprise', '--count', '19');
    expect(res).toMatchObject({ code: 1, stderr: expect.stringMatching(/needs at least 20 seats/) });
  });
});
