// Reductions scheduled for the renewal, cancellation and resumption, through the admin API.
import request from 'supertest';
import { DomainError } from '../../src/domain/errors.js';
import { runDueRenewals } from '../../src/services/billing/renewals.js';
import { assertOrgWritable, checkOrgWritable } from '../../src/services/billing/subscription.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { addMember, auditActions, seats } from '../support/gate.js';

let today = '2025-06-01';
let t: TestApp;
beforeAll(() => { t = openTestApp(() => new Date(`${today}T08:00:00Z`)); });
afterAll(() => t.close());

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const reduce = (token: string, body: object) => request(t.app).post('/admin/v1/seats/reductions').set(bearer(token)).send(body);

describe('seat reductions', () => {
  it('schedules a reduction for the term end without lowering the allocation, lists it and cancels it', async () => {
    today = '2025-06-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01', seats: { premium: 5, standard: 5 } });
    const res = await reduce(org.adminToken, { seatType: 'standard', quantity: 2 }).expect(201);
    expect(res.body).toMatchObject({
      reduction: { seatType: 'standard', quantity: 2, effectiveOn: '2026-01-01', status: 'scheduled', appliedQuantity: null },
      projectedRenewalSeats: { premium: 5, standard: 3 }, seatsLostByAssignedMembers: 0,
    });
    expect((await seats(t.ctx, org.orgId)).standard!.allocated).toBe(5);
    const list = await request(t.app).get('/admin/v1/seats/reductions').set(bearer(org.adminToken)).expect(200);
    expect(list.body.reductions).toHaveLength(1);
    const sub = await request(t.app).get('/admin/v1/subscription').set(bearer(org.adminToken)).expect(200);
    expect(sub.body).toMatchObject({ atTermEnd: 'renews', projectedRenewal: { termStart: '2026-01-01', seats: { premium: 5, standard: 3 },
      totalMinor: 12 * (5 * 3000 + 3 * 2000) } });
    const id = res.body.reduction.id as string;
    const cancelled = await request(t.app).delete(`/admin/v1/seats/reductions/${id}`).set(bearer(org.adminToken)).expect(200);
    expect(cancelled.body).toMatchObject({ id, status: 'cancelled' });
    await request(t.app).delete(`/admin/v1/seats/reductions/${id}`).set(bearer(org.adminToken)).expect(404);
    expect((await request(t.app).get('/admin/v1/seats/reductions').set(bearer(org.adminToken))).body.reductions).toHaveLength(0);
    expect((await request(t.app).get('/admin/v1/seats/reductions?all=true').set(bearer(org.adminToken))).body.reductions).toHaveLength(1);
    expect(await auditActions(t.ctx, org.orgId, 'seats.reduction_scheduled')).toBe(1);
    expect(await auditActions(t.ctx, org.orgId, 'seats.reduction_cancelled')).toBe(1);
  });

  it('never schedules below 0 seats of a type', async () => {
    today = '2025-06-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01', seats: { premium: 5, standard: 5 } });
    const tooMany = await reduce(org.adminToken, { seatType: 'standard', quantity: 6 }).expect(400);
    expect(tooMany.body.error).toMatchObject({ details: { reason: 'reduction_too_large', allowed: 5 } });
    await reduce(org.adminToken, { seatType: 'standard', quantity: 3 }).expect(201);
    const second = await reduce(org.adminToken, { seatType: 'standard', quantity: 3 }).expect(400);
    expect(second.body.error.message).toMatch(/at most 2 more standard seats.*3 already scheduled/);
  });

  it('never schedules below the plan minimum (enterprise: 20 seats)', async () => {
    today = '2025-06-01';
    const org = await newOrganization(t.ctx, { plan: 'enterprise', termStart: '2025-01-01', seats: { enterprise: 22 }, prices: { enterprise: 4000 } });
    const res = await reduce(org.adminToken, { seatType: 'enterprise', quantity: 3 }).expect(400);
    expect(res.body.error.message).toMatch(/enterprise needs at least 20 seats at renewal; at most 2 more seats can be removed/);
    await reduce(org.adminToken, { seatType: 'enterprise', quantity: 2 }).expect(201);
    await reduce(org.adminToken, { seatType: 'enterprise', quantity: 1 }).expect(400);
  });

  it('is applied at renewal: the new term carries the allocation less the reduction, invoiced for 12 months', async () => {
    today = '2025-06-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01', seats: { premium: 5, standard: 5 } });
    await reduce(org.adminToken, { seatType: 'standard', quantity: 2 }).expect(201);
    today = '2025-12-31';
    expect((await runDueRenewals(t.ctx, { orgIds: [org.orgId] })).outcomes.filter((o) => o.orgId === org.orgId)).toHaveLength(0);
    today = '2026-01-01';
    const run = await runDueRenewals(t.ctx, { orgIds: [org.orgId] });
    expect(run.outcomes.find((o) => o.orgId === org.orgId)).toMatchObject({ outcome: 'renewed', seats: { premium: 5, standard: 3 } });
    expect(await seats(t.ctx, org.orgId)).toMatchObject({ premium: { allocated: 5 }, standard: { allocated: 3 } });
    const all = await request(t.app).get('/admin/v1/seats/reductions?all=1').set(bearer(org.adminToken)).expect(200);
    expect(all.body.reductions).toMatchObject([{ status: 'applied', appliedQuantity: 2 }]);
    const invoices = await request(t.app).get('/admin/v1/invoices').set(bearer(org.adminToken)).expect(200);
    expect(invoices.body.invoices[0]).toMatchObject({
      kind: 'renewal', termStart: '2026-01-01', termEnd: '2027-01-01', totalMinor: 12 * (5 * 3000 + 3 * 2000),
      lines: [
        { seatType: 'premium', quantity: 5, wholeMonths: 12, periodStart: '2026-01-01', periodEnd: '2027-01-01', amountMinor: 180000 },
        { seatType: 'standard', quantity: 3, wholeMonths: 12, amountMinor: 72000 },
      ],
    });
  });
});

