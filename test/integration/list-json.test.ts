// Decision 0027: a listed user is written as JSON text from PostgreSQL's jsonb text of its
// attributes. Characterization: for stored documents of every kind (plain, numbers, escapes,
// integer-like keys, keys the resource defines, secrets, the enterprise manager, custom URNs),
// userJson of the listed view is byte for byte JSON.stringify of what the list answered before —
// withoutSecrets(userResource(view)) of the same user read the ordinary way (parsed).
import { sql } from 'kysely';
import { withoutSecrets } from '../../src/protocol/scim/attributes.js';
import { storedObjectJson, userJson, userResource } from '../../src/protocol/scim/representation.js';
import * as users from '../../src/storage/scim-users.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const BASE = 'https://idp.example/scim/v2';

/** Stored documents, each with whether the text path is expected to write it. */
const DOCUMENTS: [string, Record<string, unknown>, boolean][] = [
  ['entra-like', {
    name: { formatted: 'Given1 Family1', givenName: 'Given1', familyName: 'Family1' }, title: 'Engineer',
    emails: [{ type: 'work', value: 'u1@example.com', primary: true }], displayName: 'Given1 Family1',
    [ENTERPRISE]: { department: 'Dept1', employeeNumber: '1' },
  }, true],
  ['empty', {}, true],
  ['escapes', {
    displayName: 'Quote " backslash \\ slash / tab \t newline \n cr \r bs \b ff \f ctl \u0001 \u001f del \u007f',
    nickName: 'émoji 😀 line sep \u2028 para \u2029 nbsp \u00a0', title: '\\u0041 not an escape',
  }, true],
  ['nested', { addresses: [{ type: 'work', primary: false, streetAddress: null }, { type: 'home', locality: 'X' }], x509Certificates: [[], [{}]], active2: [true, false, null] }, true],
  ['custom urn', { 'urn:ietf:params:scim:schemas:extension:Acme:2.0:User': { costCenter: 'cc', tags: ['a', 'b'] }, 'URN:other:Thing': { a: 'b' } }, true],
  ['numbers', { preferredLanguage: 'en', 'urn:x:Counts': { a: 1, b: 1.5, c: -0.25, d: 1e21, e: 12345678901234567890, f: 0.1 } }, false],
  ['integer-like key', { 'urn:x:Map': { b: 'x', 10: 'ten', 9: 'nine' } }, false],
  ['integer-like top-level key', { title: 't', 7: 'seven' }, false],
  ['enterprise manager', { [ENTERPRISE]: { department: 'D', manager: { value: '00000000-0000-4000-8000-000000000001', displayName: 'Boss' } } }, false],
  ['enterprise manager without value', { [ENTERPRISE]: { manager: { displayName: 'Boss' } } }, false],
  ['secret', { title: 't', password: 'never', Password: 'never either' }, false],
  ['qualified secret', { 'urn:ietf:params:scim:schemas:core:2.0:User:password': 'never', title: 't' }, false],
  ['core urn object', { 'urn:ietf:params:scim:schemas:core:2.0:User': { password: 'never', nickName: 'n' } }, false],
  ['resource keys', { meta: { resourceType: 'Elsewhere' }, id: 'not-the-id', groups: ['g'], title: 't' }, false],
  ['seatgate urn', { 'urn:ietf:params:scim:schemas:extension:seatgate:2.0:User': { seatType: 'forged' } }, false],
  ['__proto__', JSON.parse('{"__proto__": {"x": 1}, "title": "t"}') as Record<string, unknown>, false],
  ['nested __proto__ and odd keys', JSON.parse('{"urn:x:Odd": {"__proto__": "p", "": "empty", "a\\"b": "quote", "c\\\\d": "bs"}}') as Record<string, unknown>, true],
  ['escaped top-level key', JSON.parse('{"ti\\"tle": "t"}') as Record<string, unknown>, false],
];

let ctx: TestContext;
let orgId: string;
const ids = new Map<string, string>();

beforeAll(async () => {
  ctx = openTestContext();
  orgId = (await newOrganization(ctx)).orgId;
  for (const [label, attributes] of DOCUMENTS) {
    const { id } = await ctx.db.insertInto('members').values({
      org_id: orgId, user_name: `json-${label.replace(/\W/g, '-')}@example.test`, external_id: label === 'empty' ? null : `ext "${label}"`,
      active: label !== 'secret', seat_state: label === 'secret' ? 'inactive' : 'unassigned', source: 'scim', attributes: JSON.stringify(attributes),
    } as never).returning('id').executeTakeFirstOrThrow() as { id: string };
    ids.set(label, id);
  }
  // Groups on two of them, one with a name that needs escapes.
  const group = await ctx.db.insertInto('groups').values({ org_id: orgId, display_name: 'Ops "night" \\ team', external_id: null, attributes: '{}' })
    .returning('id').executeTakeFirstOrThrow();
  const other = await ctx.db.insertInto('groups').values({ org_id: orgId, display_name: 'Alpha', external_id: null, attributes: '{}' })
    .returning('id').executeTakeFirstOrThrow();
  await ctx.db.insertInto('group_members').values([
    { org_id: orgId, group_id: group.id, member_id: ids.get('entra-like')! },
    { org_id: orgId, group_id: other.id, member_id: ids.get('entra-like')! },
    { org_id: orgId, group_id: group.id, member_id: ids.get('numbers')! },
  ]).execute();
  // Timestamps of every form PostgreSQL writes (decision 0038: their ISO text is written from it):
  // no fraction, a fraction of 1 to 6 digits, the last microsecond of a second, a leap day, a year
  // before 100 and one before Christ (the Date's own text), the end of 9999.
  const stamps: [string, string, string][] = [
    ['entra-like', '2026-12-06 13:44:12+00', '2026-12-06 13:44:12.999999+00'],
    ['empty', '2024-02-29 23:59:59.5+00', '2026-01-01 00:00:00.000001+00'],
    ['escapes', '0050-06-01 12:00:00.25+00', '9999-12-31 23:59:59.999+00'],
    ['nested', '0044-03-15 12:00:00+00 BC', '2026-12-06 13:44:12.785123+00'],
  ];
  for (const [label, created, updated] of stamps) {
    await sql`update members set created_at = ${created}::timestamptz, updated_at = ${updated}::timestamptz where id = ${ids.get(label)!}`.execute(ctx.db);
  }
});
afterAll(() => ctx.close());

