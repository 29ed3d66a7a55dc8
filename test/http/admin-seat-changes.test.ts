// Batches of seat changes (issue 11, defect 6) and the one definition of "pending" (defect 5),
// on the real database: the seed's swap in block and pending mode, all-or-nothing refusals with
// a quote, the preview, the queue warning of the manual swap, and concurrency.
import { scheduleReduction } from '../../src/services/billing/reductions.js';
import { runDueRenewals } from '../../src/services/billing/renewals.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { addMember, auditActions, expectCounterConsistent, memberRow, seatedMember, seats } from '../support/gate.js';
import { scimClient, USER_SCHEMA } from '../support/scim.js';
import { as } from './admin-support.js';

const NOW = new Date('2026-03-15T10:00:00Z');
let t: TestApp;
beforeAll(() => { t = openTestApp(() => NOW); });
afterAll(() => t.close());

/** The seed: ten premium seats, all assigned (the owner and nine members), B on standard. */
async function seedOrg(onNoSeat: 'block' | 'pending', standard = 5) {
  const org = await newOrganization(t.ctx, {
    seats: { premium: 10, standard }, termStart: '2026-01-01', prices: { premium: 3000, standard: 2000 }, settings: { onNoSeat },
  });
  const premium: string[] = [];
  for (let i = 0; i < 9; i += 1) premium.push(await seatedMember(t.ctx, org.orgId));
  const b = await seatedMember(t.ctx, org.orgId);
  expect((await memberRow(t.ctx, org.orgId, b)).seat_type).toBe('standard');
  return { org, a: premium[0]!, b, premium };
}

const place = async (orgId: string, id: string) => {
  const row = await memberRow(t.ctx, orgId, id);
  return row.seat_state === 'assigned' ? row.seat_type : row.seat_state;
};

async function fillStandard(orgId: string) {
  const s = await seats(t.ctx, orgId);
  for (let i = s.standard!.assigned; i < s.standard!.allocated; i += 1) await seatedMember(t.ctx, orgId);
}

