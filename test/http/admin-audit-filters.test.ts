// GET /admin/v1/audit filtered by who did it (actor type, member, credential) and when (from
// inclusive, to exclusive), combined with the action and member filters and cursor paging.
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { addMember } from '../support/gate.js';
import { as, tokenWithRole } from './admin-support.js';

let t: TestApp;
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

interface Event { id: string; at: string; action: string; actor: { type: string; memberId?: string; credentialId?: string } }
const events = async (token: string, query: string) => (await as(t, token).get(`/audit?${query}`).expect(200)).body.events as Event[];

/** An organization with events by the owner, an admin, the IdP and the operator, one hour apart from 2030-01-01 00:00 UTC. */
async function busyOrg() {
  const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 5 } });
  const admin = await tokenWithRole(t.ctx, org.orgId, 'admin');
  const owner = as(t, org.adminToken);
  await owner.patch('/settings', { utilizationAlertThreshold: 0.5 }).expect(200);
  await as(t, admin.token).patch('/settings', { utilizationAlertThreshold: 0.6 }).expect(200);
  await owner.patch('/settings', { utilizationAlertThreshold: 0.7 }).expect(200);
  await addMember(t.ctx, org.orgId); // the IdP: seat.assigned by a SCIM actor
  await as(t, admin.token).patch('/settings', { utilizationAlertThreshold: 0.8 }).expect(200);
  // Deterministic times: the n-th event (in order) at n hours past 2030-01-01 00:00 UTC.
  const rows = await t.ctx.db.selectFrom('audit_events').select('id').where('org_id', '=', org.orgId).orderBy('id').execute();
  for (const [n, row] of rows.entries()) {
    await t.ctx.db.updateTable('audit_events').set({ at: new Date(Date.UTC(2030, 0, 1, n)) })
      .where('org_id', '=', org.orgId).where('id', '=', row.id).execute();
  }
  const credential = await t.ctx.db.selectFrom('credentials').select('id').where('org_id', '=', org.orgId).where('member_id', '=', admin.memberId).executeTakeFirstOrThrow();
  return { org, admin: { ...admin, credentialId: credential.id }, total: rows.length };
}

describe('audit filters by actor and time', () => {
  it('filters by the member who acted, by the credential used and by actor type', async () => {
    const { org, admin } = await busyOrg();
    const byAdmin = await events(org.adminToken, `actorMemberId=${admin.memberId}`);
    expect(byAdmin.map((e) => [e.action, e.actor.memberId])).toEqual([['settings.updated', admin.memberId], ['settings.updated', admin.memberId]]);
    expect(await events(org.adminToken, `actorCredentialId=${admin.credentialId}`)).toEqual(byAdmin);
    const byOwner = await events(org.adminToken, `actorMemberId=${org.ownerId}&action=settings.`);
    expect(byOwner).toHaveLength(2);
    expect(byOwner.every((e) => e.actor.memberId === org.ownerId)).toBe(true);
    expect((await events(org.adminToken, 'actorType=scim')).map((e) => e.action)).toContain('seat.assigned');
    expect((await events(org.adminToken, 'actorType=scim')).every((e) => e.actor.type === 'scim')).toBe(true);
    expect((await events(org.adminToken, 'actorType=operator')).map((e) => e.action)).toContain('organization.created');
    // Another organization's admin, filtering by this one's actor, sees nothing.
    const other = await newOrganization(t.ctx);
    expect(await events(other.adminToken, `actorMemberId=${admin.memberId}`)).toEqual([]);
  });

  it('filters by time (from inclusive, to exclusive; date-times with an offset, or dates), combined with the other filters', async () => {
    const { org, admin, total } = await busyOrg();
    const all = await events(org.adminToken, 'limit=500');
    expect(all).toHaveLength(total);
    const hour = (n: number) => new Date(Date.UTC(2030, 0, 1, n)).toISOString();
    const window = await events(org.adminToken, `from=${hour(2)}&to=${hour(5)}`);
    expect(window.map((e) => e.at)).toEqual([hour(4), hour(3), hour(2)]);
    // The same instants with another offset.
    expect(await events(org.adminToken, `from=${encodeURIComponent('2030-01-01T03:00:00+01:00')}&to=${encodeURIComponent('2030-01-01T06:00:00+01:00')}`)).toEqual(window);
    // Dates are 00:00 UTC.
    expect(await events(org.adminToken, 'from=2030-01-01&to=2030-01-02')).toHaveLength(total);
    expect(await events(org.adminToken, 'to=2030-01-01')).toEqual([]);
    expect(await events(org.adminToken, 'from=2030-01-02')).toEqual([]);
    // Combined with actor and action: the admin's last change only.
    const late = await events(org.adminToken, `actorMemberId=${admin.memberId}&action=settings.&from=${hour(total - 1)}`);
    expect(late.map((e) => [e.action, e.at])).toEqual([['settings.updated', hour(total - 1)]]);
  });

  it('pages with the cursor inside a filtered range without skipping or repeating', async () => {
    const { org } = await busyOrg();
    const from = new Date(Date.UTC(2030, 0, 1, 1)).toISOString();
    const expected = (await events(org.adminToken, `from=${from}&limit=500`)).map((e) => e.id);
    expect(expected.length).toBeGreaterThan(3);
    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages += 1) {
      const body = (await as(t, org.adminToken).get(`/audit?from=${from}&limit=2${cursor ? `&cursor=${cursor}` : ''}`).expect(200)).body;
      seen.push(...body.events.map((e: Event) => e.id));
      if (!body.nextCursor) break;
      cursor = body.nextCursor;
    }
    expect(seen).toEqual(expected);
  });

  it.each([
    ['from=yesterday', /from: must be an ISO 8601 date/],
    ['from=2030-13-01', /from/],
    ['to=2030-02-30', /to/],
    ['from=2030-01-01T10:00:00', /from: must be an ISO 8601 date .* with an offset/], // no offset: which zone?
    ['from=2030-01-02&to=2030-01-01', /from: from must be before to/],
    ['from=2030-01-01&to=2030-01-01', /from must be before to/],
    ['actorMemberId=abc', /actorMemberId: must be a UUID/],
    ['actorCredentialId=1', /actorCredentialId: must be a UUID/],
    ['actorType=robot', /actorType/],
  ])('refuses %s with 400', async (query, message) => {
    const org = await newOrganization(t.ctx);
    const res = await as(t, org.adminToken).get(`/audit?${query}`).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(message) });
  });
});
