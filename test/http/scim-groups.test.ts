import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { scimClient, patchOp as patch, USER_SCHEMA as USER, GROUP_SCHEMA as GROUP, SEATGATE_SCHEMA as SEATGATE } from '../support/scim.js';
import { addMapping } from '../support/gate.js';

let t: TestApp;
const scim = (token: string) => scimClient(t.app, token);

beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());



async function users(client: ReturnType<typeof scim>, n: number, prefix: string): Promise<string[]> {
  const ids = [];
  for (let i = 0; i < n; i += 1) ids.push((await client.post('/Users', { schemas: [USER], userName: `${prefix}${i}@x.com` }).expect(201)).body.id);
  return ids;
}


describe('SCIM Groups', () => {
  it('creates with members, tolerates an extra schema URI, and is unique by displayName (case-insensitive)', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 5 } });
    const client = scim(org.scimToken);
    const [a, b] = await users(client, 2, 'gm');
    const created = (await client.post('/Groups', {
      schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      displayName: 'Engineering', externalId: 'entra-eng', members: [{ value: a }, { value: b }],
    }).expect(201)).body;
    expect(created).toMatchObject({ displayName: 'Engineering', externalId: 'entra-eng', meta: { resourceType: 'Group' } });
    expect(created.members.map((m: { value: string }) => m.value).sort()).toEqual([a, b].sort());
    expect((await client.post('/Groups', { schemas: [GROUP], displayName: 'ENGINEERING' }).expect(409)).body.scimType).toBe('uniqueness');
    const user = (await client.get(`/Users/${a}`).expect(200)).body;
    expect(user.groups).toEqual([expect.objectContaining({ value: created.id, display: 'Engineering' })]);
    await client.post('/Groups', { schemas: [GROUP], displayName: 'Bad', members: [{ value: '00000000-0000-4000-8000-000000000000' }] }).expect(400);
  });

  it('applies mixed Okta membership PATCHes in order and answers 204; adding an existing member is a no-op', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 10, standard: 0 } });
    const client = scim(org.scimToken);
    const [a, b, c] = await users(client, 3, 'ok');
    const group = (await client.post('/Groups', { schemas: [GROUP], displayName: 'Okta push', members: [{ value: a }] }).expect(201)).body;
    const res = await client.patch(`/Groups/${group.id}`, patch(
      { op: 'remove', path: `members[value eq "${a}"]` },
      { op: 'add', path: 'members', value: [{ value: b }, { value: c }] },
    )).expect(204);
    expect(res.headers.etag).toBe('W/"2"');
    let members = (await client.get(`/Groups/${group.id}`).expect(200)).body.members.map((m: { value: string }) => m.value).sort();
    expect(members).toEqual([b, c].sort());
    await client.patch(`/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: b }] })).expect(204);
    expect((await client.get(`/Groups/${group.id}`).expect(200)).body.meta.version).toBe('W/"2"'); // no-op
    // Entra's default-dialect removal removes only the listed member
    await client.patch(`/Groups/${group.id}`, patch({ op: 'Remove', path: 'members', value: [{ value: b }] })).expect(204);
    members = (await client.get(`/Groups/${group.id}`).expect(200)).body.members.map((m: { value: string }) => m.value);
    expect(members).toEqual([c]);
    // "Push now": replace with the full list, possibly empty
    await client.patch(`/Groups/${group.id}`, patch({ op: 'replace', path: 'members', value: [] })).expect(204);
    expect((await client.get(`/Groups/${group.id}`).expect(200)).body.members).toEqual([]);
    // Okta repeats a same-name rename: a cheap no-op
    const before = (await client.get(`/Groups/${group.id}`).expect(200)).body.meta;
    await client.patch(`/Groups/${group.id}`, patch({ op: 'replace', value: { id: group.id, displayName: 'Okta push' } })).expect(204);
    expect((await client.get(`/Groups/${group.id}`).expect(200)).body.meta.version).toBe(before.version);
    const asked = await client.patch(`/Groups/${group.id}?excludedAttributes=members`, patch({ op: 'replace', value: { displayName: 'Renamed' } })).expect(200);
    expect(asked.body).toMatchObject({ displayName: 'Renamed' });
    expect(asked.body.members).toBeUndefined();
  });

  it('loses no member under concurrent PATCHes of one group', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 30, standard: 0 } });
    const client = scim(org.scimToken);
    const ids = await users(client, 20, 'cc');
    const group = (await client.post('/Groups', { schemas: [GROUP], displayName: 'Concurrent' }).expect(201)).body;
    await Promise.all(ids.map((id) => client.patch(`/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: id }] })).expect(204)));
    const members = (await client.get(`/Groups/${group.id}`).expect(200)).body.members;
    expect(members).toHaveLength(20);
  });

  it('16 clients toggling members of one group at once: no failure, exact membership, one version per change in its ETag', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 60, standard: 0 } });
    const client = scim(org.scimToken);
    const ids = await users(client, 26, 'tg');
    const [kept, toggled] = [ids.slice(0, 10), ids.slice(10)];
    const group = (await client.post('/Groups', { schemas: [GROUP], displayName: 'Toggled', members: kept.map((value) => ({ value })) }).expect(201)).body;
    const start = Number(/\d+/.exec(group.meta.version)![0]);
    const etags: string[] = [];
    // Each client adds its member, removes it (Entra and Okta forms), adds it again: 3 changes each.
    await Promise.all(toggled.map(async (id, i) => {
      const steps = [
        patch({ op: 'add', path: 'members', value: [{ value: id }] }),
        i % 2 === 0 ? patch({ op: 'remove', path: 'members', value: [{ value: id }] }) : patch({ op: 'remove', path: `members[value eq "${id}"]` }),
        patch({ op: 'add', path: 'members', value: [{ value: id }] }),
      ];
      for (const step of steps) etags.push(String((await client.patch(`/Groups/${group.id}`, step).expect(204)).headers.etag));
    }));
    const after = (await client.get(`/Groups/${group.id}`).expect(200)).body;
    expect(after.members.map((m: { value: string }) => m.value).sort()).toEqual(ids.slice().sort());
    expect(after.meta.version).toBe(`W/"${start + 48}"`);
    // Every change got its own version, and its 204 said which (not a version read later).
    expect(etags.slice().sort()).toEqual(Array.from({ length: 48 }, (_, k) => `W/"${start + 1 + k}"`).sort());
  });

  it('plain membership PATCHes beside renames, If-Match PATCHes and member replacements of the same group: no 5xx, no deadlock', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 40, standard: 0 } });
    const client = scim(org.scimToken);
    const ids = await users(client, 12, 'mx');
    const group = (await client.post('/Groups', { schemas: [GROUP], displayName: 'Mixed', members: [{ value: ids[0] }] }).expect(201)).body;
    const url = `/Groups/${group.id}`;
    const statuses: number[] = [];
    const toggles = ids.slice(1, 9).map(async (id) => {
      for (let i = 0; i < 3; i += 1) {
        statuses.push((await client.patch(url, patch({ op: 'add', path: 'members', value: [{ value: id }, { value: ids[0] }] }))).status);
        statuses.push((await client.patch(url, patch({ op: 'remove', path: `members[value eq "${id}"]` }))).status);
      }
    });
    const others = (async () => {
      for (let i = 0; i < 3; i += 1) {
        statuses.push((await client.patch(url, patch({ op: 'replace', value: { displayName: `Mixed ${i}` } }))).status);
        const etag = String((await client.get(`${url}?excludedAttributes=members`)).headers.etag);
        statuses.push((await client.patch(url, patch({ op: 'add', path: 'members', value: [{ value: ids[9] }] })).set('If-Match', etag)).status);
        statuses.push((await client.patch(url, patch({ op: 'replace', path: 'members', value: [{ value: ids[0] }, { value: ids[10] }] }))).status);
      }
    })();
    await Promise.all([...toggles, others]);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses.every((status) => status === 204 || status === 412)).toBe(true);
    const members = (await client.get(url).expect(200)).body.members.map((m: { value: string }) => m.value);
    // the toggled members are out again; the last replacement's members are in
    expect(members.filter((id: string) => ids.slice(1, 9).includes(id))).toEqual([]);
    expect(members).toEqual(expect.arrayContaining([ids[0], ids[10]]));
  });

  it('a membership PATCH naming an unknown user writes nothing; a PATCH of a missing group is 404', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 10, standard: 0 } });
    const client = scim(org.scimToken);
    const [a, b] = await users(client, 2, 'uk');
    const group = (await client.post('/Groups', { schemas: [GROUP], displayName: 'Unknowns', members: [{ value: a }] }).expect(201)).body;
    const unknown = '00000000-0000-4000-8000-000000000000';
    const refused = await client.patch(`/Groups/${group.id}`, patch(
      { op: 'remove', path: `members[value eq "${a}"]` },
      { op: 'add', path: 'members', value: [{ value: b }, { value: unknown }] },
    )).expect(400);
    expect(refused.body.detail).toContain(unknown);
    await client.patch(`/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: 'not-a-uuid' }] })).expect(400);
    const same = (await client.get(`/Groups/${group.id}`).expect(200)).body;
    expect(same.members.map((m: { value: string }) => m.value)).toEqual([a]);
    expect(same.meta.version).toBe(group.meta.version);
    await client.patch(`/Groups/${unknown}`, patch({ op: 'add', path: 'members', value: [{ value: b }] })).expect(404);
    await client.patch(`/Groups/${unknown}`, patch({ op: 'remove', path: `members[value eq "${b}"]` })).expect(404);
  });

  it('writes a group of several thousand members page by page: the same members, order and shape as the whole-body path', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 10, standard: 0 } });
    const client = scim(org.scimToken);
    const group = (await client.post('/Groups', { schemas: [GROUP], displayName: 'Big' }).expect(201)).body;
    // 4,500 users and memberships by SQL (three pages of 2,000 and a partial one), then one by SCIM.
    await t.ctx.handle.pool.query(`
      with u as (
        insert into members (org_id, user_name, active, role, seat_state, source, attributes)
        select $1, 'big' || i || '@x.com', false, 'member', 'inactive', 'scim', '{}' from generate_series(1, 4500) i returning org_id, id)
      insert into group_members (org_id, group_id, member_id) select org_id, $2, id from u`, [org.orgId, group.id]);
    const whole = (await client.get(`/Groups/${group.id}?attributes=members,displayName`).expect(200)).body;
    const paged = await client.get(`/Groups/${group.id}`).expect(200);
    expect(paged.headers['content-type']).toBe('application/scim+json');
    expect(paged.body.members).toHaveLength(4500);
    // (supertest serves each request on its own port: compare $ref without the origin)
    const local = (members: { $ref: string }[]) => members.map((m) => ({ ...m, $ref: new URL(m.$ref).pathname }));
    expect(local(paged.body.members)).toEqual(local(whole.members));
    expect(paged.body.members[0]).toEqual({ value: expect.any(String), display: expect.stringMatching(/^big\d+@x\.com$/), $ref: expect.stringContaining('/Users/'), type: 'User' });
    expect(paged.body).toMatchObject({ id: group.id, displayName: 'Big', meta: { resourceType: 'Group', version: paged.headers.etag } });
    await client.get(`/Groups/${group.id}`).set('If-None-Match', String(paged.headers.etag)).expect(304);
    // PUT answers with the group the same way
    const put = (await client.put(`/Groups/${group.id}`, { schemas: [GROUP], displayName: 'Big 2' }).expect(200)).body;
    expect(put.members).toHaveLength(4500);
    expect(put.displayName).toBe('Big 2');
  });

  it('writes a list page holding a group of several thousand members piece by piece: the same body as the whole-body path', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 10, standard: 0 } });
    const client = scim(org.scimToken);
    const [a, b] = await users(client, 2, 'lp');
    await client.post('/Groups', { schemas: [GROUP], displayName: 'A small', members: [{ value: a }, { value: b }] }).expect(201);
    const big = (await client.post('/Groups', { schemas: [GROUP], displayName: 'B big' }).expect(201)).body;
    await client.post('/Groups', { schemas: [GROUP], displayName: 'C empty' }).expect(201);
    await t.ctx.handle.pool.query(`
      with u as (
        insert into members (org_id, user_name, active, role, seat_state, source, attributes)
        select $1, 'lbig' || i || '@x.com', false, 'member', 'inactive', 'scim', '{}' from generate_series(1, 4500) i returning org_id, id)
      insert into group_members (org_id, group_id, member_id) select org_id, $2, id from u`, [org.orgId, big.id]);
    // (supertest serves each request on its own port: compare $ref and location without the origin)
    const local = (body: string) => body.replace(/http:\/\/[^/"]+\/scim\/v2/g, '');
    // where two bodies first differ, with some context (a 4,500-member body is too long to print)
    const difference = (a: string, b: string) => {
      let i = 0;
      while (i < a.length && a[i] === b[i]) i += 1;
      return i === a.length && i === b.length ? undefined : { at: i, a: a.slice(i - 80, i + 80), b: b.slice(i - 80, i + 80) };
    };
    // excludedAttributes of an attribute no group has takes the whole-body path with the same shape
    const whole = await client.get('/Groups?sortBy=displayName&excludedAttributes=externalId').expect(200);
    expect(whole.headers['content-length']).toBeDefined();
    const paged = await client.get('/Groups?sortBy=displayName').expect(200);
    expect(paged.headers['content-type']).toBe('application/scim+json');
    expect(paged.headers['transfer-encoding']).toBe('chunked'); // written in pieces, not one body
    expect(difference(local(paged.text), local(whole.text))).toBeUndefined();
    expect(paged.body).toMatchObject({ totalResults: 3, itemsPerPage: 3, startIndex: 1 });
    expect(paged.body.Resources.map((g: { displayName: string; members: unknown[] }) => [g.displayName, g.members.length]))
      .toEqual([['A small', 2], ['B big', 4500], ['C empty', 0]]);
    // the search form and cursor pages the same way
    const searched = await client.post('/Groups/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], sortBy: 'displayName' }).expect(200);
    expect(difference(local(searched.text), local(whole.text))).toBeUndefined();
    const cursorWhole = (await client.get('/Groups?cursor=&count=2&excludedAttributes=externalId').expect(200)).text;
    const cursorPaged = await client.get('/Groups?cursor=&count=2').expect(200);
    expect(difference(local(cursorPaged.text), local(cursorWhole))).toBeUndefined();
    expect(cursorPaged.body.nextCursor).toEqual(expect.any(String));
    // a page with few members in all is one body, read in one query
    const small = await client.get('/Groups?filter=displayName eq "A small"').expect(200);
    expect(small.headers['content-length']).toBeDefined();
    expect(small.body.Resources[0].members).toHaveLength(2);
  });

  it('PUT replaces the member list (wizard apps) and keeps it when members are omitted; DELETE answers 204', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 10, standard: 0 } });
    const client = scim(org.scimToken);
    const [a, b] = await users(client, 2, 'pw');
    const group = (await client.post('/Groups', { schemas: [GROUP], displayName: 'Wizard', members: [{ value: a }] }).expect(201)).body;
    const replaced = (await client.put(`/Groups/${group.id}`, { schemas: [GROUP], displayName: 'Wizard 2', members: [{ value: b }] }).expect(200)).body;
    expect(replaced).toMatchObject({ displayName: 'Wizard 2', members: [expect.objectContaining({ value: b })] });
    const kept = (await client.put(`/Groups/${group.id}`, { schemas: [GROUP], displayName: 'Wizard 3' }).expect(200)).body;
    expect(kept.members).toHaveLength(1);
    const list = (await client.get('/Groups?filter=displayName eq "wizard 3"&excludedAttributes=members').expect(200)).body;
    expect(list.totalResults).toBe(1);
    expect(list.Resources[0].members).toBeUndefined();
    await client.delete(`/Groups/${group.id}`).expect(204);
    await client.get(`/Groups/${group.id}`).expect(404);
    expect((await client.get(`/Users/${a}`).expect(200)).body.groups).toEqual([]);
  });

  it('moves members of a mapped group to the mapped seat type through the gate', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 5 } });
    const client = scim(org.scimToken);
    const [a] = await users(client, 1, 'mg');
    expect((await client.get(`/Users/${a}`).expect(200)).body[SEATGATE].seatType).toBe('premium');
    const group = (await client.post('/Groups', { schemas: [GROUP], displayName: 'Standard people', externalId: 'okta-std' }).expect(201)).body;
    await addMapping(t.ctx, org.orgId, 'okta-std', 'standard');
    await client.patch(`/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: a }] })).expect(204);
    expect((await client.get(`/Users/${a}`).expect(200)).body[SEATGATE]).toMatchObject({ seatType: 'standard', seatReason: 'assigned by a group mapping' });
  });
});
