import { proratePurchase } from '../../src/domain/billing/index.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { addMember, expectCounterConsistent, seatedMember, seats } from '../support/gate.js';
import { as, tokenWithRole } from './admin-support.js';

// A fixed clock: 15 March 2026, inside terms that start on 1 January 2026.
const NOW = new Date('2026-03-15T10:00:00Z');
let t: TestApp;
beforeAll(() => { t = openTestApp(() => NOW); });
afterAll(() => t.close());

const newOrg = (seatsOf: Record<string, number>, extra = {}) =>
  newOrganization(t.ctx, { seats: seatsOf, termStart: '2026-01-01', prices: { premium: 3000, standard: 2000 }, ...extra });

describe('GET /admin/v1/seats', () => {
  it('shows allocated, assigned, pending, free and blocked attempts per seat type', async () => {
    const org = await newOrg({ premium: 1, standard: 1 }); // the owner takes the premium seat
    const { token } = await tokenWithRole(t.ctx, org.orgId, 'admin');
    await seatedMember(t.ctx, org.orgId); // standard
    expect((await addMember(t.ctx, org.orgId)).ok).toBe(false); // block mode: refused and recorded
    expect((await addMember(t.ctx, org.orgId)).ok).toBe(false);
    await t.ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ onNoSeat: 'pending' }) }).where('id', '=', org.orgId).execute();
    expect((await addMember(t.ctx, org.orgId)).ok).toBe(true); // pending, wanting premium or standard

    const res = await as(t, token).get('/seats').expect(200);
    expect(res.body).toMatchObject({
      orgId: org.orgId, plan: 'team', currency: 'USD', onNoSeat: 'pending', pendingMembers: 1,
      blockedAttemptsLast30Days: { total: 2, bySeatType: { premium: 2, standard: 2 } },
    });
    expect(res.body.seatTypes).toEqual([
      { seatType: 'premium', allocated: 1, assigned: 1, pending: 1, free: 0, utilization: 1, monthlyPriceMinor: 3000, blockedAttemptsLast30Days: 2 },
      { seatType: 'standard', allocated: 1, assigned: 1, pending: 1, free: 0, utilization: 1, monthlyPriceMinor: 2000, blockedAttemptsLast30Days: 2 },
    ]);
  });
});

describe('members', () => {
  it('lists members in a stable order with filters, a total and cursor paging', async () => {
    const org = await newOrg({ premium: 2, standard: 10 });
    const ids = [org.ownerId];
    for (let i = 0; i < 6; i += 1) ids.push(await seatedMember(t.ctx, org.orgId));
    const inactive = await addMember(t.ctx, org.orgId, {}, false);
    if (!inactive.ok) throw new Error('unexpected');
    const api = as(t, org.adminToken);

    const all = await api.get('/members?limit=100').expect(200);
    expect(all.body.total).toBe(8);
    expect(all.body.nextCursor).toBeNull();
    const names = all.body.members.map((m: { userName: string }) => m.userName.toLowerCase());
    expect(names).toEqual([...names].sort());

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { members: { id: string }[]; nextCursor: string | null; total: number } } =
        await api.get(`/members?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`).expect(200);
      expect(page.body.total).toBe(8);
      expect(page.body.members.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.members.map((m) => m.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.members.map((m: { id: string }) => m.id));

    const premium = await api.get('/members?seatType=premium').expect(200);
    expect(premium.body.total).toBe(2);
    expect(premium.body.members.every((m: { seatType: string }) => m.seatType === 'premium')).toBe(true);
    const inactiveOnes = await api.get('/members?seatState=inactive').expect(200);
    expect(inactiveOnes.body.members.map((m: { id: string }) => m.id)).toEqual([inactive.memberId]);
  });

  it.each([
    ['?seatState=sleeping', /seatState/],
    ['?limit=0', /limit/],
    ['?limit=lots', /limit/],
    ['?cursor=not-a-cursor', /cursor/],
    ['?color=blue', /color|Unrecognized/i],
  ])('answers 400 invalid_input for %s', async (query, message) => {
    const org = await newOrg({ premium: 1 });
    const res = await as(t, org.adminToken).get(`/members${query}`).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(message) });
  });

  it('shows one member with its seat reason, pending time and unassigned hold', async () => {
    const org = await newOrg({ premium: 1, standard: 1 });
    const m = await seatedMember(t.ctx, org.orgId);
    const res = await as(t, org.adminToken).get(`/members/${m}`).expect(200);
    expect(res.body).toMatchObject({
      id: m, seatState: 'assigned', seatType: 'standard', pendingSince: null, unassignedByAdmin: false, active: true, role: 'member', source: 'scim',
      seatReason: { kind: 'highest_available', mappingIds: [], trigger: 'scim_create', by: { type: 'scim' }, at: expect.any(String) },
      groups: [],
    });
    const owner = await as(t, org.adminToken).get(`/members/${org.ownerId}`).expect(200);
    expect(owner.body).toMatchObject({ role: 'primary_owner', seatType: 'premium', seatReason: { trigger: 'org_create' } });
  });

  it('answers 404 for unknown ids, malformed ids and members of another organization', async () => {
    const a = await newOrg({ premium: 2 });
    const b = await newOrg({ premium: 2 });
    const bMember = await seatedMember(t.ctx, b.orgId);
    const api = as(t, a.adminToken);
    for (const id of [bMember, b.ownerId, '00000000-0000-0000-0000-000000000000', 'not-a-uuid']) {
      expect((await api.get(`/members/${id}`).expect(404)).body.error.code).toBe('not_found');
      expect((await api.put(`/members/${id}/seat`, { seatType: 'unassigned' }).expect(404)).body.error.code).toBe('not_found');
    }
    // Nothing of b leaks into a's list, and b's member kept its seat.
    const list = await api.get('/members').expect(200);
    expect(list.body.members.map((m: { id: string }) => m.id)).not.toContain(bMember);
    expect((await as(t, b.adminToken).get(`/members/${bMember}`).expect(200)).body.seatState).toBe('assigned');
  });
});

