// GET /admin/v1/members: search and the role and source filters the console's table uses, with
// the count and cursor paging under the same filter.
import request from 'supertest';
import { insertMember } from '../../src/storage/members.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';

let t: TestApp;
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

it('searches userName, display name and exact externalId, filters by role and source, and pages under the filter', async () => {
  const org = await newOrganization(t.ctx);
  const add = (userName: string, extra: Partial<Parameters<typeof insertMember>[1]> = {}) => insertMember(t.ctx.db, {
    orgId: org.orgId, userName, externalId: null, role: 'member', seatState: 'unassigned', seatType: null, seatReason: {},
    source: 'scim', attributes: {}, ...extra,
  });
  await add('ada.lovelace@example.test', { attributes: { displayName: 'Ada Lovelace' } });
  await add('grace@example.test', { attributes: { displayName: 'Grace Hopper' }, externalId: 'okta-00G1', source: 'jit' });
  await add('hopper_fan@example.test', { role: 'admin' });
  await add('100%real@example.test');
  const get = (query: string) => request(t.app).get(`/admin/v1/members?${query}`).set('Authorization', `Bearer ${org.adminToken}`).expect(200);
  const names = (body: { members: { userName: string }[] }) => body.members.map((m) => m.userName);

  expect(names((await get('q=HOPPER')).body)).toEqual(['grace@example.test', 'hopper_fan@example.test']);
  expect(names((await get('q=okta-00g1')).body)).toEqual(['grace@example.test']);
  expect(names((await get('q=okta-00')).body)).toEqual([]); // externalId: exact only
  expect(names((await get('q=100%25')).body)).toEqual(['100%real@example.test']); // % is literal
  expect(names((await get('q=_fan')).body)).toEqual(['hopper_fan@example.test']);
  expect(names((await get('role=admin')).body)).toEqual(['hopper_fan@example.test']);
  expect(names((await get('source=jit')).body)).toEqual(['grace@example.test']);
  const first = (await get('q=example&limit=2&role=member')).body;
  expect(first).toMatchObject({ total: 3, nextCursor: expect.any(String) });
  const second = (await get(`q=example&limit=2&role=member&cursor=${first.nextCursor}`)).body;
  expect([...names(first), ...names(second)]).toEqual(['100%real@example.test', 'ada.lovelace@example.test', 'grace@example.test']);
  expect(second.nextCursor).toBeNull();
  const bad = await request(t.app).get('/admin/v1/members?role=boss').set('Authorization', `Bearer ${org.adminToken}`).expect(400);
  expect(bad.body.error.code).toBe('invalid_input');
});

it('GET /groups finds the IdP groups to map, by name or exact id, with the id a mapping needs', async () => {
  const org = await newOrganization(t.ctx);
  const other = await newOrganization(t.ctx);
  const group = (orgId: string, displayName: string, externalId: string | null) => t.ctx.db.insertInto('groups')
    .values({ org_id: orgId, display_name: displayName, external_id: externalId, attributes: '{}' }).returning('id').executeTakeFirstOrThrow();
  const eng = await group(org.orgId, 'Engineering', '00g-eng');
  const sales = await group(org.orgId, 'Sales 100%', null);
  await group(other.orgId, 'Engineering elsewhere', '00g-other');
  const get = (query: string) => request(t.app).get(`/admin/v1/groups?${query}`).set('Authorization', `Bearer ${org.adminToken}`).expect(200);
  expect((await get('')).body.groups).toEqual([
    { id: eng.id, externalId: '00g-eng', displayName: 'Engineering', mappingKey: '00g-eng', memberCount: 0 },
    { id: sales.id, externalId: null, displayName: 'Sales 100%', mappingKey: sales.id, memberCount: 0 },
  ]);
  expect((await get('q=ENGIN')).body.groups.map((g: { displayName: string }) => g.displayName)).toEqual(['Engineering']);
  expect((await get('q=00G-ENG')).body.groups.map((g: { displayName: string }) => g.displayName)).toEqual(['Engineering']);
  expect((await get(`q=${sales.id}`)).body.groups.map((g: { displayName: string }) => g.displayName)).toEqual(['Sales 100%']);
  expect((await get('q=%25')).body.groups.map((g: { displayName: string }) => g.displayName)).toEqual(['Sales 100%']);
  await request(t.app).get('/admin/v1/groups?limit=0').set('Authorization', `Bearer ${org.adminToken}`).expect(400);
});
