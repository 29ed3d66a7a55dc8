// One test per defect measured in shared/SCIMMY-NOTES.md, each showing seatgate does not have it.
import request from 'supertest';
import { sql } from 'kysely';
import { Writable } from 'node:stream';
import { createApp } from '../../src/interfaces/http/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { scimClient, patchOp as patch, USER_SCHEMA as USER, GROUP_SCHEMA as GROUP, ENTERPRISE_SCHEMA as ENTERPRISE, PATCH_OP_SCHEMA as PATCH_OP } from '../support/scim.js';

let t: TestApp;
const scim = (token: string, app = t.app) => scimClient(app, token);

beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());



/** A group with `n` members written straight to the database (set-based, fast). */
async function bigGroup(orgId: string, n: number): Promise<string> {
  await sql`insert into members (org_id, user_name, active, seat_state, source)
            select ${orgId}::uuid, 'bulk' || g || '@x.test', false, 'inactive', 'scim' from generate_series(1, ${n}) g`.execute(t.ctx.db);
  const group = await t.ctx.db.insertInto('groups').values({ org_id: orgId, display_name: `big-${n}`, external_id: null, attributes: '{}' })
    .returning('id').executeTakeFirstOrThrow();
  await sql`insert into group_members (org_id, group_id, member_id)
            select org_id, ${group.id}::uuid, id from members where org_id = ${orgId}::uuid and user_name like 'bulk%'`.execute(t.ctx.db);
  return group.id;
}

const memberCount = async (groupId: string) => Number((await t.ctx.db.selectFrom('group_members').select((eb) => eb.fn.countAll<string>().as('n'))
  .where('group_id', '=', groupId).executeTakeFirstOrThrow()).n);

