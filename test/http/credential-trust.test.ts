// Who a bearer credential lets in, and from where: a credential bound to a member acts only while
// that member is present and active (an IdP deactivates first and deletes much later), and tokens
// are accepted in the Authorization header only, never in the URL or the body.
import request from 'supertest';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { scimClient, USER_SCHEMA as USER, patchOp } from '../support/scim.js';
import { authenticate, createCredential } from '../../src/services/access/credentials.js';

let t: TestApp;
const scim = (token: string) => scimClient(t.app, token);

beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

const adminGet = (token: string) => request(t.app).get('/admin/v1/organization').set('Authorization', `Bearer ${token}`);

/** A SCIM-provisioned member made an admin, with an admin token of its own. */
async function provisionedAdmin(scimToken: string, orgId: string): Promise<{ id: string; token: string }> {
  const created = await scim(scimToken).post('/Users', { schemas: [USER], userName: `adm-${Math.random().toString(36).slice(2)}@x.com` }).expect(201);
  const id = created.body.id as string;
  await t.ctx.db.updateTable('members').set({ role: 'admin' }).where('org_id', '=', orgId).where('id', '=', id).execute();
  const { token } = await createCredential(t.ctx, { orgId, kind: 'admin', memberId: id });
  return { id, token };
}

describe('an admin token acts only while its member is active and present', () => {
  it('stops at once when the IdP deactivates the member (active: false), and works again on reactivation', async () => {
    const org = await newOrganization(t.ctx);
    const admin = await provisionedAdmin(org.scimToken, org.orgId);
    await adminGet(admin.token).expect(200);

    await scim(org.scimToken).patch(`/Users/${admin.id}`, patchOp({ op: 'replace', value: { active: false } })).expect(204);
    const refused = await adminGet(admin.token).expect(401);
    expect(refused.body.error.code).toBe('unauthorized');
    expect(await authenticate(t.ctx, 'admin', admin.token)).toBeUndefined();

    await scim(org.scimToken).patch(`/Users/${admin.id}`, patchOp({ op: 'replace', path: 'active', value: true })).expect(204);
    await adminGet(admin.token).expect(200);
  });

  it('the same for the primary owner deactivated by the IdP (Okta, Entra: deactivate first)', async () => {
    const org = await newOrganization(t.ctx);
    await adminGet(org.adminToken).expect(200);
    await scim(org.scimToken).put(`/Users/${org.ownerId}`, { schemas: [USER], userName: 'owner@x.test', active: false }).expect(200);
    await adminGet(org.adminToken).expect(401);
  });

  it('a member made inactive by any other path (seat state inactive) is refused too', async () => {
    const org = await newOrganization(t.ctx);
    const admin = await provisionedAdmin(org.scimToken, org.orgId);
    await t.ctx.db.updateTable('members').set({ seat_state: 'inactive', seat_type: null }).where('org_id', '=', org.orgId).where('id', '=', admin.id).execute();
    await adminGet(admin.token).expect(401);
  });

  it('stops when the member is deleted', async () => {
    const org = await newOrganization(t.ctx);
    const admin = await provisionedAdmin(org.scimToken, org.orgId);
    await scim(org.scimToken).delete(`/Users/${admin.id}`).expect(204);
    await adminGet(admin.token).expect(401);
  });

  it('is never served from the per-process cache of authenticated tokens', async () => {
    const { CredentialCache } = await import('../../src/services/access/credential-cache.js');
    const cache = new CredentialCache();
    cache.onListening();
    const cached = { ...t.ctx, credentialCache: cache };
    const org = await newOrganization(t.ctx);
    const admin = await provisionedAdmin(org.scimToken, org.orgId);
    expect(await authenticate(cached, 'admin', admin.token)).toMatchObject({ memberId: admin.id, role: 'admin' });
    await t.ctx.db.updateTable('members').set({ active: false, seat_state: 'inactive', seat_type: null }).where('org_id', '=', org.orgId).where('id', '=', admin.id).execute();
    expect(await authenticate(cached, 'admin', admin.token)).toBeUndefined();
    // Organization tokens (bound to no member) are still cached.
    await authenticate(cached, 'scim', org.scimToken);
    expect(cache.get((await import('../../src/domain/credentials.js')).hashToken(org.scimToken))).toBeDefined();
  });
});

describe('bearer tokens only in the Authorization header', () => {
  const interfaces = [
    { name: 'SCIM', token: (o: { scimToken: string }) => o.scimToken, get: (q: string) => request(t.app).get(`/scim/v2/Users${q}`), scim: true },
    { name: 'admin', token: (o: { adminToken: string }) => o.adminToken, get: (q: string) => request(t.app).get(`/admin/v1/organization${q}`), scim: false },
    { name: 'JIT', token: (o: { jitSecret: string }) => o.jitSecret, get: (q: string) => request(t.app).post(`/jit/v1/login${q}`).send({ subject: 's-1', email: 's1@x.test' }), scim: false },
  ] as const;

  it.each(interfaces)('$name: refuses ?access_token= (400, never a 500), with and without a header, and a repeated parameter', async (api) => {
    const org = await newOrganization(t.ctx);
    const token = api.token(org as never);
    const responses = [
      await api.get(`?access_token=${token}`),
      await api.get(`?access_token=${token}&access_token=${token}`),
      await api.get('?access_token=a&access_token=b'),
      await api.get(`?access_token=${token}`).set('Authorization', `Bearer ${token}`),
      await api.get(`?ACCESS_TOKEN=${token}`),
    ];
    for (const res of responses) {
      expect(res.status).toBe(400);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="seatgate-[a-z]+", error="invalid_request"/);
      if (api.scim) expect(res.body).toMatchObject({ status: '400', scimType: 'invalidSyntax', detail: expect.stringMatching(/Authorization header/) });
      else expect(res.body.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/Authorization header/) });
    }
    // The header alone works.
    expect((await api.get('').set('Authorization', `Bearer ${token}`)).status).toBeLessThan(300);
  });

  it('refuses a token in a form body (never read as a credential)', async () => {
    const org = await newOrganization(t.ctx);
    const res = await request(t.app).post('/jit/v1/login').type('form').send({ access_token: org.jitSecret, subject: 's', email: 's@x.test' });
    expect(res.status).toBe(401);
    const json = await request(t.app).post('/admin/v1/group-mappings').send({ access_token: org.adminToken });
    expect(json.status).toBe(401);
  });
});
