// The one-time console sign-in link of the first start (decision 0014): it opens an ordinary
// session once, within 15 minutes; it is not a session cookie, and a session secret is not a
// link; a revoked token's link opens nothing; only hashes and the sealed token are stored.
import request from 'supertest';
import { createCredential, revokeCredentialById } from '../../src/services/access/credentials.js';
import { createSignInLink } from '../../src/services/console/sessions.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';

let now = new Date('2026-03-01T10:00:00Z');
let t: TestApp;
beforeAll(() => { t = openTestApp(() => now); });
afterAll(() => t.close());

const redeem = (link: string) => request(t.app).post('/console/api/session').send({ link });

describe('the first start\'s sign-in link', () => {
  it('signs the owner in once: a session like any other, then the link is spent', async () => {
    const org = await newOrganization(t.ctx);
    const { secret, expiresAt } = await createSignInLink(t.ctx, org.adminToken);
    expect(expiresAt.toISOString()).toBe('2026-03-01T10:15:00.000Z');
    const rows = await t.ctx.db.selectFrom('console_sessions').selectAll().where('org_id', '=', org.orgId).execute();
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(rows)).not.toContain(org.adminToken);

    const res = await redeem(secret).expect(201);
    expect(res.body).toMatchObject({ orgId: org.orgId, role: 'primary_owner', memberId: org.ownerId });
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    expect(cookie).not.toContain(secret); // a new secret: the printed one is dead
    await request(t.app).get('/admin/v1/seats').set('Cookie', cookie).expect(200);

    const again = await redeem(secret).expect(403);
    expect(again.body.error).toMatchObject({ code: 'forbidden', details: { reason: 'link_used_or_expired' } });
    expect(again.body.error.message).toMatch(/already used or has expired .*sign in with the admin token/);
    const signIns = await t.ctx.db.selectFrom('audit_events').select('action').where('org_id', '=', org.orgId).where('action', '=', 'console.signed_in').execute();
    expect(signIns).toHaveLength(1);
  });

  it('of two redemptions at once, exactly one opens a session', async () => {
    const org = await newOrganization(t.ctx);
    const { secret } = await createSignInLink(t.ctx, org.adminToken);
    const statuses = (await Promise.all([redeem(secret), redeem(secret), redeem(secret)])).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 403, 403]);
  });

  it('expires after 15 minutes unused', async () => {
    const org = await newOrganization(t.ctx);
    const { secret } = await createSignInLink(t.ctx, org.adminToken);
    const start = now;
    try {
      now = new Date(start.getTime() + 15 * 60 * 1000);
      await redeem(secret).expect(403);
    } finally {
      now = start;
    }
  });

  it('is neither a session cookie nor accepts one, and opens nothing once its token is revoked', async () => {
    const org = await newOrganization(t.ctx);
    const { secret } = await createSignInLink(t.ctx, org.adminToken);
    // The link's secret presented as a session cookie: no session.
    await request(t.app).get('/admin/v1/seats').set('Cookie', `seatgate_console=${secret}`).expect(401);
    // A session's secret presented as a link: no session.
    const session = await request(t.app).post('/console/api/session').send({ token: org.adminToken }).expect(201);
    const sessionSecret = String(session.headers['set-cookie']).split(';')[0]!.split('=')[1]!;
    await redeem(sessionSecret).expect(403);

    const other = await createCredential(t.ctx, { orgId: org.orgId, kind: 'admin', memberId: org.ownerId });
    const link = await createSignInLink(t.ctx, other.token);
    await revokeCredentialById(t.ctx, org.orgId, other.id);
    const refused = await redeem(link.secret).expect(403);
    expect(refused.body.error.details).toEqual({ reason: 'invalid_token' });
    // The first link is still good: revoking one token spends no other link.
    await redeem(secret).expect(201);
  });

  it('refuses a malformed link or a body with both a token and a link (400)', async () => {
    const bad = await redeem('not-a-link').expect(400);
    expect(bad.body.error.code).toBe('invalid_input');
    await request(t.app).post('/console/api/session').send({ token: 'sgadm_x', link: 'a'.repeat(43) }).expect(400);
  });
});
