// Buying seats through the admin API (SPEC §5), on a fake clock.
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { describeProrationRule } from '../../src/domain/billing/index.js';
import { createCredential } from '../../src/services/access/credentials.js';
import { insertMember } from '../../src/storage/members.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { addMember, auditActions, expectCounterConsistent, memberRow, seats } from '../support/gate.js';

let today = '2025-03-01';
let t: TestApp;
beforeAll(() => { t = openTestApp(() => new Date(`${today}T10:30:00Z`)); });
afterAll(() => t.close());

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
let keyCounter = 0;
const newKey = () => `key-${process.pid}-${++keyCounter}-${Math.random().toString(36).slice(2)}`;

async function memberToken(orgId: string, role: 'owner' | 'admin'): Promise<string> {
  const memberId = await insertMember(t.ctx.db, {
    orgId, userName: `${role}-${Math.random().toString(36).slice(2)}@example.test`, externalId: null, role,
    seatState: 'unassigned', seatType: null, seatReason: {}, source: 'admin', attributes: {},
  });
  return (await createCredential(t.ctx, { orgId, kind: 'admin', memberId })).token;
}

const buy = (token: string, body: unknown, key: string | null = newKey()) => {
  const req = request(t.app).post('/admin/v1/seats/purchases').set(bearer(token));
  if (key !== null) req.set('Idempotency-Key', key);
  return req.send(body as object);
};