describe('cancellation', () => {
  it('keeps access until the term end; afterwards the organization has ended and everything is refused', async () => {
    today = '2025-06-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01', seats: { premium: 5, standard: 5 } });
    const cancelled = await request(t.app).post('/admin/v1/subscription/cancel').set(bearer(org.adminToken)).expect(200);
    expect(cancelled.body).toMatchObject({ cancelAtTermEnd: true, atTermEnd: 'ends', status: 'active', projectedRenewal: null });
    // Until the term end: everything still works.
    expect(await addMember(t.ctx, org.orgId)).toMatchObject({ ok: true, admission: { outcome: 'assigned' } });
    await expect(assertOrgWritable(t.ctx, org.orgId)).resolves.toBeUndefined();
    await request(t.app).post('/admin/v1/seats/purchases').set(bearer(org.adminToken)).set('Idempotency-Key', `k-${org.orgId}`)
      .send({ seatType: 'standard', quantity: 1 }).expect(201);
    today = '2025-12-31';
    await expect(assertOrgWritable(t.ctx, org.orgId)).resolves.toBeUndefined();

    // From the term end: writes are refused at once, even before the periodic check ran…
    today = '2026-01-01';
    expect(await checkOrgWritable(t.ctx, org.orgId)).toMatchObject({ writable: false, reason: 'ended', endedOn: '2026-01-01' });
    const error = await assertOrgWritable(t.ctx, org.orgId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'org_inactive' });
    // …and the check ends it: the gate refuses everything.
    const run = await runDueRenewals(t.ctx, { orgIds: [org.orgId] });
    expect(run.outcomes.find((o) => o.orgId === org.orgId)).toEqual({ orgId: org.orgId, outcome: 'ended', termEnd: '2026-01-01', reason: 'cancelled' });
    expect(await addMember(t.ctx, org.orgId)).toMatchObject({ ok: false, admission: { cause: 'org_inactive' } });
    const bought = await request(t.app).post('/admin/v1/seats/purchases').set(bearer(org.adminToken)).set('Idempotency-Key', 'after-end')
      .send({ seatType: 'standard', quantity: 1 }).expect(403);
    expect(bought.body.error).toMatchObject({ code: 'org_inactive' });
    await request(t.app).post('/admin/v1/subscription/resume').set(bearer(org.adminToken)).expect(403);
    expect(await t.ctx.db.selectFrom('invoices').select('kind').where('org_id', '=', org.orgId).where('kind', '=', 'renewal').execute()).toHaveLength(0);
    // Running again changes nothing.
    expect((await runDueRenewals(t.ctx, { orgIds: [org.orgId] })).outcomes.find((o) => o.orgId === org.orgId)).toBeUndefined();
    expect(await auditActions(t.ctx, org.orgId, 'subscription.ended')).toBe(1);
  });

  it('can be resumed before the term end, and then renews', async () => {
    today = '2025-06-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01' });
    await request(t.app).post('/admin/v1/subscription/cancel').set(bearer(org.adminToken)).expect(200);
    await request(t.app).post('/admin/v1/subscription/cancel').set(bearer(org.adminToken)).expect(200); // idempotent
    const resumed = await request(t.app).post('/admin/v1/subscription/resume').set(bearer(org.adminToken)).expect(200);
    expect(resumed.body).toMatchObject({ cancelAtTermEnd: false, atTermEnd: 'renews' });
    expect(await auditActions(t.ctx, org.orgId, 'subscription.cancelled')).toBe(1);
    expect(await auditActions(t.ctx, org.orgId, 'subscription.resumed')).toBe(1);
    today = '2026-01-01';
    expect((await runDueRenewals(t.ctx, { orgIds: [org.orgId] })).outcomes.find((o) => o.orgId === org.orgId)).toMatchObject({ outcome: 'renewed' });
  });

  it('settles a due term first: cancelling after an auto-renewing term ended cancels the new term', async () => {
    today = '2025-06-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01' });
    today = '2026-01-05'; // the term ended; the periodic check has not run yet
    const res = await request(t.app).post('/admin/v1/subscription/cancel').set(bearer(org.adminToken)).expect(200);
    expect(res.body).toMatchObject({ termStart: '2026-01-01', termEnd: '2027-01-01', cancelAtTermEnd: true, status: 'active' });
    expect(await auditActions(t.ctx, org.orgId, 'subscription.renewed')).toBe(1);
  });

  it('ends organizations that do not auto-renew', async () => {
    today = '2025-06-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01', autoRenew: false });
    const sub = await request(t.app).get('/admin/v1/subscription').set(bearer(org.adminToken)).expect(200);
    expect(sub.body).toMatchObject({ autoRenew: false, atTermEnd: 'ends' });
    today = '2026-01-01';
    expect((await runDueRenewals(t.ctx, { orgIds: [org.orgId] })).outcomes.find((o) => o.orgId === org.orgId)).toMatchObject({ outcome: 'ended', reason: 'not_auto_renewing' });
    expect(await addMember(t.ctx, org.orgId)).toMatchObject({ ok: false, admission: { cause: 'org_inactive' } });
  });
});
