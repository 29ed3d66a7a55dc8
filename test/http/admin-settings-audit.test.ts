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
    // The SSRF policy (decision 0010): public https targets only, by default.
    [{ alertWebhookUrl: 'http://hooks.example.test/x' }, /alertWebhookUrl: must be an https:\/\/ URL/],
    [{ alertWebhookUrl: 'https://user:pass@hooks.example.test/x' }, /alertWebhookUrl: must not contain a user name or password/],
    [{ alertWebhookUrl: 'https://127.0.0.1/x' }, /alertWebhookUrl: must point at a public address, not a loopback address/],
    [{ alertWebhookUrl: 'https://2130706433/x' }, /not a loopback address/],
    [{ alertWebhookUrl: 'https://0x7f000001/x' }, /not a loopback address/],
    [{ alertWebhookUrl: 'https://[::1]:5432/x' }, /not a loopback address/],
    [{ alertWebhookUrl: 'https://169.254.169.254/latest/meta-data/' }, /not a link-local address/],
    [{ alertWebhookUrl: 'https://10.0.0.7:5432/x' }, /not a private address/],
    [{ alertWebhookUrl: 'https://metadata.google.internal/computeMetadata/v1/' }, /not the internal name "metadata.google.internal"/],
    [{ alertWebhookUrl: 'https://localhost/x' }, /internal name/],
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
    const times = all.body.events.map((e: { at: string }) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((x, y) => y - x));
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

  it('shows random event ids that reveal nothing of other organizations; a cursor works only in its organization', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 5 } });
    const other = await newOrganization(t.ctx);
    const before = (await as(t, org.adminToken).get('/audit?limit=1').expect(200)).body.events[0].id as string;
    // Another tenant's activity in between…
    for (let i = 0; i < 3; i += 1) await as(t, other.adminToken).patch('/settings', { utilizationAlertThreshold: 0.5 + i / 10 }).expect(200);
    await as(t, org.adminToken).patch('/settings', { utilizationAlertThreshold: 0.8 }).expect(200);
    const page = (await as(t, org.adminToken).get('/audit?limit=1').expect(200)).body;
    const after = page.events[0].id as string;
    // …cannot be read off the ids: they are random UUIDs, not a shared sequence.
    for (const id of [before, after]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(page.nextCursor).toMatch(/^[0-9a-f-]{36}$/);
    const next = (await as(t, org.adminToken).get(`/audit?limit=1&cursor=${page.nextCursor}`).expect(200)).body;
    expect(next.events[0].id).toBe(before);
    // A cursor of another organization is not a cursor here.
    const foreign = (await as(t, other.adminToken).get('/audit?limit=1').expect(200)).body.nextCursor as string;
    expect((await as(t, org.adminToken).get(`/audit?cursor=${foreign}`).expect(400)).body.error.code).toBe('invalid_input');
  });

  it('validates its query', async () => {
    const org = await newOrganization(t.ctx);
    for (const query of ['?limit=0', '?limit=1000', '?cursor=abc', '?cursor=-1', '?cursor=12', '?sort=asc', '?cursor=6f1c0e8a-9d0b-4c43-9b8e-2a3f4b5c6d7e']) {
      expect((await as(t, org.adminToken).get(`/audit${query}`).expect(400)).body.error.code).toBe('invalid_input');
    }
  });
});
