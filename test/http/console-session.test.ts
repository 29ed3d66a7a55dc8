// The console's sessions (decision 0007): an admin token exchanged for an httpOnly cookie that
// /admin/v1 accepts in place of the bearer, re-verified through authenticate() on every request,
// with CSRF on writes, idle and absolute expiry and sign-out.
import request from 'supertest';
import { createApp } from '../../src/interfaces/http/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createCredential, revokeCredentialById } from '../../src/services/access/credentials.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { tokenWithRole } from './admin-support.js';

let now = new Date('2026-03-01T10:00:00Z');
let t: TestApp;
beforeAll(() => { t = openTestApp(() => now); });
afterAll(() => t.close());

async function signIn(token: string) {
  const res = await request(t.app).post('/console/api/session').send({ token }).expect(201);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  return { cookie, csrf: res.body.csrfToken as string, body: res.body, setCookie: String(res.headers['set-cookie']) };
}

describe('console sign-in', () => {
  it('exchanges an admin token for an httpOnly, SameSite=Strict session cookie that /admin/v1 accepts', async () => {
    const org = await newOrganization(t.ctx);
    const s = await signIn(org.adminToken);
    expect(s.setCookie).toMatch(/^seatgate_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(s.body).toMatchObject({ orgId: org.orgId, role: 'primary_owner', memberId: org.ownerId });
    expect(s.body.csrfToken).toEqual(expect.any(String));
    await request(t.app).get('/admin/v1/seats').set('Cookie', s.cookie).expect(200);
    const me = await request(t.app).get('/console/api/session').set('Cookie', s.cookie).expect(200);
    expect(me.body).toMatchObject({ orgId: org.orgId, role: 'primary_owner', csrfToken: s.csrf, scimBaseUrl: expect.stringMatching(/\/scim\/v2$/) });
    // Only the hash of the secret and the sealed token are stored.
    const row = await t.ctx.db.selectFrom('console_sessions').selectAll().where('org_id', '=', org.orgId).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(org.adminToken);
    expect(JSON.stringify(row)).not.toContain(s.cookie.split('=')[1]);
  });

  it('marks the cookie Secure (with the __Host- prefix) when the request came over TLS through a trusted proxy', async () => {
    const config = { ...t.ctx.config, server: { ...t.ctx.config.server, trustProxy: true } };
    const app = createApp({ ctx: t.ctx, config, logger: createLogger('error', false), metrics: createMetrics(t.ctx.handle.pool) });
    const org = await newOrganization(t.ctx);
    const res = await request(app).post('/console/api/session').set('X-Forwarded-Proto', 'https').send({ token: org.adminToken }).expect(201);
    expect(String(res.headers['set-cookie'])).toMatch(/^__Host-seatgate_console=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
  });

  it('counts a session\'s requests against its admin token\'s rate limit, like the bearer', async () => {
    const config = { ...t.ctx.config, admin: { rateLimitPerMinute: 2 } };
    const app = createApp({ ctx: t.ctx, config, logger: createLogger('error', false), metrics: createMetrics(t.ctx.handle.pool) });
    const org = await newOrganization(t.ctx);
    const res = await request(app).post('/console/api/session').send({ token: org.adminToken }).expect(201);
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    await request(app).get('/admin/v1/seats').set('Cookie', cookie).expect(200);
    await request(app).get('/admin/v1/seats').set('Cookie', cookie).expect(200);
    const limited = await request(app).get('/admin/v1/seats').set('Cookie', cookie).expect(429);
    expect(limited.body.error.code).toBe('rate_limited');
  });

  it('ends the session a browser already had when it signs in again', async () => {
    const org = await newOrganization(t.ctx);
    const first = await signIn(org.adminToken);
    const again = await request(t.app).post('/console/api/session').set('Cookie', first.cookie).send({ token: org.adminToken }).expect(201);
    const second = String(again.headers['set-cookie']).split(';')[0]!;
    expect(second).not.toBe(first.cookie);
    expect((await request(t.app).get('/admin/v1/seats').set('Cookie', first.cookie).expect(401)).body.error.details.reason).toBe('signed_out');
    await request(t.app).get('/admin/v1/seats').set('Cookie', second).expect(200);
  });

  it('refuses other tokens with a message that says which token to use', async () => {
    const org = await newOrganization(t.ctx);
    const scim = await request(t.app).post('/console/api/session').send({ token: org.scimToken }).expect(403);
    expect(scim.body.error).toMatchObject({ code: 'forbidden', details: { reason: 'wrong_token_kind' } });
    expect(scim.body.error.message).toMatch(/SCIM token.*admin token/);
    const bad = await request(t.app).post('/console/api/session').send({ token: 'sgadm_nope' }).expect(403);
    expect(bad.body.error.details.reason).toBe('invalid_token');
    const empty = await request(t.app).post('/console/api/session').send({}).expect(400);
    expect(empty.body.error.code).toBe('invalid_input');
    expect((await request(t.app).get('/console/api/session').expect(401)).body.error.code).toBe('unauthorized');
  });

  it('needs the CSRF header on every write through the session; a bearer request ignores the cookie', async () => {
    const org = await newOrganization(t.ctx);
    const s = await signIn(org.adminToken);
    const refused = await request(t.app).patch('/admin/v1/settings').set('Cookie', s.cookie).send({ onNoSeat: 'pending' }).expect(403);
    expect(refused.body.error.code).toBe('csrf_failed');
    await request(t.app).patch('/admin/v1/settings').set('Cookie', s.cookie).set('X-CSRF-Token', 'x'.repeat(43)).send({ onNoSeat: 'pending' }).expect(403);
    const ok = await request(t.app).patch('/admin/v1/settings').set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).send({ onNoSeat: 'pending' }).expect(200);
    expect(ok.body.onNoSeat).toBe('pending');
    // A bearer request is judged by its bearer alone.
    await request(t.app).get('/admin/v1/seats').set('Cookie', s.cookie).set('Authorization', 'Bearer sgadm_wrong').expect(401);
    // Another organization's CSRF token does not fit this session.
    const other = await signIn((await newOrganization(t.ctx)).adminToken);
    await request(t.app).patch('/admin/v1/settings').set('Cookie', s.cookie).set('X-CSRF-Token', other.csrf).send({ onNoSeat: 'block' }).expect(403);
  });
});

describe('the session ends', () => {
  it('at once when its admin token is revoked', async () => {
    const org = await newOrganization(t.ctx);
    const admin = await tokenWithRole(t.ctx, org.orgId, 'admin');
    const s = await signIn(admin.token);
    await request(t.app).get('/admin/v1/seats').set('Cookie', s.cookie).expect(200);
    const [credential] = await t.ctx.db.selectFrom('credentials').select('id').where('org_id', '=', org.orgId).where('member_id', '=', admin.memberId).execute();
    await revokeCredentialById(t.ctx, org.orgId, credential!.id);
    const res = await request(t.app).get('/admin/v1/seats').set('Cookie', s.cookie).expect(401);
    expect(res.body.error).toMatchObject({ code: 'session_ended', details: { reason: 'credential' } });
    expect(String(res.headers['set-cookie'])).toContain('Max-Age=0');
  });

  it('when its member is demoted, and follows the current role until then (admins see no billing)', async () => {
    const org = await newOrganization(t.ctx);
    const owner = await tokenWithRole(t.ctx, org.orgId, 'owner');
    const s = await signIn(owner.token);
    await request(t.app).get('/admin/v1/invoices').set('Cookie', s.cookie).expect(200);
    await t.ctx.db.updateTable('members').set({ role: 'admin' }).where('org_id', '=', org.orgId).where('id', '=', owner.memberId).execute();
    expect((await request(t.app).get('/admin/v1/invoices').set('Cookie', s.cookie).expect(403)).body.error.code).toBe('forbidden');
    expect((await request(t.app).get('/console/api/session').set('Cookie', s.cookie).expect(200)).body.role).toBe('admin');
    await t.ctx.db.updateTable('members').set({ role: 'member' }).where('org_id', '=', org.orgId).where('id', '=', owner.memberId).execute();
    expect((await request(t.app).get('/admin/v1/seats').set('Cookie', s.cookie).expect(401)).body.error.details.reason).toBe('credential');
    // Promoted again, the ended session stays ended.
    await t.ctx.db.updateTable('members').set({ role: 'admin' }).where('org_id', '=', org.orgId).where('id', '=', owner.memberId).execute();
    expect((await request(t.app).get('/admin/v1/seats').set('Cookie', s.cookie).expect(401)).body.error.details.reason).toBe('signed_out');
  });

  it('after 30 idle minutes, and 12 hours after sign-in however active', async () => {
    const org = await newOrganization(t.ctx);
    now = new Date('2026-03-01T10:00:00Z');
    const idle = await signIn(org.adminToken);
    now = new Date('2026-03-01T10:29:00Z');
    await request(t.app).get('/admin/v1/seats').set('Cookie', idle.cookie).expect(200);
    now = new Date('2026-03-01T10:58:00Z'); // 29 minutes after the last request
    await request(t.app).get('/admin/v1/seats').set('Cookie', idle.cookie).expect(200);
    now = new Date('2026-03-01T11:28:30Z');
    expect((await request(t.app).get('/admin/v1/seats').set('Cookie', idle.cookie).expect(401)).body.error.details.reason).toBe('idle');

    now = new Date('2026-03-01T10:00:00Z');
    const busy = await signIn(org.adminToken);
    for (let minutes = 20; minutes < 12 * 60; minutes += 20) {
      now = new Date(Date.parse('2026-03-01T10:00:00Z') + minutes * 60_000);
      await request(t.app).get('/admin/v1/seats').set('Cookie', busy.cookie).expect(200);
    }
    now = new Date('2026-03-01T22:00:00Z');
    expect((await request(t.app).get('/admin/v1/seats').set('Cookie', busy.cookie).expect(401)).body.error.details.reason).toBe('expired');
    now = new Date('2026-03-01T10:00:00Z');
  });

  it('when the admin signs out (which needs the CSRF token)', async () => {
    const org = await newOrganization(t.ctx);
    const s = await signIn(org.adminToken);
    await request(t.app).delete('/console/api/session').set('Cookie', s.cookie).expect(403);
    const out = await request(t.app).delete('/console/api/session').set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).expect(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await request(t.app).get('/admin/v1/seats').set('Cookie', s.cookie).expect(401)).body.error.details.reason).toBe('signed_out');
    // The admin token itself still works as a bearer.
    await request(t.app).get('/admin/v1/seats').set('Authorization', `Bearer ${org.adminToken}`).expect(200);
  });
});