describe('POST /admin/v1/seats/purchases', () => {
  it('invoices the worked example exactly: term 1 January, 5 seats added on 1 March = 5 × price × 10', async () => {
    today = '2025-03-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01', seats: { premium: 100, standard: 0 }, prices: { premium: 3000, standard: 2000 } });
    const res = await buy(org.adminToken, { seatType: 'premium', quantity: 5 }).expect(201);
    expect(res.body).toMatchObject({
      preview: false, replayed: false, servedPending: 0,
      seats: { seatType: 'premium', allocated: 105, assigned: 1, free: 104 },
      invoice: {
        kind: 'purchase', currency: 'USD', number: 'INV-000001', totalMinor: 5 * 3000 * 10, termStart: '2025-01-01', termEnd: '2026-01-01',
        issuedAt: '2025-03-01T10:30:00.000Z',
        lines: [{ seatType: 'premium', quantity: 5, unitPriceMinor: 3000, periodStart: '2025-03-01', periodEnd: '2026-01-01',
          wholeMonths: 10, partialDays: 0, partialMonthDays: 0, amountMinor: 150000 }],
      },
    });
    expect(res.body.invoice.lines[0].ruleText).toBe('5 seats × 3000 per month × 10 months from 2025-03-01 to 2026-01-01 (exclusive) = 150000');
    expect((await seats(t.ctx, org.orgId)).premium).toEqual({ allocated: 105, assigned: 1 });
    expect(await auditActions(t.ctx, org.orgId, 'seats.purchased')).toBe(1);
    // The invoice is stored and readable by the owner.
    const stored = await request(t.app).get(`/admin/v1/invoices/${res.body.invoice.id}`).set(bearer(org.adminToken)).expect(200);
    expect(stored.body).toEqual(res.body.invoice);
  });

  it('prorates a mid-month purchase by whole months plus the days left of the current term month', async () => {
    today = '2025-03-15';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01', prices: { premium: 3100, standard: 2000 } });
    const res = await buy(org.adminToken, { seatType: 'premium', quantity: 1 }).expect(201);
    // 9 whole months (April … December) + 17/31 of March: 3100 × (9 + 17/31) = 27900 + 1700.
    expect(res.body.invoice.lines[0]).toMatchObject({ wholeMonths: 9, partialDays: 17, partialMonthDays: 31, amountMinor: 29600 });
  });

  it('charges one day of the last term month for a purchase on the last day of the term', async () => {
    today = '2025-12-31';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01', prices: { premium: 3100, standard: 2000 } });
    const res = await buy(org.adminToken, { seatType: 'standard', quantity: 2 }).expect(201);
    expect(res.body.invoice.lines[0]).toMatchObject({
      periodStart: '2025-12-31', periodEnd: '2026-01-01', wholeMonths: 0, partialDays: 1, partialMonthDays: 31,
      amountMinor: Math.round((2 * 2000) / 31), // 129.03… → 129
    });
    expect(res.body.invoice.lines[0].ruleText).toContain('rounded half up');
  });

  it('serves pending members at once, first come first served, in the same transaction', async () => {
    today = '2025-06-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01', seats: { premium: 1, standard: 0 } }); // the owner holds the only seat
    await t.ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ onNoSeat: 'pending' }) }).where('id', '=', org.orgId).execute();
    const first = await addMember(t.ctx, org.orgId);
    const second = await addMember(t.ctx, org.orgId);
    const third = await addMember(t.ctx, org.orgId);
    for (const r of [first, second, third]) expect(r).toMatchObject({ ok: true, admission: { outcome: 'pending' } });
    const res = await buy(org.adminToken, { seatType: 'standard', quantity: 2 }).expect(201);
    expect(res.body.servedPending).toBe(2);
    expect(res.body.seats).toEqual({ seatType: 'standard', allocated: 2, assigned: 2, free: 0 });
    if (!first.ok || !second.ok || !third.ok) throw new Error('unexpected');
    expect(await memberRow(t.ctx, org.orgId, first.memberId)).toMatchObject({ seat_state: 'assigned', seat_type: 'standard', seat_reason: expect.objectContaining({ trigger: 'seats_added' }) });
    expect(await memberRow(t.ctx, org.orgId, second.memberId)).toMatchObject({ seat_state: 'assigned', seat_type: 'standard' });
    expect(await memberRow(t.ctx, org.orgId, third.memberId)).toMatchObject({ seat_state: 'pending' });
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('is idempotent: the same key and body return the same invoice and change the allocation once', async () => {
    today = '2025-03-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01' });
    const key = newKey();
    const body = { seatType: 'premium', quantity: 3 };
    const first = await buy(org.adminToken, body, key).expect(201);
    const retry = await buy(org.adminToken, body, key).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toMatchObject({ replayed: true, invoice: first.body.invoice });
    // Concurrent retries: still one purchase.
    const burst = await Promise.all([1, 2, 3, 4].map(() => buy(org.adminToken, body, key)));
    for (const res of burst) expect(res.body.invoice.id).toBe(first.body.invoice.id);
    expect((await seats(t.ctx, org.orgId)).premium!.allocated).toBe(5);
    const list = await request(t.app).get('/admin/v1/invoices').set(bearer(org.adminToken)).expect(200);
    expect(list.body.total).toBe(1);
    expect(await auditActions(t.ctx, org.orgId, 'seats.purchased')).toBe(1);
  });

  it('refuses a reused key with a different body (409) and requires a key', async () => {
    today = '2025-03-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01' });
    const key = newKey();
    const first = await buy(org.adminToken, { seatType: 'premium', quantity: 1 }, key).expect(201);
    const reused = await buy(org.adminToken, { seatType: 'premium', quantity: 2 }, key).expect(409);
    expect(reused.body.error).toMatchObject({ code: 'conflict', details: { reason: 'idempotency_key_reused', invoiceId: first.body.invoice.id } });
    expect(reused.body.error.message).toMatch(/different purchase/);
    const missing = await buy(org.adminToken, { seatType: 'premium', quantity: 1 }, null).expect(400);
    expect(missing.body.error.details.reason).toBe('idempotency_key_required');
    expect((await seats(t.ctx, org.orgId)).premium!.allocated).toBe(3);
  });

  it('previews the exact charge without changing anything', async () => {
    today = '2025-03-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01', seats: { premium: 1, standard: 0 } });
    await t.ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ onNoSeat: 'pending' }) }).where('id', '=', org.orgId).execute();
    const waiting = await addMember(t.ctx, org.orgId);
    const before = await seats(t.ctx, org.orgId);
    const auditBefore = await t.ctx.db.selectFrom('audit_events').select('id').where('org_id', '=', org.orgId).execute();
    const res = await request(t.app).post('/admin/v1/seats/purchases?preview=true').set(bearer(org.adminToken))
      .send({ seatType: 'premium', quantity: 5 }).expect(200);
    expect(res.body).toMatchObject({
      preview: true, seatType: 'premium', quantity: 5, purchaseDate: '2025-03-01', currency: 'USD', totalMinor: 150000,
      line: { wholeMonths: 10, amountMinor: 150000 }, seats: { allocated: 6 }, wouldServePending: 1,
    });
    expect(await seats(t.ctx, org.orgId)).toEqual(before);
    expect(await t.ctx.db.selectFrom('invoices').select('id').where('org_id', '=', org.orgId).execute()).toHaveLength(0);
    expect(await t.ctx.db.selectFrom('audit_events').select('id').where('org_id', '=', org.orgId).execute()).toHaveLength(auditBefore.length);
    if (waiting.ok) expect((await memberRow(t.ctx, org.orgId, waiting.memberId)).seat_state).toBe('pending');
    // The preview and the purchase agree to the minor unit.
    const bought = await buy(org.adminToken, { seatType: 'premium', quantity: 5 }).expect(201);
    expect(bought.body.invoice.totalMinor).toBe(res.body.totalMinor);
    expect(bought.body.invoice.number).toBe('INV-000001');
  });

  it('lets owners buy, and refuses admins (403) for purchases, previews, invoices, reductions and the subscription', async () => {
    today = '2025-03-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01' });
    const admin = await memberToken(org.orgId, 'admin');
    const owner = await memberToken(org.orgId, 'owner');
    await buy(owner, { seatType: 'standard', quantity: 1 }).expect(201);
    const refused = await buy(admin, { seatType: 'standard', quantity: 1 }).expect(403);
    expect(refused.body.error.code).toBe('forbidden');
    await request(t.app).post('/admin/v1/seats/purchases?preview=true').set(bearer(admin)).send({ seatType: 'standard', quantity: 1 }).expect(403);
    await request(t.app).get('/admin/v1/invoices').set(bearer(admin)).expect(403);
    await request(t.app).post('/admin/v1/seats/reductions').set(bearer(admin)).send({ seatType: 'standard', quantity: 1 }).expect(403);
    await request(t.app).post('/admin/v1/subscription/cancel').set(bearer(admin)).expect(403);
    await request(t.app).get('/admin/v1/seats/utilization').set(bearer(admin)).expect(200); // monitoring is for admins
    expect((await seats(t.ctx, org.orgId)).standard!.allocated).toBe(4);
  });

  it('refuses sales-assisted organizations: seats change through their account team', async () => {
    today = '2025-03-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01', billingMode: 'sales_assisted' });
    for (const req of [
      buy(org.adminToken, { seatType: 'premium', quantity: 1 }),
      request(t.app).post('/admin/v1/seats/purchases?preview=true').set(bearer(org.adminToken)).send({ seatType: 'premium', quantity: 1 }),
      request(t.app).post('/admin/v1/seats/reductions').set(bearer(org.adminToken)).send({ seatType: 'premium', quantity: 1 }),
      request(t.app).post('/admin/v1/subscription/cancel').set(bearer(org.adminToken)),
    ]) {
      const res = await req.expect(403);
      expect(res.body.error.message).toMatch(/account team/);
    }
    expect((await seats(t.ctx, org.orgId)).premium!.allocated).toBe(2);
  });

  it('validates the request and the seat type', async () => {
    today = '2025-03-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01' });
    for (const body of [{ seatType: 'premium', quantity: 0 }, { seatType: 'premium', quantity: -3 }, { seatType: 'premium', quantity: 1.5 },
      { seatType: 'premium' }, { quantity: 1 }, { seatType: 'premium', quantity: '2' }, { seatType: 'premium', quantity: 1, extra: true }]) {
      expect((await buy(org.adminToken, body).expect(400)).body.error.code).toBe('invalid_input');
    }
    const unknown = await buy(org.adminToken, { seatType: 'enterprise', quantity: 1 }).expect(400);
    expect(unknown.body.error.message).toMatch(/no seat type "enterprise".*premium, standard/);
    expect(await t.ctx.db.selectFrom('invoices').select('id').where('org_id', '=', org.orgId).execute()).toHaveLength(0);
  });

  it('offers no way to lower an allocation through the API', async () => {
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01' });
    for (const req of [
      request(t.app).put('/admin/v1/seats/premium').set(bearer(org.adminToken)).send({ allocated: 1 }),
      request(t.app).patch('/admin/v1/seats/premium').set(bearer(org.adminToken)).send({ allocated: 1 }),
      request(t.app).delete('/admin/v1/seats/purchases').set(bearer(org.adminToken)),
    ]) {
      expect([404, 405]).toContain((await req).status);
    }
    expect((await seats(t.ctx, org.orgId)).premium!.allocated).toBe(2);
  });
});

