// Hostile input at the edge (issue 9 item 4): NUL characters, over-long names, paging numbers
// beyond any integer column, deeply nested JSON and undecodable paths get a clear 4xx in each
// interface's error shape — never a 500, never a half-write.
import request from 'supertest';
import { sql } from 'kysely';
import * as migration0013 from '../../src/storage/migrations/0013_json_depth.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import {
  patchOp, scimClient, USER_SCHEMA as USER, GROUP_SCHEMA as GROUP,
  ERROR_SCHEMA as ERROR, BULK_REQUEST_SCHEMA as BULK, SEARCH_REQUEST_SCHEMA as SEARCH,
} from '../support/scim.js';
import { as } from './admin-support.js';

let t: TestApp;
const scim = (token: string) => scimClient(t.app, token);
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

const NUL = '\u0000';

/** JSON text nested `depth` levels: {"a":{"a":…}} (built as text: JSON.stringify would recurse). */
const deepObject = (depth: number, leaf = '1') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

const scimError = (status: number, scimType?: string) => expect.objectContaining({
  schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}), detail: expect.any(String),
});

async function userCount(orgId: string) {
  const row = await t.ctx.db.selectFrom('members').select((eb) => eb.fn.countAll<string>().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Sends a raw JSON text to a SCIM route. */
const rawScim = (token: string, method: 'post' | 'put' | 'patch', path: string, text: string) =>
  request(t.app)[method](`/scim/v2${path}`).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/scim+json').send(text);

describe('NUL characters', () => {
  it.each([
    ['userName', { schemas: [USER], userName: `a${NUL}b@x.com` }],
    ['externalId', { schemas: [USER], userName: 'nul-ext@x.com', externalId: `e${NUL}` }],
    ['name.givenName', { schemas: [USER], userName: 'nul-name@x.com', name: { givenName: `A${NUL}` } }],
    ['an extension key', { schemas: [USER], userName: 'nul-key@x.com', 'urn:ietf:params:scim:schemas:extension:x:2.0:User': { [`k${NUL}`]: 'v' } }],
  ])('refuses a user whose %s holds NUL: 400 invalidValue, nothing written', async (_what, body) => {
    const org = await newOrganization(t.ctx);
    const before = await userCount(org.orgId);
    const res = await scim(org.scimToken).post('/Users', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(scimError(400, 'invalidValue'));
    expect(res.body.detail).toMatch(/NUL/);
    expect(await userCount(org.orgId)).toBe(before);
  });

  it('refuses NUL in a group displayName and in PATCH values', async () => {
    const org = await newOrganization(t.ctx);
    const group = await scim(org.scimToken).post('/Groups', { schemas: [GROUP], displayName: `G${NUL}` });
    expect(group.status).toBe(400);
    expect(group.body).toEqual(scimError(400, 'invalidValue'));
    const user = await scim(org.scimToken).post('/Users', { schemas: [USER], userName: 'patch-nul@x.com' }).expect(201);
    const patched = await scim(org.scimToken).patch(`/Users/${user.body.id}`, patchOp({ op: 'replace', path: 'displayName', value: `x${NUL}` }));
    expect(patched.status).toBe(400);
    expect(patched.body).toEqual(scimError(400, 'invalidValue'));
    expect((await scim(org.scimToken).get(`/Users/${user.body.id}`).expect(200)).body.displayName).toBeUndefined();
  });

  it('refuses NUL in a filter and in any query parameter', async () => {
    const org = await newOrganization(t.ctx);
    const res = await scim(org.scimToken).get(`/Users?filter=${encodeURIComponent(`userName eq "a${NUL}"`)}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(scimError(400, 'invalidValue'));
    const other = await scim(org.scimToken).get('/Users?attributes=%00');
    expect(other.status).toBe(400);
    expect(other.body).toEqual(scimError(400, 'invalidValue'));
  });

  it('refuses NUL in admin bodies and query parameters with the admin 400 shape', async () => {
    const org = await newOrganization(t.ctx);
    const admin = as(t, org.adminToken);
    const query = await admin.get('/members?seatType=%00');
    expect(query.status).toBe(400);
    expect(query.body).toEqual({ error: { code: 'invalid_input', message: expect.stringMatching(/NUL/) } });
    const body = await admin.post('/group-mappings', { idpGroupId: `g${NUL}`, seatType: 'premium' });
    expect(body.status).toBe(400);
    expect(body.body.error).toEqual(expect.objectContaining({ code: 'invalid_input', message: expect.stringMatching(/NUL/) }));
    const mapped = await admin.get('/group-mappings').expect(200);
    expect(JSON.stringify(mapped.body)).not.toContain('\\u0000');
  });

  it('refuses NUL in JIT claims with the JIT error shape, creating no member', async () => {
    const org = await newOrganization(t.ctx);
    const before = await userCount(org.orgId);
    for (const claims of [
      { subject: `s${NUL}`, email: 'jit-nul@x.com' },
      { subject: 'jit-nul-2', email: 'jit-nul2@x.com', name: `N${NUL}` },
      { subject: 'jit-nul-3', email: 'jit-nul3@x.com', groups: [`g${NUL}`] },
    ]) {
      const res = await request(t.app).post('/jit/v1/login').set('Authorization', `Bearer ${org.jitSecret}`).send(claims);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: { code: 'invalid_input', message: expect.stringMatching(/NUL/) } });
    }
    expect(await userCount(org.orgId)).toBe(before);
  });
});

describe('lengths the database limits', () => {
  it('refuses a userName or group displayName over 512 characters with invalidValue, and accepts 512', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 3, standard: 3 } });
    const long = await scim(org.scimToken).post('/Users', { schemas: [USER], userName: 'u'.repeat(513) });
    expect(long.status).toBe(400);
    expect(long.body).toEqual(scimError(400, 'invalidValue'));
    expect(long.body.detail).toMatch(/512/);
    await scim(org.scimToken).post('/Users', { schemas: [USER], userName: 'u'.repeat(512) }).expect(201);
    const group = await scim(org.scimToken).post('/Groups', { schemas: [GROUP], displayName: 'g'.repeat(513) });
    expect(group.status).toBe(400);
    expect(group.body).toEqual(scimError(400, 'invalidValue'));
    const user = await scim(org.scimToken).post('/Users', { schemas: [USER], userName: 'short@x.com' }).expect(201);
    const patched = await scim(org.scimToken).patch(`/Users/${user.body.id}`, patchOp({ op: 'replace', path: 'userName', value: 'p'.repeat(600) }));
    expect(patched.status).toBe(400);
    expect(patched.body).toEqual(scimError(400, 'invalidValue'));
  });
});

describe('paging numbers', () => {
  it.each([
    'startIndex=99999999999999999999999', 'count=99999999999999999999999', 'startIndex=-99999999999999999999',
    'startIndex=9223372036854775808', 'startIndex=1e400', 'count=-1',
  ])('GET /Users?%s answers without overflowing', async (query) => {
    const org = await newOrganization(t.ctx);
    const res = await scim(org.scimToken).get(`/Users?${query}`);
    expect([200, 400]).toContain(res.status);
    if (res.status === 400) expect(res.body).toEqual(scimError(400, 'invalidValue'));
  });

  it('a startIndex beyond the last page is an empty page; numbers beyond any integer in .search too', async () => {
    const org = await newOrganization(t.ctx);
    const page = await scim(org.scimToken).get('/Users?startIndex=99999999999999999999999').expect(200);
    expect(page.body).toMatchObject({ totalResults: 1, itemsPerPage: 0, Resources: [] });
    for (const body of [
      { schemas: [SEARCH], startIndex: 1e300, count: 1e300 },
      { schemas: [SEARCH], startIndex: '99999999999999999999999' },
      { schemas: [SEARCH], count: -1e300 },
    ]) {
      for (const path of ['/Users/.search', '/.search']) {
        const res = await scim(org.scimToken).post(path, body);
        expect(res.status).toBe(200);
      }
    }
  });

  it('refuses startIndex and count that are not numbers with invalidValue', async () => {
    const org = await newOrganization(t.ctx);
    const res = await scim(org.scimToken).post('/Users/.search', { schemas: [SEARCH], startIndex: 1.5 });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(scimError(400, 'invalidValue'));
    const obj = await scim(org.scimToken).post('/Users/.search', { schemas: [SEARCH], count: { a: 1 } });
    expect(obj.status).toBe(400);
    expect(obj.body).toEqual(scimError(400, 'invalidValue'));
  });
});

describe('deep JSON', () => {
  it('refuses a Bulk request whose data is nested 2,000 levels: 400 invalidSyntax, nothing written', async () => {
    const org = await newOrganization(t.ctx);
    const before = await userCount(org.orgId);
    const text = `{"schemas":["${BULK}"],"Operations":[{"method":"POST","path":"/Users","bulkId":"a","data":{"schemas":["${USER}"],"userName":"deep@x.com","x":${deepObject(2000)}}}]}`;
    const res = await rawScim(org.scimToken, 'post', '/Bulk', text);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(scimError(400, 'invalidSyntax'));
    expect(res.body.detail).toMatch(/nested/);
    expect(await userCount(org.orgId)).toBe(before);
  });

  it('refuses 4,500 levels in an extension and in .search attributes; arrays count too', async () => {
    const org = await newOrganization(t.ctx);
    const ext = `{"schemas":["${USER}"],"userName":"deep2@x.com","urn:ietf:params:scim:schemas:extension:x:2.0:User":${deepObject(4500)}}`;
    expect((await rawScim(org.scimToken, 'post', '/Users', ext)).body).toEqual(scimError(400, 'invalidSyntax'));
    const search = `{"schemas":["${SEARCH}"],"attributes":${deepArray(4500)}}`;
    expect((await rawScim(org.scimToken, 'post', '/Users/.search', search)).body).toEqual(scimError(400, 'invalidSyntax'));
  });

  it('admin and JIT refuse deep JSON with their 400 shape', async () => {
    const org = await newOrganization(t.ctx);
    const admin = await request(t.app).patch('/admin/v1/settings').set('Authorization', `Bearer ${org.adminToken}`)
      .set('Content-Type', 'application/json').send(`{"roleSeatTypes":${deepObject(5000, '"x"')}}`);
    expect(admin.status).toBe(400);
    expect(admin.body).toEqual({ error: { code: 'invalid_input', message: expect.stringMatching(/nested/) } });
    const jit = await request(t.app).post('/jit/v1/login').set('Authorization', `Bearer ${org.jitSecret}`)
      .set('Content-Type', 'application/json').send(`{"subject":"s","email":"e@x.com","groups":${deepArray(5000)}}`);
    expect(jit.status).toBe(400);
    expect(jit.body).toEqual({ error: { code: 'invalid_input', message: expect.stringMatching(/nested/) } });
  });

  it('accepts 64 levels (the body is level 1) and refuses 65', async () => {
    const org = await newOrganization(t.ctx);
    const body = (depth: number, userName: string) => `{"schemas":["${USER}"],"userName":"${userName}","urn:ietf:params:scim:schemas:extension:x:2.0:User":${deepObject(depth - 1)}}`;
    await rawScim(org.scimToken, 'post', '/Users', body(64, 'depth64@x.com')).expect(201);
    expect((await rawScim(org.scimToken, 'post', '/Users', body(65, 'depth65@x.com')).expect(400)).body).toEqual(scimError(400, 'invalidSyntax'));
  });

  it('migration 0013 trims users stored with a deep extension (before this limit), which can then be PATCHed and deactivated', async () => {
    const org = await newOrganization(t.ctx);
    const user = await scim(org.scimToken).post('/Users', { schemas: [USER], userName: 'stored-deep@x.com', name: { givenName: 'Kept' } }).expect(201);
    const group = await scim(org.scimToken).post('/Groups', { schemas: [GROUP], displayName: 'stored-deep' }).expect(201);
    // As written before the limit existed: jsonb holds any depth.
    const deep = `"urn:ietf:params:scim:schemas:extension:x:2.0:User":${deepObject(4500)}`;
    const kept = `"urn:ietf:params:scim:schemas:extension:y:2.0:User":${deepObject(62)}`;
    await sql`update members set attributes = attributes || ${`{${deep},${kept}}`}::jsonb where org_id = ${org.orgId} and id = ${user.body.id}`.execute(t.ctx.db);
    await sql`update groups set attributes = attributes || ${`{${deep}}`}::jsonb where org_id = ${org.orgId} and id = ${group.body.id}`.execute(t.ctx.db);
    await migration0013.up(t.ctx.db as never);
    await scim(org.scimToken).patch(`/Users/${user.body.id}`, patchOp({ op: 'replace', path: 'active', value: false })).expect(204);
    const read = await scim(org.scimToken).get(`/Users/${user.body.id}`).expect(200);
    expect(read.body).toMatchObject({ active: false, name: { givenName: 'Kept' }, 'urn:ietf:params:scim:schemas:extension:y:2.0:User': { a: expect.anything() } });
    expect(read.body['urn:ietf:params:scim:schemas:extension:x:2.0:User']).toBeUndefined();
    const readGroup = await scim(org.scimToken).get(`/Groups/${group.body.id}`).expect(200);
    expect(readGroup.body['urn:ietf:params:scim:schemas:extension:x:2.0:User']).toBeUndefined();
  });

  it('a user stored with an over-long externalId (before the limit) can still be deactivated by PATCH and PUT', async () => {
    const org = await newOrganization(t.ctx);
    const user = await scim(org.scimToken).post('/Users', { schemas: [USER], userName: 'long-ext@x.com' }).expect(201);
    const externalId = 'e'.repeat(600);
    await t.ctx.db.updateTable('members').set({ external_id: externalId }).where('org_id', '=', org.orgId).where('id', '=', user.body.id).execute();
    await scim(org.scimToken).patch(`/Users/${user.body.id}`, patchOp({ op: 'replace', path: 'active', value: false })).expect(204);
    await scim(org.scimToken).put(`/Users/${user.body.id}`, { schemas: [USER], userName: 'long-ext@x.com', externalId, active: true }).expect(200);
    const changed = await scim(org.scimToken).put(`/Users/${user.body.id}`, { schemas: [USER], userName: 'long-ext@x.com', externalId: `${externalId}x` });
    expect(changed.body).toEqual(scimError(400, 'invalidValue'));
  });
});

describe('paths', () => {
  it('an undecodable path is a SCIM 400 with a scimType', async () => {
    const org = await newOrganization(t.ctx);
    for (const path of ['/Users/%ff', '/Groups/%E0%A4%A', '/Users/%']) {
      const res = await scim(org.scimToken).get(path);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(scimError(400, 'invalidValue'));
    }
    const admin = await as(t, org.adminToken).get('/members/%ff');
    expect(admin.status).toBe(400);
    expect(admin.body).toEqual({ error: { code: 'invalid_input', message: expect.any(String) } });
  });
});
