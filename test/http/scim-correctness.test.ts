// Issue 10: SCIM as the IdPs and the RFCs expect. One block per defect; each failed before its fix.
import request from 'supertest';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import {
  scimClient, patchOp, USER_SCHEMA as USER, GROUP_SCHEMA as GROUP, ENTERPRISE_SCHEMA as ENTERPRISE, SEATGATE_SCHEMA as SEATGATE,
} from '../support/scim.js';

let t: TestApp;
const scim = (token: string) => scimClient(t.app, token);
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [USER], userName, ...extra });
const seat = (body: Record<string, unknown>) => body[SEATGATE] as { seatState: string; seatType?: string };

describe('active:false on create is stored, shown and reversible (RFC 7644 §3.3)', () => {
  it('creates an inactive user that GET and filter=active eq false show as inactive', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const created = (await client.post('/Users', user('off@x.test', { active: false })).expect(201)).body;
    expect(created.active).toBe(false);
    expect(seat(created)).toMatchObject({ seatState: 'inactive' });
    const read = (await client.get(`/Users/${created.id}`).expect(200)).body;
    expect(read.active).toBe(false);
    const found = (await client.get('/Users?filter=active%20eq%20false').expect(200)).body;
    expect(found.Resources.map((u: { id: string }) => u.id)).toEqual([created.id]);
  });

  const reactivations: [string, (id: string) => [string, string, unknown]][] = [
    ['Okta: PATCH replace without path, value object', (id) => ['patch', `/Users/${id}`, patchOp({ op: 'replace', value: { active: true } })]],
    ['Entra: PATCH Replace path active "True"', (id) => ['patch', `/Users/${id}`, patchOp({ op: 'Replace', path: 'active', value: 'True' })]],
    ['PATCH replace path active true', (id) => ['patch', `/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: true })]],
    ['Entra flag dialect: no-path replace "active": "True"', (id) => ['patch', `/Users/${id}?aadOptscim062020`, patchOp({ op: 'replace', value: { active: 'True' } })]],
    ['PUT active:true', (id) => ['put', `/Users/${id}`, user('off@x.test', { active: true })]],
  ];
  it.each(reactivations)('reactivates through the seat gate: %s', async (_name, build) => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const created = (await client.post('/Users', user('off@x.test', { active: false })).expect(201)).body;
    const [method, path, body] = build(created.id);
    await (method === 'put' ? client.put(path, body) : client.patch(path, body)).expect((res) => expect([200, 204]).toContain(res.status));
    const read = (await client.get(`/Users/${created.id}`).expect(200)).body;
    expect(read.active).toBe(true);
    expect(seat(read)).toMatchObject({ seatState: 'assigned', seatType: expect.any(String) });
    // and Entra's "False" deactivates it again, releasing the seat
    await client.patch(`/Users/${created.id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' }));
    const off = (await client.get(`/Users/${created.id}`).expect(200)).body;
    expect(off.active).toBe(false);
    expect(seat(off).seatState).toBe('inactive');
  });
});

describe('PATCH remove of active (RFC 7644 §3.5.2.2)', () => {
  it('is refused with 400 mutability and changes nothing', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const created = (await client.post('/Users', user('keep@x.test')).expect(201)).body;
    const res = await client.patch(`/Users/${created.id}`, patchOp({ op: 'remove', path: 'active' })).expect(400);
    expect(res.body).toMatchObject({ status: '400', scimType: 'mutability' });
    expect(res.body.detail).toMatch(/active/);
    const read = (await client.get(`/Users/${created.id}`).expect(200)).body;
    expect(read).toMatchObject({ active: true, meta: { version: created.meta.version } });
  });
});