describe('POST /admin/v1/seat-changes', () => {
  it.each(['block', 'pending'] as const)('does the seed\'s swap in one request in %s mode, with a member waiting', async (mode) => {
    const { org, a, b } = await seedOrg(mode);
    await fillStandard(org.orgId);
    const waiting = mode === 'pending' ? await addMember(t.ctx, org.orgId) : undefined;
    if (waiting && !waiting.ok) throw new Error('unexpected');
    // Sent literally as the article's three steps; A ends on its last target.
    const res = await as(t, org.adminToken).post('/seat-changes', { changes: [
      { memberId: a, seatType: 'unassigned' }, { memberId: b, seatType: 'premium' }, { memberId: a, seatType: 'standard' },
    ] }).expect(200);
    expect(res.body.members.map((m: { id: string; seatType: string }) => [m.id, m.seatType]))
      .toEqual([[b, 'premium'], [a, 'standard']]);
    expect(res.body.changes).toEqual([{ memberId: b, from: 'standard', to: 'premium' }, { memberId: a, from: 'premium', to: 'standard' }]);
    expect(res.body.servedPending).toBe(0);
    expect(await place(org.orgId, a)).toBe('standard');
    expect(await place(org.orgId, b)).toBe('premium');
    if (waiting?.ok) expect(await place(org.orgId, waiting.memberId)).toBe('pending');
    expect(await auditActions(t.ctx, org.orgId, 'seat.batch_applied')).toBe(1);
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('the three-step manual swap in pending mode warns that the freed seat went to the queue', async () => {
    const { org, a, b } = await seedOrg('pending');
    await fillStandard(org.orgId);
    const waiting = await addMember(t.ctx, org.orgId);
    if (!waiting.ok) throw new Error('unexpected');
    const api = as(t, org.adminToken);
    const step1 = await api.put(`/members/${a}/seat`, { seatType: 'unassigned' }).expect(200);
    expect(step1.body).toMatchObject({ id: a, seatState: 'unassigned' });
    expect(step1.body.warnings).toEqual([expect.objectContaining({ code: 'seat_went_to_queue', seatType: 'premium', memberIds: [waiting.memberId] })]);
    expect(step1.body.warnings[0].message).toMatch(/seat-changes/);
    await api.put(`/members/${b}/seat`, { seatType: 'premium' }).expect(409); // the seat is gone
    const quiet = await api.put(`/members/${b}/seat`, { seatType: 'standard' }).expect(200);
    expect(quiet.body.warnings).toEqual([]);
  });

  it('refuses, changing nothing, when the batch as a whole needs seats, with the quote for the shortfall', async () => {
    const { org, premium } = await seedOrg('block', 10);
    const s1 = await seatedMember(t.ctx, org.orgId);
    const s2 = await seatedMember(t.ctx, org.orgId);
    const before = await seats(t.ctx, org.orgId);
    const res = await as(t, org.adminToken).post('/seat-changes', { changes: [
      { memberId: premium[1], seatType: 'unassigned' }, { memberId: s1, seatType: 'premium' }, { memberId: s2, seatType: 'premium' },
    ] }).expect(409);
    // 15 March 2026 in a term from 1 January: 9 whole months and 17 of 31 days of March.
    expect(res.body.error).toMatchObject({
      code: 'no_seat_available', message: expect.stringMatching(/premium/),
      quote: { seatType: 'premium', quantity: 1, currency: 'USD', periodStart: '2026-03-15', periodEnd: '2027-01-01' },
      shortfall: [{ seatType: 'premium', needed: 1 }],
    });
    expect(res.body.error.quote.amountMinor).toBeGreaterThan(0);
    expect(await seats(t.ctx, org.orgId)).toEqual(before);
    expect(await place(org.orgId, premium[1]!)).toBe('premium');
    expect(await auditActions(t.ctx, org.orgId, 'seat.refused')).toBe(1);
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('serves pending members after the commit from the seats the batch left free', async () => {
    const { org, premium } = await seedOrg('pending');
    await fillStandard(org.orgId);
    const w1 = await addMember(t.ctx, org.orgId);
    const w2 = await addMember(t.ctx, org.orgId);
    if (!w1.ok || !w2.ok) throw new Error('unexpected');
    const res = await as(t, org.adminToken).post('/seat-changes', { changes: [
      { memberId: premium[1], seatType: 'unassigned' }, { memberId: premium[2], seatType: 'unassigned' },
    ] }).expect(200);
    expect(res.body.servedPending).toBe(2);
    expect(res.body.warnings).toEqual([expect.objectContaining({ code: 'seat_went_to_queue', seatType: 'premium' })]);
    expect(await place(org.orgId, w1.memberId)).toBe('premium');
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('answers 400, 403 and 404 for bad batches, changing nothing', async () => {
    const { org, a, b } = await seedOrg('block');
    const api = as(t, org.adminToken);
    await api.post('/seat-changes', { changes: [] }).expect(400);
    await api.post('/seat-changes', {}).expect(400);
    await api.post('/seat-changes', { changes: [{ memberId: a }] }).expect(400);
    const badType = await api.post('/seat-changes', { changes: [{ memberId: b, seatType: 'premium' }, { memberId: a, seatType: 'gold' }] }).expect(400);
    expect(badType.body.error.message).toMatch(/gold/);
    await api.post('/seat-changes', { changes: [{ memberId: '00000000-0000-4000-8000-000000000000', seatType: 'premium' }] }).expect(404);
    await api.post('/seat-changes', { changes: [{ memberId: 'nope', seatType: 'premium' }] }).expect(404);
    const other = await newOrganization(t.ctx, { seats: { premium: 1, standard: 1 } });
    await api.post('/seat-changes', { changes: [{ memberId: other.ownerId, seatType: 'standard' }] }).expect(404); // another tenant's member
    expect(await place(org.orgId, a)).toBe('premium');
    expect(await place(org.orgId, b)).toBe('standard');

    // A member the IdP deactivated gets no seat from a batch, but may be held unassigned.
    const scim = scimClient(t.app, org.scimToken);
    await scim.patch(`/Users/${b}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] }).expect(204);
    expect((await api.post('/seat-changes', { changes: [{ memberId: b, seatType: 'premium' }] }).expect(400)).body.error.message).toMatch(/deactivated/);
    await api.post('/seat-changes', { changes: [{ memberId: b, seatType: 'unassigned' }] }).expect(200);
    await scim.patch(`/Users/${b}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: true }] }).expect(204);
    expect(await place(org.orgId, b)).toBe('unassigned');
    await expectCounterConsistent(t.ctx, org.orgId);
  });
});

describe('POST /admin/v1/seat-changes/dry-run', () => {
  it('says whether the batch would apply, what would move and what is missing, changing nothing', async () => {
    const { org, a, b, premium } = await seedOrg('block', 10);
    const before = await seats(t.ctx, org.orgId);
    const api = as(t, org.adminToken);
    const ok = await api.post('/seat-changes/dry-run', { changes: [{ memberId: a, seatType: 'standard' }, { memberId: b, seatType: 'premium' }] }).expect(200);
    expect(ok.body).toEqual({ ok: true, changes: [{ memberId: a, from: 'premium', to: 'standard' }, { memberId: b, from: 'standard', to: 'premium' }], quote: null, shortfall: [] });
    const s1 = await seatedMember(t.ctx, org.orgId);
    const short = await api.post('/seat-changes/dry-run', { changes: [{ memberId: b, seatType: 'premium' }, { memberId: s1, seatType: 'premium' }] }).expect(200);
    expect(short.body).toMatchObject({ ok: false, quote: { seatType: 'premium', quantity: 2 }, shortfall: [{ seatType: 'premium', needed: 2 }] });
    expect(await seats(t.ctx, org.orgId)).toEqual({ ...before, standard: { ...before.standard!, assigned: before.standard!.assigned + 1 } });
    expect(await place(org.orgId, a)).toBe('premium');
    expect(await place(org.orgId, premium[3]!)).toBe('premium');
    expect(await auditActions(t.ctx, org.orgId, 'seat.refused')).toBe(0);
    expect(await auditActions(t.ctx, org.orgId, 'seat.batch_applied')).toBe(0);
  });
});

describe('concurrency', () => {
  it('parallel batches never exceed the allocation, and opposite swaps do not deadlock', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 6, standard: 20 }, termStart: '2026-01-01' });
    const premium: string[] = [];
    for (let i = 0; i < 2; i += 1) premium.push(await seatedMember(t.ctx, org.orgId)); // owner + 2: 3 premium free
    const standard: string[] = [];
    for (let i = 0; i < 3; i += 1) premium.push(await seatedMember(t.ctx, org.orgId)); // premium full now
    for (let i = 0; i < 12; i += 1) standard.push(await seatedMember(t.ctx, org.orgId));
    await as(t, org.adminToken).post('/seat-changes', { changes: premium.slice(2).map((memberId) => ({ memberId, seatType: 'unassigned' })) }).expect(200);
    // 3 premium free; 12 batches each want one.
    const upgrades = await Promise.all(standard.slice(0, 12).map((memberId) =>
      as(t, org.adminToken).post('/seat-changes', { changes: [{ memberId, seatType: 'premium' }] })));
    expect(upgrades.filter((r) => r.status === 200)).toHaveLength(3);
    expect(upgrades.filter((r) => r.status === 409)).toHaveLength(9);
    await expectCounterConsistent(t.ctx, org.orgId);
    expect((await seats(t.ctx, org.orgId)).premium).toEqual({ allocated: 6, assigned: 6 });

    // Premium full: swaps in opposite directions, at once, all succeed.
    const up = standard.filter((_, i) => upgrades[i]!.status === 200);
    const down = standard.filter((_, i) => upgrades[i]!.status === 409);
    const swaps = await Promise.all(up.map((p, i) => as(t, org.adminToken).post('/seat-changes', { changes: [
      { memberId: p, seatType: 'standard' }, { memberId: down[i]!, seatType: 'premium' },
    ] })));
    expect(swaps.map((r) => r.status)).toEqual([200, 200, 200]);
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('a swap with every seat taken succeeds while concurrent SCIM creates find no seat to steal', async () => {
    const { org, a, b } = await seedOrg('block', 3);
    await fillStandard(org.orgId);
    const scim = scimClient(t.app, org.scimToken);
    const [swap, ...creates] = await Promise.all([
      as(t, org.adminToken).post('/seat-changes', { changes: [{ memberId: a, seatType: 'standard' }, { memberId: b, seatType: 'premium' }] }),
      ...Array.from({ length: 6 }, (_, i) => scim.post('/Users', { schemas: [USER_SCHEMA], userName: `racer${i}@example.test`, active: true })),
    ]);
    expect(swap.status).toBe(200);
    expect(creates.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403]);
    expect(await place(org.orgId, a)).toBe('standard');
    expect(await place(org.orgId, b)).toBe('premium');
    await expectCounterConsistent(t.ctx, org.orgId);
  });
});