describe('/console', () => {
  it('serves the built app with a strict Content-Security-Policy, deep links included', async () => {
    const index = await request(t.app).get('/console/').expect(200);
    expect(index.text).toContain('<div id="root"></div>');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const deep = await request(t.app).get('/console/members?seatState=pending').expect(200);
    expect(deep.text).toBe(index.text);
    const script = index.text.match(/src="(\/console\/assets\/[^"]+\.js)"/)![1]!;
    const asset = await request(t.app).get(script).expect(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    await request(t.app).get('/console/assets/nope.js').expect(404);
    await request(t.app).get('/').expect(302).expect('Location', '/console/');
    expect((await request(t.app).get('/console/api/nope').expect(404)).body.error.code).toBe('not_found');
  });
});

describe('/admin/v1/credentials', () => {
  it('creates, rotates and revokes SCIM tokens and JIT secrets, shown once, audited; rotation stops the old token at once', async () => {
    const org = await newOrganization(t.ctx);
    const auth = { Authorization: `Bearer ${org.adminToken}` };
    const created = await request(t.app).post('/admin/v1/credentials').set(auth).send({ kind: 'scim', label: 'Okta' }).expect(201);
    expect(created.body).toMatchObject({ kind: 'scim', label: 'Okta', token: expect.stringMatching(/^sgscim_/), revokedAt: null });
    await request(t.app).get('/scim/v2/Users').set('Authorization', `Bearer ${created.body.token}`).expect(200);
    const rotated = await request(t.app).post(`/admin/v1/credentials/${created.body.id}/rotate`).set(auth).expect(201);
    expect(rotated.body).toMatchObject({ kind: 'scim', label: 'Okta', replaced: created.body.id });
    await request(t.app).get('/scim/v2/Users').set('Authorization', `Bearer ${created.body.token}`).expect(401);
    await request(t.app).get('/scim/v2/Users').set('Authorization', `Bearer ${rotated.body.token}`).expect(200);
    const list = await request(t.app).get('/admin/v1/credentials').set(auth).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(rotated.body.token);
    expect(list.body.credentials.map((c: { kind: string }) => c.kind).sort()).toEqual(['jit', 'scim', 'scim', 'scim']);
    await request(t.app).delete(`/admin/v1/credentials/${rotated.body.id}`).set(auth).expect(204);
    await request(t.app).get('/scim/v2/Users').set('Authorization', `Bearer ${rotated.body.token}`).expect(401);
    await request(t.app).delete(`/admin/v1/credentials/${rotated.body.id}`).set(auth).expect(404);
    await request(t.app).post(`/admin/v1/credentials/${rotated.body.id}/rotate`).set(auth).expect(404);
    // Admin tokens are not managed here.
    const adminCredential = list.body.credentials.find((c: { kind: string }) => c.kind === 'admin');
    expect(adminCredential).toBeUndefined();
    const [own] = await t.ctx.db.selectFrom('credentials').select('id').where('org_id', '=', org.orgId).where('kind', '=', 'admin').execute();
    await request(t.app).delete(`/admin/v1/credentials/${own!.id}`).set(auth).expect(404);
    expect((await request(t.app).post('/admin/v1/credentials').set(auth).send({ kind: 'admin' }).expect(400)).body.error.code).toBe('invalid_input');
    const actions = (await t.ctx.db.selectFrom('audit_events').select('action').where('org_id', '=', org.orgId).where('action', 'like', 'credential.%').execute()).map((r) => r.action);
    expect(actions.sort()).toEqual(['credential.created', 'credential.revoked', 'credential.rotated']);
    // The IdP's last request shows up.
    expect(list.body.lastRequest.scim).toEqual(expect.any(String));
  });

  it('belongs to admins: another organization\'s credential is not found', async () => {
    const a = await newOrganization(t.ctx);
    const b = await newOrganization(t.ctx);
    const [scimOfB] = await t.ctx.db.selectFrom('credentials').select('id').where('org_id', '=', b.orgId).where('kind', '=', 'scim').execute();
    await request(t.app).delete(`/admin/v1/credentials/${scimOfB!.id}`).set('Authorization', `Bearer ${a.adminToken}`).expect(404);
    await request(t.app).post(`/admin/v1/credentials/${scimOfB!.id}/rotate`).set('Authorization', `Bearer ${a.adminToken}`).expect(404);
    const { token } = await createCredential(t.ctx, { orgId: a.orgId, kind: 'scim' });
    await request(t.app).get('/scim/v2/Users').set('Authorization', `Bearer ${token}`).expect(200);
  });
});
