// Decision 0021: a list page is one statement (page, total and groups) and its users are rendered
// by a lean path. Whatever the path, a user on a page is exactly the user that GET /Users/{id}
// answers — compared as JSON text, key order included — and pages walk the filtered set in
// creation order with the exact total, past the end too.
import { sql } from 'kysely';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { scimClient, USER_SCHEMA as USER, ENTERPRISE_SCHEMA as ENTERPRISE, GROUP_SCHEMA as GROUP } from '../support/scim.js';

let t: TestApp;
let client: ReturnType<typeof scimClient>;
let orgId: string;

/** A resource of a list body, as the text it was sent as (JSON.stringify keeps key order). */
const text = (value: unknown) => JSON.stringify(value);

beforeAll(async () => {
  // One public URL, so that locations do not follow each request's ephemeral port.
  t = openTestApp(undefined, (config) => ({ ...config, server: { ...config.server, publicUrl: 'https://scim.example.test' } }));
  const org = await newOrganization(t.ctx, { plan: 'enterprise', seats: { enterprise: 100 }, prices: { enterprise: 1000 } });
  orgId = org.orgId;
  client = scimClient(t.app, org.scimToken);
  // Varied users: with and without externalId, a manager, a custom extension, odd strings,
  // inactive ones, and members of groups.
  const ids: string[] = [];
  for (let i = 0; i < 14; i++) {
    const body: Record<string, unknown> = {
      schemas: [USER, ENTERPRISE], userName: `list-${i}@example.test`, active: i % 5 !== 3,
      name: { givenName: `Given ${i}`, familyName: i % 2 ? 'Ünïcode "quoted" \\ ' : 'Plain' },
      emails: [{ value: `list-${i}@example.test`, type: 'work', primary: true }, ...(i % 3 === 0 ? [{ value: `home-${i}@example.test`, type: 'home' }] : [])],
      ...(i % 2 === 0 ? { externalId: `ext-${i}` } : {}),
      ...(i % 4 === 1 ? { title: 'Line\nbreak\ttab \u0001' } : {}),
      [ENTERPRISE]: { employeeNumber: String(i), department: `D${i % 3}`, ...(i > 0 && i % 3 === 1 ? { manager: { value: ids[0] } } : {}) },
      ...(i === 5 ? { 'urn:example:params:scim:schemas:extension:custom:2.0:User': { costCenter: 'CC-5', level: 7, flags: [true, null] } } : {}),
    };
    const created = await client.post('/Users', body).expect(201);
    ids.push(created.body.id);
  }
  // Same creation instant for some users: the order then falls back to id.
  await sql`update members set created_at = (select min(created_at) from members where org_id = ${orgId}) where org_id = ${orgId} and user_name in ('list-6@example.test', 'list-7@example.test', 'list-8@example.test')`.execute(t.ctx.db);
  for (const name of ['Zeta', 'Alpha']) {
    await client.post('/Groups', { schemas: [GROUP], displayName: name, members: ids.filter((_, i) => i % 2 === (name === 'Zeta' ? 0 : 1) || i === 4).map((value) => ({ value })) }).expect(201);
  }
});
afterAll(() => t.close());

async function expectPageEqualsGets(query: string, expectedIds: string[], total: number, startIndex: number): Promise<void> {
  const page = await client.get(`/Users?${query}`).expect(200);
  expect(page.body.totalResults).toBe(total);
  expect(page.body.startIndex).toBe(startIndex);
  expect(page.body.itemsPerPage).toBe(expectedIds.length);
  expect(page.body.Resources.map((r: { id: string }) => r.id)).toEqual(expectedIds);
  for (const resource of page.body.Resources as { id: string }[]) {
    const single = await client.get(`/Users/${resource.id}`).expect(200);
    expect(text(resource)).toBe(text(single.body));
  }
}

describe('a list page', () => {
  it('shows each user exactly as GET /Users/{id} does, in creation order with the exact total', async () => {
    for (const [filter, where] of [['active eq true', 'and active'], ['active eq false', 'and not active'], [undefined, '']] as const) {
      const ordered = (await sql<{ id: string }>`select id from members where org_id = ${orgId} ${sql.raw(where)} order by created_at, id`.execute(t.ctx.db)).rows.map((r) => r.id);
      expect(ordered.length).toBeGreaterThan(2);
      const q = (s: string) => (filter ? `filter=${encodeURIComponent(filter)}&${s}` : s);
      for (const [startIndex, count] of [[1, 100], [1, 4], [3, 4], [ordered.length - 1, 4], [ordered.length, 1]] as [number, number][]) {
        await expectPageEqualsGets(q(`startIndex=${startIndex}&count=${count}`), ordered.slice(startIndex - 1, startIndex - 1 + count), ordered.length, startIndex);
      }
      if (filter !== 'active eq false') {
        // The page carries what the single GET derives: groups, a manager's $ref.
        const resources = (await client.get(`/Users?${q('startIndex=1&count=100')}`).expect(200)).body.Resources as Record<string, any>[];
        expect(resources.some((r) => r.groups?.length === 2)).toBe(true);
        expect(resources.some((r) => typeof r[ENTERPRISE]?.manager?.$ref === 'string')).toBe(true);
      }
      // Past the end: empty, the total still exact.
      await expectPageEqualsGets(q(`startIndex=${ordered.length + 1}&count=5`), [], ordered.length, ordered.length + 1);
      await expectPageEqualsGets(q(`startIndex=${ordered.length + 50}&count=5`), [], ordered.length, ordered.length + 50);
    }
  });

  it('is empty with a zero total when nothing matches, and counts only with count=0', async () => {
    await expectPageEqualsGets(`filter=${encodeURIComponent('userName sw "nobody"')}&startIndex=1&count=10`, [], 0, 1);
    const counted = await client.get(`/Users?filter=${encodeURIComponent('active eq true')}&count=0`).expect(200);
    expect(counted.body.Resources).toEqual([]);
    expect(counted.body.totalResults).toBeGreaterThan(10);
  });

  it('projects as the single GET does', async () => {
    const page = await client.get(`/Users?filter=${encodeURIComponent('active eq true')}&startIndex=2&count=5&excludedAttributes=groups,emails`).expect(200);
    expect(page.body.Resources).toHaveLength(5);
    for (const resource of page.body.Resources as { id: string }[]) {
      const single = await client.get(`/Users/${resource.id}?excludedAttributes=groups,emails`).expect(200);
      expect(text(resource)).toBe(text(single.body));
      expect(resource).not.toHaveProperty('groups');
    }
  });
});