const reference = async (id: string, withGroups: boolean) => {
  const view = await users.findUser(ctx.db, orgId, id, { withGroups });
  return JSON.stringify(withoutSecrets('User', userResource(view!, BASE)));
};

describe('a listed user written from its stored text', () => {
  it.each([true, false])('is byte for byte the resource the objects give (groups: %s)', async (withGroups) => {
    const page = await users.listUsers(ctx.db, orgId, undefined, undefined, 0, 100, withGroups);
    expect(page.views).toHaveLength(DOCUMENTS.length + 1); // and the organization's owner
    for (const view of page.views) {
      const expected = await reference(view.id, withGroups);
      expect(userJson(view, BASE)).toBe(expected);
    }
  });

  it('is the same bytes under a base URL that needs escaping, alternating with another (decision 0034)', async () => {
    const page = await users.listUsers(ctx.db, orgId, undefined, undefined, 0, 100, true);
    for (const base of ['https://odd.example/"quoted"\\path\u2028/scim/v2', BASE, 'http://[::1]:8080/scim/v2']) {
      for (const view of page.views) {
        const found = await users.findUser(ctx.db, orgId, view.id, { withGroups: true });
        expect(userJson(view, base)).toBe(JSON.stringify(withoutSecrets('User', userResource(found!, base))));
      }
    }
  });

  it('copies the text of the documents it can copy as they are, and refuses numbers, integer-like and escaped keys', async () => {
    for (const [label, , plain] of DOCUMENTS) {
      const { rows } = await sql<{ text: string }>`select attributes::text as text from members where id = ${ids.get(label)!}`.execute(ctx.db);
      const stored = storedObjectJson(rows[0]!.text);
      if (plain) expect([label, stored && `{${stored.members}}`]).toEqual([label, JSON.stringify(JSON.parse(rows[0]!.text))]);
      if (['numbers', 'integer-like key', 'integer-like top-level key', 'escaped top-level key'].includes(label)) expect([label, stored]).toEqual([label, undefined]);
    }
  });

  it('lookups and sorted pages give the same bytes', async () => {
    const { compileFilter, sortKey } = await import('../../src/protocol/scim/filter/index.js');
    const lookup = await users.listUsers(ctx.db, orgId, compileFilter('User', 'userName eq "json-escapes@example.test"'), undefined, 0, 100, true);
    expect(userJson(lookup.views[0]!, BASE)).toBe(await reference(ids.get('escapes')!, true));
    const sorted = await users.listUsers(ctx.db, orgId, undefined, { key: sortKey('User', 'userName'), descending: true }, 0, 5, true);
    for (const view of sorted.views) expect(userJson(view, BASE)).toBe(await reference(view.id, true));
  });

  it('writes the attributes as they are once something read or changed them', async () => {
    const page = await users.listUsers(ctx.db, orgId, undefined, undefined, 0, 100, false);
    const view = page.views.find((v) => v.id === ids.get('entra-like'))!;
    expect(view.attributes.title).toBe('Engineer'); // parsed on first read
    view.attributes.title = 'Changed';
    expect(JSON.parse(userJson(view, BASE)).title).toBe('Changed');
    const listed = page.views.find((v) => v.id === ids.get('escapes'))!;
    const copy = { ...listed, attributes: listed.attributes };
    expect(userJson(copy, BASE)).toBe(await reference(listed.id, false));
    copy.attributes = { title: 'Replaced' };
    expect(JSON.parse(userJson(copy, BASE)).title).toBe('Replaced');
    const replaced = page.views.find((v) => v.id === ids.get('nested'))!;
    replaced.attributes = { title: 'Set' };
    expect(JSON.parse(userJson(replaced, BASE)).title).toBe('Set');
  });

  it('writes created and lastModified as the Dates hold them, also once changed (decision 0038)', async () => {
    const page = await users.listUsers(ctx.db, orgId, undefined, undefined, 0, 100, false);
    const view = page.views.find((v) => v.id === ids.get('empty'))!;
    expect(JSON.parse(userJson(view, BASE)).meta.created).toBe('2024-02-29T23:59:59.500Z');
    view.createdAt.setUTCMilliseconds(7); // in place
    view.updatedAt = new Date('2031-01-02T03:04:05.006Z'); // replaced
    const meta = JSON.parse(userJson(view, BASE)).meta;
    expect([meta.created, meta.lastModified]).toEqual(['2024-02-29T23:59:59.007Z', '2031-01-02T03:04:05.006Z']);
    const copy = { ...page.views.find((v) => v.id === ids.get('entra-like'))! };
    expect(JSON.parse(userJson({ ...copy, attributes: {} }, BASE)).meta.lastModified).toBe('2026-12-06T13:44:12.999Z');
  });
});
