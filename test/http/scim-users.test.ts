import request from 'supertest';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { scimClient, USER_SCHEMA as USER, ENTERPRISE_SCHEMA as ENTERPRISE, SEATGATE_SCHEMA as SEATGATE, PATCH_OP_SCHEMA as PATCH_OP } from '../support/scim.js';

let t: TestApp;
const scim = (token: string) => scimClient(t.app, token);

beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());



const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [USER], userName, ...extra });

describe('SCIM Users', () => {
  it('creates a user: 201, full resource, Location, ETag, SCIM media type, seat shown read-only', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 2, standard: 2 } });
    const res = await scim(org.scimToken).post('/Users', user('Alice@Example.com', {
      name: { givenName: 'Alice' }, emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
      password: 'placeholder', groups: [], externalId: '00u1', [ENTERPRISE]: { employeeNumber: '42' },
    })).expect(201);
    expect(res.headers['content-type']).toBe('application/scim+json');
    expect(res.headers.location).toBe(res.body.meta.location);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.body).toMatchObject({
      id: expect.any(String), userName: 'Alice@Example.com', externalId: '00u1', active: true,
      [ENTERPRISE]: { employeeNumber: '42' }, [SEATGATE]: { seatType: 'premium', seatState: 'assigned' },
      meta: { resourceType: 'User', version: 'W/"1"', created: expect.any(String) }, groups: [],
    });
    expect(res.body.password).toBeUndefined();
    expect(res.body.schemas).toEqual(expect.arrayContaining([USER, ENTERPRISE]));
  });

  it('answers lookups as written by sendScim: the value in the template each time, exact Content-Length, HEAD without a body, ETag only on a resource', async () => {
    const org = await newOrganization(t.ctx);
    const names = ['carol@x.com', 'dave "the" o\'brien@x.com', 'erin%_@x.com'];
    for (const name of names) await scim(org.scimToken).post('/Users', user(name)).expect(201);
    for (const name of [...names, ...names]) { // the second round runs from the compiled template
      const res = await scim(org.scimToken).get(`/Users?filter=${encodeURIComponent(`userName eq ${JSON.stringify(name.toUpperCase())}`)}`).expect(200);
      expect(res.body).toMatchObject({ totalResults: 1, Resources: [{ userName: name }] });
      expect(res.headers['content-type']).toBe('application/scim+json');
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
      expect(res.headers.etag).toBeUndefined(); // a list has no version
    }
    const head = await request(t.app).head('/scim/v2/Users?count=1').set('Authorization', `Bearer ${org.scimToken}`).expect(200);
    expect(head.headers['content-type']).toBe('application/scim+json');
    expect(head.text ?? '').toBe('');
    const one = await scim(org.scimToken).get(`/Users?filter=${encodeURIComponent('userName eq "carol@x.com"')}`).expect(200);
    const single = await scim(org.scimToken).get(`/Users/${one.body.Resources[0].id}`).expect(200);
    expect(single.headers.etag).toBe('W/"1"');
  });

  it('finds userName case-insensitively and answers a non-matching filter with 200 and an empty list', async () => {
    const org = await newOrganization(t.ctx);
    await scim(org.scimToken).post('/Users', user('bob@x.com')).expect(201);
    const found = await scim(org.scimToken).get('/Users?filter=userName%20eq%20%22BOB@X.COM%22').expect(200);
    expect(found.body).toMatchObject({ totalResults: 1, itemsPerPage: 1, startIndex: 1 });
    const none = await scim(org.scimToken).get('/Users?filter=userName+eq+%22' + 'a0f1c2d3-0000-4000-8000-000000000000' + '%22').expect(200);
    expect(none.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });
    const unquoted = await scim(org.scimToken).get('/Users?filter=userName eq bob@x.com').expect(200);
    expect(unquoted.body.totalResults).toBe(1);
  });

  it('finds email values with quotes, backslashes and LIKE characters exactly (the indexed prefilter escapes them)', async () => {
    const org = await newOrganization(t.ctx);
    const odd = 'O"Brien\\50%_off@X.com';
    await scim(org.scimToken).post('/Users', user('odd@x.com', { emails: [{ value: odd, type: 'work' }] })).expect(201);
    await scim(org.scimToken).post('/Users', user('decoy@x.com', { emails: [{ value: 'OXBrien\\50ab_off@X.com', type: 'work' }] })).expect(201);
    const q = (filter: string) => scim(org.scimToken).get(`/Users?filter=${encodeURIComponent(filter)}`).expect(200).then((r) => r.body.Resources.map((u: { userName: string }) => u.userName));
    const literal = JSON.stringify(odd.toLowerCase());
    expect(await q(`emails[type eq "work"].value eq ${literal}`)).toEqual(['odd@x.com']);
    expect(await q(`emails.value sw ${JSON.stringify('o"brien\\50%')}`)).toEqual(['odd@x.com']);
    expect(await q(`emails.value co "%_off"`)).toEqual(['odd@x.com']);
    expect(await q(`not (emails.value eq ${literal})`)).toEqual(expect.arrayContaining(['decoy@x.com']));
  });

  it.each([
    'userName eq', 'userName xx "a"', 'nosuch eq "a"', 'active gt true', '((userName eq "a")', 'emails[type eq "work"',
  ])('answers 400 invalidFilter for %s', async (filter) => {
    const org = await newOrganization(t.ctx);
    const res = await scim(org.scimToken).get(`/Users?filter=${encodeURIComponent(filter)}`).expect(400);
    expect(res.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidFilter' });
  });

  it('refuses duplicates with 409 uniqueness, userName case-insensitively, and never half-creates on races', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 10, standard: 0 } });
    await scim(org.scimToken).post('/Users', user('dup@x.com')).expect(201);
    const res = await scim(org.scimToken).post('/Users', user('DUP@x.com')).expect(409);
    expect(res.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
    const racers = await Promise.all([1, 2].map(() => scim(org.scimToken).post('/Users', user('race@x.com'))));
    expect(racers.map((r) => r.status).sort()).toEqual([201, 409]);
    const seats = await t.ctx.db.selectFrom('seat_allocations').select('assigned').where('org_id', '=', org.orgId).where('seat_type', '=', 'premium').executeTakeFirstOrThrow();
    expect(seats.assigned).toBe(3); // owner + dup + one racer
  });

  it('pages with exact totals and a stable order; a page past the end is empty', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 0, standard: 0 } });
    await t.ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ onNoSeat: 'pending' }) }).where('id', '=', org.orgId).execute();
    for (let i = 0; i < 7; i += 1) await scim(org.scimToken).post('/Users', user(`p${i}@x.com`)).expect(201);
    const all = (await scim(org.scimToken).get('/Users?startIndex=1&count=100').expect(200)).body;
    expect(all.totalResults).toBe(8);
    const page = (await scim(org.scimToken).get('/Users?startIndex=3&count=5').expect(200)).body;
    expect(page).toMatchObject({ totalResults: 8, itemsPerPage: 5, startIndex: 3 });
    expect(page.Resources.map((r: { id: string }) => r.id)).toEqual(all.Resources.slice(2, 7).map((r: { id: string }) => r.id));
    const past = (await scim(org.scimToken).get('/Users?startIndex=50&count=5').expect(200)).body;
    expect(past).toMatchObject({ totalResults: 8, itemsPerPage: 0, Resources: [] });
    const countOnly = (await scim(org.scimToken).get('/Users?count=0').expect(200)).body;
    expect(countOnly).toMatchObject({ totalResults: 8, itemsPerPage: 0 });
    const sorted = (await scim(org.scimToken).get('/Users?sortBy=userName&sortOrder=descending&count=3').expect(200)).body;
    expect(sorted.Resources.map((r: { userName: string }) => r.userName)).toEqual(['p6@x.com', 'p5@x.com', 'p4@x.com']);
    await scim(org.scimToken).get('/Users?startIndex=abc').expect(400);
  });

  it('walks with cursors (RFC 9865) without skipping or repeating while users are added', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 30, standard: 0 } });
    for (let i = 0; i < 10; i += 1) await scim(org.scimToken).post('/Users', user(`c${i}@x.com`)).expect(201);
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 20; page += 1) {
      const res = (await scim(org.scimToken).get(`/Users?cursor=${encodeURIComponent(cursor)}&count=3`).expect(200)).body;
      expect(res.startIndex).toBeUndefined();
      seen.push(...res.Resources.map((r: { userName: string }) => r.userName));
      if (page === 1) await scim(org.scimToken).post('/Users', user('late@x.com')).expect(201);
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    // owner + 10, each exactly once; the one added during the walk may or may not be seen (RFC 9865)
    expect(seen.filter((name) => name !== 'late@x.com')).toHaveLength(11);
    expect((await scim(org.scimToken).get('/Users?cursor=garbage').expect(400)).body.scimType).toBe('invalidCursor');
  });

  it('projects attributes but always returns id and schemas; excludedAttributes removes', async () => {
    const org = await newOrganization(t.ctx);
    const created = (await scim(org.scimToken).post('/Users', user('proj@x.com', { name: { givenName: 'P', familyName: 'Q' }, [ENTERPRISE]: { department: 'D', costCenter: 'C' } })).expect(201)).body;
    const only = (await scim(org.scimToken).get(`/Users/${created.id}?attributes=userName,name.familyName,${ENTERPRISE}:department`).expect(200)).body;
    expect(only).toEqual({ schemas: created.schemas, id: created.id, userName: 'proj@x.com', name: { familyName: 'Q' }, [ENTERPRISE]: { department: 'D' } });
    const without = (await scim(org.scimToken).get(`/Users/${created.id}?excludedAttributes=name,groups,meta`).expect(200)).body;
    expect(without.name).toBeUndefined();
    expect(without.groups).toBeUndefined();
    expect(without.meta).toBeUndefined();
    expect(without.id).toBe(created.id);
    const listed = (await scim(org.scimToken).get('/Users?attributes=userName').expect(200)).body;
    expect(Object.keys(listed.Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);
  });

  it('PUT replaces what the IdP manages, never seat data, and a missing active is not false', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const created = (await client.post('/Users', user('put@x.com', { name: { givenName: 'A' } })).expect(201)).body;
    const echoed = { ...created, name: { givenName: 'B' }, [SEATGATE]: { seatType: 'standard', seatState: 'unassigned' } };
    delete (echoed as Record<string, unknown>).active;
    const replaced = (await client.put(`/Users/${created.id}`, echoed).expect(200)).body;
    expect(replaced).toMatchObject({ id: created.id, active: true, name: { givenName: 'B' }, [SEATGATE]: { seatType: 'premium', seatState: 'assigned' } });
    expect(replaced.meta.created).toBe(created.meta.created);
    expect(replaced.meta.version).toBe('W/"2"');
    const same = (await client.put(`/Users/${created.id}`, replaced).expect(200)).body;
    // a no-op PUT changes nothing, not even lastModified
    expect({ ...same.meta, location: undefined }).toEqual({ ...replaced.meta, location: undefined });
  });

  it('deactivation releases the seat (user still returned), reactivation runs the gate and is refused when full', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 2, standard: 0 } });
    const client = scim(org.scimToken);
    const a = (await client.post('/Users', user('a@x.com')).expect(201)).body;
    const off = { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { active: 'False' } }] };
    const deactivated = (await client.patch(`/Users/${a.id}?attributes=active,${SEATGATE}`, off).expect(200)).body;
    expect(deactivated).toMatchObject({ active: false, [SEATGATE]: { seatState: 'inactive' } });
    expect((await client.get(`/Users/${a.id}`).expect(200)).body.active).toBe(false);
    await client.post('/Users', user('b@x.com')).expect(201); // takes the freed seat
    const refused = await client.patch(`/Users/${a.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] }).expect(403);
    expect(refused.body).toMatchObject({ status: '403', detail: expect.stringMatching(/"premium"[\s\S]*owner must buy seats/i) });
    expect((await client.get(`/Users/${a.id}`).expect(200)).body.active).toBe(false); // nothing half-written
    const blocked = await client.post('/Users', user('c@x.com')).expect(403);
    expect(blocked.body.detail).toMatch(/premium/);
  });

  it('DELETE releases the seat; GET and DELETE afterwards answer 404', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 2, standard: 0 } });
    const client = scim(org.scimToken);
    const a = (await client.post('/Users', user('del@x.com')).expect(201)).body;
    await client.delete(`/Users/${a.id}`).expect(204);
    expect((await client.get(`/Users/${a.id}`).expect(404)).body).toMatchObject({ status: '404' });
    await client.delete(`/Users/${a.id}`).expect(404);
    await client.post('/Users', user('next@x.com')).expect(201);
  });

  it('checks ETags: If-Match mismatch → 412, If-None-Match match → 304', async () => {
    const org = await newOrganization(t.ctx);
    const client = scim(org.scimToken);
    const a = (await client.post('/Users', user('etag@x.com')).expect(201)).body;
    await client.get(`/Users/${a.id}`).set('If-None-Match', 'W/"1"').expect(304);
    await client.patch(`/Users/${a.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'E' }] }).set('If-Match', 'W/"7"').expect(412);
    await client.patch(`/Users/${a.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'E' }] }).set('If-Match', 'W/"1"').expect(204);
    const noop = (await client.patch(`/Users/${a.id}?attributes=meta`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'E' }] }).expect(200)).body;
    expect(noop.meta.version).toBe('W/"2"'); // a no-op PATCH does not move the version
  });

  it('keeps organizations apart whatever ids are guessed', async () => {
    const a = await newOrganization(t.ctx);
    const b = await newOrganization(t.ctx);
    const bUser = (await scim(b.scimToken).post('/Users', user('secret@b.com')).expect(201)).body;
    await scim(a.scimToken).get(`/Users/${bUser.id}`).expect(404);
    await scim(a.scimToken).patch(`/Users/${bUser.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] }).expect(404);
    await scim(a.scimToken).delete(`/Users/${bUser.id}`).expect(404);
    expect((await scim(a.scimToken).get('/Users?filter=userName eq "secret@b.com"').expect(200)).body.totalResults).toBe(0);
    await scim(a.adminToken).get('/Users').expect(401);
  });
});