describe('one definition of pending (defect 5)', () => {
  it('counts members unseated by a renewal shortfall under the seat types, in GET /seats and /seats/utilization alike', async () => {
    const org = await newOrganization(t.ctx, { plan: 'enterprise', seats: { enterprise: 21 }, prices: { enterprise: 4000 }, termStart: '2025-03-20' });
    for (let i = 0; i < 20; i += 1) await seatedMember(t.ctx, org.orgId);
    await scheduleReduction(t.ctx, org.orgId, { seatType: 'enterprise', quantity: 1 }, { type: 'admin', memberId: org.ownerId });
    const run = await runDueRenewals({ ...t.ctx, now: () => new Date('2026-03-21T08:00:00Z') }, { orgIds: [org.orgId] });
    expect(run.outcomes).toEqual([expect.objectContaining({ outcome: 'renewed', seats: { enterprise: 20 } })]);
    const overview = await as(t, org.adminToken).get('/seats').expect(200);
    expect(overview.body.pendingMembers).toBe(1);
    expect(overview.body.seatTypes).toEqual([expect.objectContaining({ seatType: 'enterprise', allocated: 20, assigned: 20, pending: 1, free: 0 })]);
    const pendingList = await as(t, org.adminToken).get('/members?seatState=pending').expect(200);
    expect(pendingList.body.members).toEqual([expect.objectContaining({ seatReason: expect.objectContaining({ kind: 'renewal_shortfall' }) })]);
    const utilization = await as(t, org.adminToken).get('/seats/utilization').expect(200);
    expect(utilization.body).toMatchObject({ pending: 1, seatTypes: [expect.objectContaining({ seatType: 'enterprise', pending: 1, utilization: 1 })] });
  });

  it('counts a recorded wish under its types only, and blocked attempts the same way in both views', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 1, standard: 1 }, termStart: '2026-01-01', settings: { onNoSeat: 'pending' } });
    await seatedMember(t.ctx, org.orgId);
    await addMember(t.ctx, org.orgId); // waits for premium or standard
    const overview = await as(t, org.adminToken).get('/seats').expect(200);
    expect(overview.body.seatTypes.map((s: { pending: number }) => s.pending)).toEqual([1, 1]);
    const utilization = await as(t, org.adminToken).get('/seats/utilization').expect(200);
    expect(utilization.body.seatTypes.map((s: { pending: number }) => s.pending)).toEqual([1, 1]);
    expect(utilization.body.blockedThisTerm).toBe(overview.body.blockedAttemptsLast30Days.total);
  });
});
