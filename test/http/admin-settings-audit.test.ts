import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { addMember, expectCounterConsistent, memberRow, seatedMember } from '../support/gate.js';
import { as, tokenWithRole } from './admin-support.js';

let t: TestApp;
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

const DEFAULTS = { onNoSeat: 'block', utilizationAlertThreshold: 0.9, alertWebhookUrl: null, roleSeatTypes: {}, roleSeatFallback: false, extraUsage: false };

describe('settings', () => {
  it('reads the defaults and changes settings partially, audited', async () => {
    const org = await newOrganization(t.ctx);
    const { token } = await tokenWithRole(t.ctx, org.orgId, 'admin');
    const api = as(t, token);
    expect((await api.get('/settings').expect(200)).body).toEqual(DEFAULTS);
    const res = await api.patch('/settings', {
      utilizationAlertThreshold: 0.75, alertWebhookUrl: 'https://hooks.example.test/seatgate', roleSeatTypes: { PremiumUser: 'premium' }, roleSeatFallback: true,
    }).expect(200);
    expect(res.body).toEqual({
      ...DEFAULTS, utilizationAlertThreshold: 0.75, alertWebhookUrl: 'https://hooks.example.test/seatgate',
      roleSeatTypes: { PremiumUser: 'premium' }, roleSeatFallback: true, servedPending: 0,
    });
    const { servedPending: _served, ...saved } = res.body;
    expect((await api.get('/settings')).body).toEqual(saved);
    await api.patch('/settings', { alertWebhookUrl: null }).expect(200);
    expect((await api.get('/settings')).body.alertWebhookUrl).toBeNull();
    const audit = await api.get('/audit?action=settings.').expect(200);
    expect(audit.body.events).toHaveLength(2);
    expect(audit.body.events[1]).toMatchObject({ action: 'settings.updated', before: { utilizationAlertThreshold: 0.9 }, after: { utilizationAlertThreshold: 0.75 } });
  });

  it.each([
    [{}, /at least one/],
    [{ onNoSeat: 'queue' }, /onNoSeat/],
    [{ utilizationAlertThreshold: 1.5 }, /utilizationAlertThreshold/],
    [{ alertWebhookUrl: 'not a url' }, /alertWebhookUrl/],
    [{ alertWebhookUrl: 'ftp://example.test/x' }, /alertWebhookUrl/],
    [{ roleSeatTypes: { Boss: 'gold' } }, /roleSeatTypes.Boss: plan team has no seat type "gold"/],
    [{ roleSeatFallback: 'yes' }, /roleSeatFallback/],
    [{ colour: 'blue' }, /colour|Unrecognized/i],
  ])('refuses %j with 400', async (body, message) => {
    const org = await newOrganization(t.ctx);
    const res = await as(t, org.adminToken).patch('/settings', body).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(message) });
    expect((await as(t, org.adminToken).get('/settings')).body).toEqual(DEFAULTS);
  });

  it('switching modes never changes members, except that pending members are served when seats are free', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 1, standard: 1 } }); // owner: premium
    const api = as(t, org.adminToken);
    await seatedMember(t.ctx, org.orgId); // standard: full
    expect((await addMember(t.ctx, org.orgId)).ok).toBe(false); // block: refused

    await api.patch('/settings', { onNoSeat: 'pending' }).expect(200);
    const waiting = await addMember(t.ctx, org.orgId);
    if (!waiting.ok) throw new Error('unexpected');
    expect((await memberRow(t.ctx, org.orgId, waiting.memberId)).seat_state).toBe('pending');

    // Back to block: the pending member stays pending (no seat is free)…
    expect((await api.patch('/settings', { onNoSeat: 'block' }).expect(200)).body.servedPending).toBe(0);
    expect((await memberRow(t.ctx, org.orgId, waiting.memberId)).seat_state).toBe('pending');
    // …and is served by the next settings save once a seat is free.
    await t.ctx.db.updateTable('seat_allocations').set({ allocated: 2 }).where('org_id', '=', org.orgId).where('seat_type', '=', 'standard').execute();
    expect((await api.patch('/settings', { utilizationAlertThreshold: 0.8 }).expect(200)).body.servedPending).toBe(1);
    expect(await memberRow(t.ctx, org.orgId, waiting.memberId)).toMatchObject({ seat_state: 'assigned', seat_type: 'standard' });
    await expectCounterConsistent(t.ctx, org.orgId);
  });
});

describe('GET /admin/v1/audit', () => {
  it('lists the organization\'s events newest first, filtered by action prefix and member, with paging', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 5 } });
    const other = await newOrganization(t.ctx);
    const api = as(t, org.adminToken);
    const m = await seatedMember(t.ctx, org.orgId);
    await api.put(`/members/${m}/seat`, { seatType: 'standard' }).expect(200);
    await api.put(`/members/${m}/seat`, { seatType: 'unassigned' }).expect(200);
    await api.put(`/members/${m}/seat`, { seatType: 'premium' }).expect(200);

    const all = await api.get('/audit').expect(200);
    const ids = all.body.events.map((e: { id: string }) => Number(e.id));
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    // The oldest: the owner seated at creation, then the creation itself.
    expect(all.body.events.slice(-2).map((e: { action: string }) => e.action)).toEqual(['organization.created', 'seat.assigned']);
    expect(all.body.events.at(-2)).toMatchObject({ actor: { type: 'operator' }, subjectId: org.orgId });
    expect(all.body.events.every((e: { subjectId: string }) => e.subjectId !== other.orgId)).toBe(true);

    const ofMember = await api.get(`/audit?memberId=${m}&action=seat.`).expect(200);
    expect(ofMember.body.events.map((e: { action: string }) => e.action)).toEqual([
      'seat.assigned', 'seat.released.unassigned', 'seat.changed', 'seat.assigned',
    ]);
    expect(ofMember.body.events[0]).toMatchObject({ subjectType: 'member', subjectId: m, after: { seatType: 'premium' }, at: expect.any(String) });

    const page1 = await api.get(`/audit?memberId=${m}&limit=3`).expect(200);
    expect(page1.body.events).toHaveLength(3);
    const page2 = await api.get(`/audit?memberId=${m}&limit=3&cursor=${page1.body.nextCursor}`).expect(200);
    expect([...page1.body.events, ...page2.body.events].map((e: { id: string }) => e.id))
      .toEqual(ofMember.body.events.map((e: { id: string }) => e.id));
    expect(page2.body.nextCursor).toBeNull();

    // `%` and `_` in a prefix are literal.
    expect((await api.get('/audit?action=seat%25').expect(200)).body.events).toEqual([]);
    // Another organization's admin sees none of this.
    expect((await as(t, other.adminToken).get(`/audit?memberId=${m}`).expect(200)).body.events).toEqual([]);
  });

  it('validates its query', async () => {
    const org = await newOrganization(t.ctx);
    for (const query of ['?limit=0', '?limit=1000', '?cursor=abc', '?cursor=-1', '?sort=asc']) {
      expect((await as(t, org.adminToken).get(`/audit${query}`).expect(400)).body.error.code).toBe('invalid_input');
    }
  });
});