describe('PUT /admin/v1/members/{id}/seat', () => {
  it('performs the swap example of SPEC §4.4 without buying', async () => {
    const org = await newOrg({ premium: 10, standard: 5 });
    const { token } = await tokenWithRole(t.ctx, org.orgId, 'admin'); // a plain admin may do it
    const api = as(t, token);
    const premiumHolders: string[] = [];
    for (let i = 0; i < 9; i += 1) premiumHolders.push(await seatedMember(t.ctx, org.orgId)); // + the owner: 10 premium
    const A = premiumHolders[0]!;
    const B = await seatedMember(t.ctx, org.orgId);
    expect((await api.get(`/members/${B}`)).body.seatType).toBe('standard');

    const refused = await api.put(`/members/${B}/seat`, { seatType: 'premium' }).expect(409);
    expect(refused.body.error.code).toBe('no_seat_available');

    const a1 = await api.put(`/members/${A}/seat`, { seatType: 'unassigned' }).expect(200);
    expect(a1.body).toMatchObject({ id: A, seatState: 'unassigned', seatType: null, unassignedByAdmin: true, seatReason: { kind: 'admin' } });
    const b1 = await api.put(`/members/${B}/seat`, { seatType: 'premium' }).expect(200);
    expect(b1.body).toMatchObject({ id: B, seatState: 'assigned', seatType: 'premium', seatReason: { kind: 'admin', trigger: 'admin_assign' } });
    const a2 = await api.put(`/members/${A}/seat`, { seatType: 'standard' }).expect(200); // restore with a type
    expect(a2.body).toMatchObject({ seatState: 'assigned', seatType: 'standard', unassignedByAdmin: false });

    expect(await seats(t.ctx, org.orgId)).toEqual({ premium: { allocated: 10, assigned: 10 }, standard: { allocated: 5, assigned: 1 } });
    await expectCounterConsistent(t.ctx, org.orgId);
    // The admin who acted is recorded.
    const audit = await api.get(`/audit?memberId=${B}&action=seat.changed`).expect(200);
    expect(audit.body.events[0]).toMatchObject({ action: 'seat.changed', before: { seatType: 'standard' }, after: { seatType: 'premium' }, actor: { type: 'admin' } });
  });

  it('refuses a full type with 409 and a purchase quote computed by proratePurchase', async () => {
    const org = await newOrg({ premium: 1, standard: 2 }, { currency: 'EUR' });
    const m = await seatedMember(t.ctx, org.orgId); // standard
    const res = await as(t, org.adminToken).put(`/members/${m}/seat`, { seatType: 'premium' }).expect(409);
    const expected = proratePurchase({ termStart: '2026-01-01', termEnd: '2027-01-01', purchaseDate: '2026-03-15', quantity: 1, monthlyPriceMinor: 3000 });
    expect(res.body).toEqual({ error: {
      code: 'no_seat_available',
      message: expect.stringMatching(/No "premium" seat is free.*buy seats/),
      quote: {
        seatType: 'premium', quantity: 1, amountMinor: expected.amountMinor, unitPriceMinor: 3000, currency: 'EUR',
        periodStart: '2026-03-15', periodEnd: '2027-01-01', ruleText: expected.ruleText,
      },
    } });
    expect(expected.amountMinor).toBe(Math.round(3000 * (9 + 17 / 31))); // 9 whole months + 17/31 of March
    // Nothing changed; the refusal counts as a blocked attempt.
    expect((await as(t, org.adminToken).get(`/members/${m}`)).body.seatType).toBe('standard');
    expect((await as(t, org.adminToken).get('/seats')).body.blockedAttemptsLast30Days).toEqual({ total: 1, bySeatType: { premium: 1 } });
  });

  it('restores an unassigned member through the gate, and refuses when no seat is free', async () => {
    const org = await newOrg({ premium: 1, standard: 1 });
    const m = await seatedMember(t.ctx, org.orgId);
    const api = as(t, org.adminToken);
    await api.put(`/members/${m}/seat`, { seatType: 'unassigned' }).expect(200);
    await seatedMember(t.ctx, org.orgId); // takes the freed standard seat
    await api.put(`/members/${m}/seat`, { seatType: 'standard' }).expect(409);
    expect((await api.get(`/members/${m}`)).body).toMatchObject({ seatState: 'unassigned', unassignedByAdmin: true });
  });

  it('is idempotent and validates the body', async () => {
    const org = await newOrg({ premium: 1, standard: 1 });
    const m = await seatedMember(t.ctx, org.orgId);
    const api = as(t, org.adminToken);
    await api.put(`/members/${m}/seat`, { seatType: 'standard' }).expect(200);
    expect(await seats(t.ctx, org.orgId)).toMatchObject({ standard: { assigned: 1 } });
    for (const body of [{}, { seatType: '' }, { seatType: 3 }, { seatType: 'standard', extra: true }]) {
      const res = await api.put(`/members/${m}/seat`, body).expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_input', details: { issues: expect.any(Array) } });
    }
    const gold = await api.put(`/members/${m}/seat`, { seatType: 'gold' }).expect(400);
    expect(gold.body.error.message).toMatch(/no seat type "gold"/);
    const notJson = await api.put(`/members/${m}/seat`).set('Content-Type', 'application/json').send('{"seatType":').expect(400);
    expect(notJson.body.error.code).toBe('invalid_input');
    expect((await api.put(`/members/${m}/seat`).expect(400)).body.error.message).toMatch(/JSON body/);
  });

  it('answers 403 org_inactive once the organization has ended', async () => {
    const org = await newOrg({ premium: 1, standard: 1 });
    const m = await seatedMember(t.ctx, org.orgId);
    await t.ctx.db.updateTable('organizations').set({ status: 'ended' }).where('id', '=', org.orgId).execute();
    const res = await as(t, org.adminToken).put(`/members/${m}/seat`, { seatType: 'premium' }).expect(403);
    expect(res.body.error.code).toBe('org_inactive');
  });
});

describe('roles', () => {
  it('lets an admin use every seat-gate endpoint, and a demoted admin\'s token stops working', async () => {
    const org = await newOrg({ premium: 2, standard: 2 });
    const admin = await tokenWithRole(t.ctx, org.orgId, 'admin');
    const api = as(t, admin.token);
    for (const path of ['/seats', '/members', `/members/${org.ownerId}`, '/group-mappings', '/settings', '/audit', '/openapi.json', '/organization']) {
      await api.get(path).expect(200);
    }
    await t.ctx.db.updateTable('members').set({ role: 'member' }).where('org_id', '=', org.orgId).where('id', '=', admin.memberId).execute();
    const res = await api.get('/members').expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('answers 401 to SCIM tokens, JIT secrets and garbage on the new endpoints', async () => {
    const org = await newOrg({ premium: 1 });
    for (const token of [org.scimToken, org.jitSecret, 'sgadm_nope']) {
      for (const path of ['/seats', '/members', '/group-mappings', '/settings', '/audit']) {
        await as(t, token).get(path).expect(401);
      }
    }
  });
});