describe('manager.$ref is rendered (RFC 7643 §4.3)', () => {
  it('on POST, PATCH and GET, as the manager\'s location', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const boss = (await client.post('/Users', user('boss@x.test')).expect(201)).body;
    const created = (await client.post('/Users', user('emp@x.test', { [ENTERPRISE]: { manager: { value: boss.id } } })).expect(201)).body;
    // supertest listens on a new port per request: compare the location's path
    const expected = { value: boss.id, $ref: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/scim/v2/Users/${boss.id}$`)) };
    expect(created[ENTERPRISE].manager).toEqual(expected);
    const other = (await client.post('/Users', user('emp2@x.test')).expect(201)).body;
    const patched = await client.patch(`/Users/${other.id}?attributes=${ENTERPRISE}`, patchOp({ op: 'Add', path: `${ENTERPRISE}:manager`, value: boss.id })).expect(200);
    expect(patched.body[ENTERPRISE].manager).toEqual(expected);
    expect((await client.get(`/Users/${created.id}`).expect(200)).body[ENTERPRISE].manager).toEqual(expected);
  });
});

describe('filters resolve unqualified extension attributes as PATCH does', () => {
  it('finds by manager eq "id" (Entra) and by department, and still refuses unknown names', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const boss = (await client.post('/Users', user('boss@x.test')).expect(201)).body;
    const emp = (await client.post('/Users', user('emp@x.test', { [ENTERPRISE]: { manager: { value: boss.id }, department: 'Ops' } })).expect(201)).body;
    const ids = async (filter: string) => (await client.get(`/Users?filter=${encodeURIComponent(filter)}`).expect(200)).body.Resources.map((u: { id: string }) => u.id);
    expect(await ids(`userName eq "emp@x.test" and manager eq "${boss.id}"`)).toEqual([emp.id]);
    expect(await ids(`manager.value eq "${boss.id}"`)).toEqual([emp.id]);
    expect(await ids('department eq "ops"')).toEqual([emp.id]);
    expect((await client.get('/Users?filter=nosuch%20eq%20%22x%22').expect(400)).body.scimType).toBe('invalidFilter');
  });
});

describe('multi-valued adds do not duplicate equal values (RFC 7644 §3.5.2.1)', () => {
  it('an Entra-style add of roles the user already holds leaves one of each', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const created = (await client.post('/Users', user('roles@x.test', {
      roles: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }, { type: 'WindowsAzureActiveDirectoryRole', value: 'User' }],
    })).expect(201)).body;
    const add = (value: unknown) => client.patch(`/Users/${created.id}`, patchOp({ op: 'Add', path: 'roles', value }));
    await add([{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }, { primary: 'False', type: 'WindowsAzureActiveDirectoryRole', value: 'User' }]);
    await add([{ value: '{"id":"8ae0","value":"Admin","displayName":"Admin"}' }, { value: '{"id":"8ae1","value":"User","displayName":"User"}' }]);
    await add('[{"primary":true,"type":"WindowsAzureActiveDirectoryRole","value":"User"}]');
    await add([{ value: 'Admin' }, { value: 'User' }]);
    const roles = (await client.get(`/Users/${created.id}`).expect(200)).body.roles as { value: string }[];
    expect(roles.map((r) => r.value).sort()).toEqual(['Admin', 'User']);
  });

  it('keeps elements that differ by type (a home and a work address are two values)', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const created = (await client.post('/Users', user('mails@x.test', { emails: [{ value: 'a@x.test', type: 'work' }] })).expect(201)).body;
    await client.patch(`/Users/${created.id}`, patchOp({ op: 'add', path: 'emails', value: [{ value: 'a@x.test', type: 'home' }, { value: 'A@x.test', type: 'work' }] }));
    const emails = (await client.get(`/Users/${created.id}`).expect(200)).body.emails as { type: string }[];
    expect(emails.map((e) => e.type)).toEqual(['work', 'home']);
  });
});

describe('Content-Type is application/scim+json without parameters (RFC 7644 §8.1)', () => {
  it('on success, errors, 401, 404 and 415', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const responses = [
      await client.post('/Users', user('ct@x.test')).expect(201),
      await client.get('/Users').expect(200),
      await client.get('/Users?filter=bad').expect(400),
      await client.post('/Users', user('ct@x.test')).expect(409),
      await client.get('/Users/00000000-0000-4000-8000-000000000000').expect(404),
      await client.get('/NoSuchEndpoint').expect(404),
      await client.get('/ServiceProviderConfig').expect(200),
      await client.get('/Schemas').expect(200),
      await request(t.app).get('/scim/v2/Users').expect(401),
      await request(t.app).post('/scim/v2/Users').set('Authorization', `Bearer ${org.scimToken}`).set('Content-Type', 'text/plain').send('x').expect(415),
      await request(t.app).post('/scim/v2/Users').set('Authorization', `Bearer ${org.scimToken}`).set('Content-Type', 'application/scim+json').send('{bad').expect(400),
    ];
    for (const res of responses) expect([res.status, res.headers['content-type']]).toEqual([res.status, 'application/scim+json']);
  });
});

describe('an unknown attribute inside an extension object on POST/PUT is ignored, like one at the top level', () => {
  it('creates the user, drops the unknown name and keeps the known ones', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const res = await client.post('/Users', user('ext@x.test', { nosuch: 1, [ENTERPRISE]: { department: 'Ops', noSuchThing: 'x' } })).expect(201);
    expect(res.body[ENTERPRISE]).toEqual({ department: 'Ops' });
    expect(res.body.nosuch).toBeUndefined();
    const put = await client.put(`/Users/${res.body.id}`, user('ext@x.test', { name: { givenName: 'E', nickname: 'x' }, [ENTERPRISE]: { costCenter: 'C1', bogus: true } })).expect(200);
    expect(put.body[ENTERPRISE]).toEqual({ costCenter: 'C1' });
    expect(put.body.name).toEqual({ givenName: 'E' });
  });
});

describe('/Schemas: Group members.display is readOnly', () => {
  it('declares it', async () => {
    const org = await newOrganization(t.ctx);
    const schema = (await scim(org.scimToken).get(`/Schemas/${GROUP}`).expect(200)).body;
    const members = schema.attributes.find((a: { name: string }) => a.name === 'members');
    const display = members.subAttributes.find((a: { name: string }) => a.name === 'display');
    expect(display).toMatchObject({ mutability: 'readOnly' });
  });
});

describe('externalId is not unique (RFC 7643 §3.1)', () => {
  it('creates two users and two groups with one externalId; the filter finds both with an exact total', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const a = (await client.post('/Users', user('a@x.test', { externalId: 'same' })).expect(201)).body;
    const b = (await client.post('/Users', user('b@x.test', { externalId: 'same' })).expect(201)).body;
    await client.patch(`/Users/${a.id}`, patchOp({ op: 'replace', path: 'externalId', value: 'other' })).expect((r) => expect([200, 204]).toContain(r.status));
    await client.patch(`/Users/${a.id}`, patchOp({ op: 'replace', path: 'externalId', value: 'same' })).expect((r) => expect([200, 204]).toContain(r.status));
    const users = (await client.get('/Users?filter=externalId%20eq%20%22same%22&count=1').expect(200)).body;
    expect(users.totalResults).toBe(2);
    expect(users.Resources).toHaveLength(1);
    expect([a.id, b.id]).toContain(users.Resources[0].id);

    await client.post('/Groups', { schemas: [GROUP], displayName: 'G1', externalId: 'gsame' }).expect(201);
    await client.post('/Groups', { schemas: [GROUP], displayName: 'G2', externalId: 'gsame' }).expect(201);
    const groups = (await client.get('/Groups?filter=externalId%20eq%20%22gsame%22&count=1').expect(200)).body;
    expect(groups.totalResults).toBe(2);
  });
});

describe('JIT linking when several members share the subject as externalId', () => {
  const login = (secret: string, body: unknown) => request(t.app).post('/jit/v1/login').set('Authorization', `Bearer ${secret}`).send(body as object);

  it('takes the one whose userName is the email, else the only active one, else refuses with a reason', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 3, standard: 5 } });
    const client = scim(org.scimToken);
    const a = (await client.post('/Users', user('a@x.test', { externalId: 'oid-1' })).expect(201)).body;
    const b = (await client.post('/Users', user('b@x.test', { externalId: 'oid-1' })).expect(201)).body;
    // the email names one of them
    expect((await login(org.jitSecret, { subject: 'oid-1', email: 'B@x.test' }).expect(200)).body).toMatchObject({ decision: 'allow', memberId: b.id });
    // neither is named, both are active: no guess
    const refused = (await login(org.jitSecret, { subject: 'oid-1', email: 'c@x.test' }).expect(403)).body;
    expect(refused).toMatchObject({ decision: 'deny', reason: 'ambiguous_subject' });
    expect(refused.message).toMatch(/2 members/);
    // only one is active: that one
    await client.patch(`/Users/${b.id}`, patchOp({ op: 'replace', path: 'active', value: false }));
    expect((await login(org.jitSecret, { subject: 'oid-1', email: 'c@x.test' }).expect(200)).body).toMatchObject({ decision: 'allow', memberId: a.id });
    // none is active: deactivated
    await client.patch(`/Users/${a.id}`, patchOp({ op: 'replace', path: 'active', value: false }));
    expect((await login(org.jitSecret, { subject: 'oid-1', email: 'c@x.test' }).expect(403)).body).toMatchObject({ decision: 'deny', reason: 'inactive' });
    const members = await t.ctx.db.selectFrom('members').select('id').where('org_id', '=', org.orgId).execute();
    expect(members).toHaveLength(3); // the owner, a and b: no member was created by these logins
  });
});

describe("what Microsoft's collection expects beyond the RFC's minimum", () => {
  it('user PATCH answers 204 without a body, or 200 with the resource when attributes are asked for (RFC 7644 §3.5.2)', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const created = (await client.post('/Users', user('p@x.test')).expect(201)).body;
    const res = await client.patch(`/Users/${created.id}`, patchOp({ op: 'Replace', path: 'userName', value: 'q@x.test' })).expect(204);
    expect(res.text).toBe('');
    expect(res.headers.etag).toBe('W/"2"');
    const asked = await client.patch(`/Users/${created.id}?attributes=userName`, patchOp({ op: 'replace', path: 'active', value: false })).expect(200);
    expect(asked.body).toMatchObject({ id: created.id, userName: 'q@x.test' });
    expect(asked.body.active).toBeUndefined();
  });

  it('attributes=emails[type eq "work"] returns the matching values of emails', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const created = (await client.post('/Users', user('m@x.test', {
      emails: [{ value: 'work@x.test', type: 'work', primary: true }, { value: 'home@x.test', type: 'home' }], displayName: 'M',
    })).expect(201)).body;
    const one = (await client.get(`/Users/${created.id}?attributes=${encodeURIComponent('emails[type eq "work"]')}`).expect(200)).body;
    expect(one).toEqual({ schemas: expect.any(Array), id: created.id, emails: [{ value: 'work@x.test', type: 'work', primary: true }] });
    const listed = (await client.get(`/Users?attributes=${encodeURIComponent('emails[value eq "home@x.test"].value,userName')}`).expect(200)).body;
    expect(listed.Resources.find((u: { id: string }) => u.id === created.id)).toEqual({
      schemas: expect.any(Array), id: created.id, userName: 'm@x.test', emails: [{ value: 'home@x.test' }],
    });
    expect((await client.get(`/Users?attributes=${encodeURIComponent('emails[type eq')}`).expect(400)).body.scimType).toBe('invalidFilter');
  });

  it('serves the service provider configuration at /serviceConfiguration too (Microsoft\'s reference server path)', async () => {
    const org = await newOrganization(t.ctx);
    const standard = (await scim(org.scimToken).get('/ServiceProviderConfig').expect(200)).body;
    const alias = await scim(org.scimToken).get('/serviceConfiguration').expect(200);
    const withoutLocation = (body: { meta: Record<string, unknown> }) => ({ ...body, meta: { ...body.meta, location: undefined } });
    expect(withoutLocation(alias.body)).toEqual(withoutLocation(standard)); // supertest: another port per request
    expect(alias.headers['content-type']).toBe('application/scim+json');
  });
});