describe('SCIMMY-NOTES defects, fixed', () => {
  it('1. PATCH of a large group is a delta, not a read-modify-write of every member', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 0 } });
    const groupId = await bigGroup(org.orgId, 20_000);
    const newcomer = (await scim(org.scimToken).post('/Users', { schemas: [USER], userName: 'newcomer@x.test' }).expect(201)).body.id;
    const leaver = (await t.ctx.db.selectFrom('group_members').select('member_id').where('group_id', '=', groupId).limit(1).executeTakeFirstOrThrow()).member_id;
    await scim(org.scimToken).patch(`/Groups/${groupId}`, patch({ op: 'add', path: 'members', value: [{ value: newcomer }] })).expect(204);
    await scim(org.scimToken).patch(`/Groups/${groupId}`, patch({ op: 'remove', path: `members[value eq "${leaver}"]` })).expect(204);
    expect(await memberCount(groupId)).toBe(20_000);
  });

  it('2. concurrent PATCHes keep every member, and If-Match is enforced', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 10, standard: 0 } });
    const client = scim(org.scimToken);
    const ids = await Promise.all([1, 2, 3].map(async (i) => (await client.post('/Users', { schemas: [USER], userName: `m${i}@x.test` }).expect(201)).body.id));
    const group = (await client.post('/Groups', { schemas: [GROUP], displayName: 'three' }).expect(201)).body;
    await Promise.all(ids.map((id) => client.patch(`/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: id }] })).expect(204)));
    expect(await memberCount(group.id)).toBe(3);
    await client.patch(`/Groups/${group.id}`, patch({ op: 'replace', path: 'displayName', value: 'x' })).set('If-Match', 'W/"1"').expect(412);
  });

  it('3. query parameters on PATCH never strip stored data', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 0 } });
    const client = scim(org.scimToken);
    const id = (await client.post('/Users', { schemas: [USER], userName: 'keep@x.test' }).expect(201)).body.id;
    const group = (await client.post('/Groups', { schemas: [GROUP], displayName: 'kept', members: [{ value: id }] }).expect(201)).body;
    await client.patch(`/Groups/${group.id}?excludedAttributes=members`, patch({ op: 'replace', path: 'displayName', value: 'kept 2' })).expect(200);
    await client.patch(`/Users/${id}?attributes=userName`, patch({ op: 'replace', path: 'displayName', value: 'K' })).expect(200);
    expect(await memberCount(group.id)).toBe(1);
  });

  it('4. meta.location always names the caller\'s own resource, under concurrency', async () => {
    const orgs = await Promise.all([1, 2].map(() => newOrganization(t.ctx, { seats: { premium: 60, standard: 0 } })));
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      scim(orgs[i % 2]!.scimToken).post('/Users', { schemas: [USER], userName: `loc${i}@x.test` })));
    for (const res of responses) {
      expect(res.status).toBe(201);
      expect(res.body.meta.location.endsWith(`/scim/v2/Users/${res.body.id}`)).toBe(true);
    }
  });

  it('5. Express 5 paging works: startIndex=3&count=2 returns the 3rd and 4th', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 10, standard: 0 } });
    for (let i = 0; i < 5; i += 1) await scim(org.scimToken).post('/Users', { schemas: [USER], userName: `pg${i}@x.test` }).expect(201);
    const all = (await scim(org.scimToken).get('/Users').expect(200)).body.Resources.map((r: { id: string }) => r.id);
    const page = (await scim(org.scimToken).get('/Users?startIndex=3&count=2').expect(200)).body.Resources.map((r: { id: string }) => r.id);
    expect(page).toEqual(all.slice(2, 4));
  });

  it('6. 415 and 429 are SCIM errors (no HTML), 429 with an integer Retry-After', async () => {
    const org = await newOrganization(t.ctx);
    const res415 = await request(t.app).post('/scim/v2/Users').set('Authorization', `Bearer ${org.scimToken}`).set('Content-Type', 'text/xml').send('<x/>').expect(415);
    expect(res415.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    const logs = new Writable({ write(_c, _e, done) { done(); } });
    const limited = createApp({ ctx: t.ctx, config: { ...t.ctx.config, scim: { rateLimitPerMinute: 2 } }, logger: createLogger('error', true, logs), metrics: createMetrics(t.ctx.handle.pool) });
    await scim(org.scimToken, limited).get('/Users').expect(200);
    await scim(org.scimToken, limited).get('/Users').expect(200);
    const res429 = await scim(org.scimToken, limited).get('/Users').expect(429);
    expect(res429.headers['retry-after']).toMatch(/^\d+$/);
    expect(res429.body).toMatchObject({ status: '429', detail: expect.stringMatching(/retry after \d+ seconds/) });
  });

  it('7. Entra forms are accepted: "False", manager as a string, writes to absent filtered paths, case-insensitive type', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 0 } });
    const client = scim(org.scimToken);
    const boss = (await client.post('/Users', { schemas: [USER], userName: 'boss@x.test' }).expect(201)).body.id;
    const id = (await client.post('/Users', { schemas: [USER], userName: 'entra@x.test', active: 'True' }).expect(201)).body.id;
    const res = await client.patch(`/Users/${id}?excludedAttributes=groups`, patch(
      { op: 'Add', path: 'emails[type eq "work"].value', value: 'entra@x.test' },
      { op: 'Replace', path: 'addresses[type eq "work"].formatted', value: '1 Main St' },
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: boss },
      { op: 'Replace', path: 'active', value: 'False' },
    )).expect(200);
    expect(res.body).toMatchObject({
      active: false, emails: [{ type: 'work', value: 'entra@x.test' }], addresses: [{ type: 'work', formatted: '1 Main St' }],
      [ENTERPRISE]: { manager: { value: boss } },
    });
    expect((await client.get('/Users?filter=emails[type eq "WORK"].value eq "entra@x.test"').expect(200)).body.totalResults).toBe(1);
  });

  it('9. add of an existing member is a no-op; replace without value and empty Operations are 400; a 10,000-member PUT fits', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 0 } });
    const client = scim(org.scimToken);
    const id = (await client.post('/Users', { schemas: [USER], userName: 'once@x.test' }).expect(201)).body.id;
    const group = (await client.post('/Groups', { schemas: [GROUP], displayName: 'once', members: [{ value: id }] }).expect(201)).body;
    await client.patch(`/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: id }] })).expect(204);
    expect(await memberCount(group.id)).toBe(1);
    expect((await client.patch(`/Users/${id}`, patch({ op: 'replace', path: 'displayName' })).expect(400)).body.scimType).toBe('invalidSyntax');
    await client.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [] }).expect(400);
    const big = await bigGroup(org.orgId, 10_000);
    const ids = (await t.ctx.db.selectFrom('group_members').select('member_id').where('group_id', '=', big).execute()).map((r) => ({ value: r.member_id, display: 'someone@example.com' }));
    await client.put(`/Groups/${big}`, { schemas: [GROUP], displayName: 'big-10000', members: ids }).expect(200);
    expect(await memberCount(big)).toBe(10_000);
  });

  it('11. filters: case-insensitive userName, nested parentheses, incomplete filters refused', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 0 } });
    const client = scim(org.scimToken);
    await client.post('/Users', { schemas: [USER], userName: 'Nested@x.test' }).expect(201);
    const nested = encodeURIComponent('((userName eq "nested@X.test") or (userName eq "nobody")) and not (active eq false)');
    expect((await client.get(`/Users?filter=${nested}`).expect(200)).body.totalResults).toBe(1);
    await client.get(`/Users?filter=${encodeURIComponent('userName eq')}`).expect(400);
  });

  it('13. roles accepted, whole-extension PATCH, schemas kept with attributes=, one primary, no-op PATCH, unknown params, Location', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 0 } });
    const client = scim(org.scimToken);
    // RFC 7643 §2.4: "the primary attribute value 'true' MUST appear no more than once".
    const twoPrimaries = await client.post('/Users', {
      schemas: [USER], userName: 'r@x.test', emails: [{ value: 'a@x.test', primary: true }, { value: 'b@x.test', primary: true }],
    }).expect(400);
    expect(twoPrimaries.body.scimType).toBe('invalidValue');
    const created = await client.post('/Users', {
      schemas: [USER], userName: 'r@x.test', roles: [{ value: 'Reader', primary: 'True' }],
      emails: [{ value: 'a@x.test', primary: true }, { value: 'b@x.test' }],
    }).expect(201);
    expect(created.headers.location).toBeDefined();
    expect(created.body.roles).toEqual([{ value: 'Reader', primary: true }]);
    const id = created.body.id;
    const ext = await client.patch(`/Users/${id}?excludedAttributes=groups`, patch({ op: 'replace', path: ENTERPRISE, value: { department: 'R&D', employeeNumber: '9' } })).expect(200);
    expect(ext.body[ENTERPRISE]).toEqual({ department: 'R&D', employeeNumber: '9' });
    const projected = (await client.get(`/Users/${id}?attributes=userName`).expect(200)).body;
    expect(projected.schemas).toContain(USER);
    await client.patch(`/Users/${id}`, patch({ op: 'add', path: 'emails', value: [{ value: 'c@x.test', primary: true }] })).expect(204);
    const emails = (await client.get(`/Users/${id}`).expect(200)).body.emails;
    expect(emails.filter((e: { primary?: boolean }) => e.primary).map((e: { value: string }) => e.value)).toEqual(['c@x.test']);
    const before = (await client.get(`/Users/${id}`).expect(200)).body.meta.lastModified;
    await client.patch(`/Users/${id}`, patch({ op: 'replace', path: 'userName', value: 'r@x.test' })).expect(204);
    expect((await client.get(`/Users/${id}`).expect(200)).body.meta.lastModified).toBe(before);
    await client.get('/ServiceProviderConfig?x=y').expect(200);
  });
});