describe('SCIM protocol edges', () => {
  it('answers 401 with WWW-Authenticate and a SCIM body', async () => {
    const res = await request(t.app).get('/scim/v2/Users').expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
  });

  it('serves discovery documents that ignore unknown parameters', async () => {
    const org = await newOrganization(t.ctx);
    const spc = (await scim(org.scimToken).get('/ServiceProviderConfig?x=y').expect(200)).body;
    expect(spc).toMatchObject({ patch: { supported: true }, bulk: { supported: true, maxOperations: 1000 }, etag: { supported: true }, filter: { supported: true, maxResults: 1000 }, pagination: { cursor: true, index: true } });
    const types = (await scim(org.scimToken).get('/ResourceTypes').expect(200)).body;
    expect(types.Resources.map((r: { id: string }) => r.id)).toEqual(['User', 'Group']);
    await scim(org.scimToken).get(`/Schemas/${USER}`).expect(200);
    await scim(org.scimToken).get('/Schemas/urn:nope').expect(404);
  });

  it('answers /Me with 501, unknown paths with a SCIM 404, bad JSON with 400, other media types with 415', async () => {
    const org = await newOrganization(t.ctx);
    await scim(org.scimToken).get('/Me').expect(501);
    await scim(org.scimToken).put('/Me', {}).expect(501);
    expect((await scim(org.scimToken).get('/Nothing').expect(404)).body.status).toBe('404');
    const bad = await request(t.app).post('/scim/v2/Users').set('Authorization', `Bearer ${org.scimToken}`).set('Content-Type', 'application/scim+json').send('{"schemas": [').expect(400);
    expect(bad.body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    await request(t.app).post('/scim/v2/Users').set('Authorization', `Bearer ${org.scimToken}`).set('Content-Type', 'text/plain').send('hello').expect(415);
    await scim(org.scimToken).post('/Users', { userName: 'no-schemas' }).expect(400);
  });

  it('answers 413 past the body limit, stated in the detail', async () => {
    const org = await newOrganization(t.ctx);
    const huge = user('big@x.com', { displayName: 'x'.repeat(11 * 1024 * 1024) });
    const res = await scim(org.scimToken).post('/Users', huge).expect(413);
    expect(res.body.detail).toMatch(/10485760 bytes/);
  });

  it('runs Bulk operations with bulkId references', async () => {
    const org = await newOrganization(t.ctx);
    const res = await scim(org.scimToken).post('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'u1', data: user('bulk1@x.com') },
        { method: 'POST', path: '/Groups', bulkId: 'g1', data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Bulk group', members: [{ value: 'bulkId:u1' }] } },
        { method: 'PATCH', path: '/Users/bulkId:u1', data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'B' }] } },
        { method: 'POST', path: '/Users', bulkId: 'dup', data: user('BULK1@x.com') },
        { method: 'DELETE', path: '/Users/bulkId:nope' },
      ],
    }).expect(200);
    expect(res.body.Operations.map((o: { status: string }) => o.status)).toEqual(['201', '201', '200', '409', '409']);
    const group = (await scim(org.scimToken).get('/Groups?filter=displayName eq "Bulk group"').expect(200)).body.Resources[0];
    expect(group.members).toHaveLength(1);
  });

  it('searches with POST .search, per type and at the root', async () => {
    const org = await newOrganization(t.ctx);
    await scim(org.scimToken).post('/Users', user('search@x.com')).expect(201);
    const search = { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName sw "search"', attributes: ['userName'] };
    expect((await scim(org.scimToken).post('/Users/.search', search).expect(200)).body.totalResults).toBe(1);
    expect((await scim(org.scimToken).post('/.search', search).expect(200)).body.totalResults).toBe(1);
    await scim(org.scimToken).post('/Users/.search', { filter: 'x' }).expect(400);
  });
});