describe('invoices', () => {
  it('lists newest first, numbers them per organization, and never shows another organization\'s', async () => {
    today = '2025-03-01';
    const a = await newOrganization(t.ctx, { termStart: '2025-01-01' });
    const b = await newOrganization(t.ctx, { termStart: '2025-01-01' });
    const a1 = await buy(a.adminToken, { seatType: 'premium', quantity: 1 }).expect(201);
    const a2 = await buy(a.adminToken, { seatType: 'standard', quantity: 1 });
    expect(a2.body).toMatchObject({ replayed: false });
    const b1 = await buy(b.adminToken, { seatType: 'premium', quantity: 1 }).expect(201);
    expect([a1.body.invoice.number, a2.body.invoice.number, b1.body.invoice.number]).toEqual(['INV-000001', 'INV-000002', 'INV-000001']);
    const list = await request(t.app).get('/admin/v1/invoices').set(bearer(a.adminToken)).expect(200);
    expect(list.body.invoices.map((i: { id: string }) => i.id)).toEqual([a2.body.invoice.id, a1.body.invoice.id]);
    await request(t.app).get(`/admin/v1/invoices/${b1.body.invoice.id}`).set(bearer(a.adminToken)).expect(404);
    await request(t.app).get('/admin/v1/invoices/not-a-uuid').set(bearer(a.adminToken)).expect(404);
    await request(t.app).get('/admin/v1/invoices?limit=0').set(bearer(a.adminToken)).expect(400);
  });

  it('are immutable in the database itself', async () => {
    today = '2025-03-01';
    const org = await newOrganization(t.ctx, { termStart: '2025-01-01' });
    const res = await buy(org.adminToken, { seatType: 'premium', quantity: 1 }).expect(201);
    const id = res.body.invoice.id as string;
    await expect(t.ctx.db.updateTable('invoices').set({ total_minor: 1 }).where('id', '=', id).execute()).rejects.toThrow(/immutable/);
    await expect(t.ctx.db.deleteFrom('invoices').where('id', '=', id).execute()).rejects.toThrow(/immutable/);
    await expect(t.ctx.db.updateTable('invoice_lines').set({ amount_minor: 1 }).where('invoice_id', '=', id).execute()).rejects.toThrow(/immutable/);
    // …but they go with their organization.
    await t.ctx.db.deleteFrom('organizations').where('id', '=', org.orgId).execute();
    expect(await t.ctx.db.selectFrom('invoices').select('id').where('id', '=', id).execute()).toHaveLength(0);
  });
});

it('documents the proration rule, word for word, in the README', () => {
  expect(describeProrationRule).toContain('5 × monthly price × 10');
  expect(readFileSync('README.md', 'utf8')).toContain(describeProrationRule);
});
