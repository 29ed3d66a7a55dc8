// Statements compiled once per shape (src/storage/statement-templates.ts): a lookup served from
// its template sends PostgreSQL exactly the text and parameters a fresh compile would, for any
// value; a shape whose values do not reach SQL untouched is never templated. Compiled by Kysely
// without a connection; the queries are read from Kysely's own log.
import { sql, type CompiledQuery } from 'kysely';
import { offlineKysely } from '../support/offline-kysely.js';
import { compileFilter } from '../../src/protocol/scim/filter/index.js';
import { listUsers, replaceUserUnlessSeatsMove } from '../../src/storage/scim-users.js';
import { fromTemplate, templateState } from '../../src/storage/statement-templates.js';

const sent: CompiledQuery[] = [];
const db = offlineKysely((event) => { sent.push(event.query); });

const ORG = '0d4a2f6c-4b8e-4c53-9f34-2f1f8d0e8a11';

/** The statement listUsers sends for `filter`, with or without the filter's template. */
async function lookupStatement(filter: string, templated: boolean, withGroups = true): Promise<CompiledQuery> {
  const compiled = compileFilter('User', filter);
  const where = templated ? compiled : Object.assign((eb: never) => compiled(eb), { atMostOne: compiled.atMostOne });
  sent.length = 0;
  await listUsers(db, ORG, where as never, undefined, 0, 100, withGroups);
  expect(sent).toHaveLength(1);
  return sent[0]!;
}

describe('statement templates', () => {
  test('a userName lookup from its template is the statement a fresh compile makes, whatever the value', async () => {
    expect(compileFilter('User', 'userName eq "a@x.com"').template?.key).toBe('User userName eq');
    const values = ['alice@example.com', 'Ünïcødé "quoted" \\ back', '100% _like_ chars', '$1', ''];
    for (const withGroups of [true, false]) {
      for (const value of values) {
        const filter = `userName eq ${JSON.stringify(value)}`;
        const fresh = await lookupStatement(filter, false, withGroups);
        const templated = await lookupStatement(filter, true, withGroups);
        expect(templated.sql).toBe(fresh.sql);
        expect(templated.parameters).toEqual(fresh.parameters);
        expect(templated.parameters).toContain(value);
      }
      expect(templateState(`members lookup ${withGroups} User userName eq`)).toBe(true);
    }
  });

  test('filters whose SQL depends on the value carry no template', () => {
    expect(compileFilter('User', 'userName co "a"').template).toBeUndefined(); // the value becomes a LIKE pattern
    expect(compileFilter('User', `id eq "${ORG}"`).template).toBeUndefined(); // a uuid or FALSE
    expect(compileFilter('User', 'userName eq "a" and active eq true').template).toBeUndefined();
    expect(compileFilter('User', 'name.familyName eq "a"').template).toBeUndefined(); // jsonb
    expect(compileFilter('Group', 'displayName eq "Staff"').template?.key).toBe('Group displayName eq');
  });

  test('a list page is compiled once per filter: the same text, its values in their slots (decision 0034)', async () => {
    const active = compileFilter('User', 'active eq true');
    expect(compileFilter('User', 'active eq true')).toBe(active); // held per text
    expect(compileFilter('User', 'active eq false')).not.toBe(active);
    const pageStatement = async (offset: number, size: number) => {
      sent.length = 0;
      // Offline there is no row: past the first page the total is then counted apart, and fails.
      await listUsers(db, ORG, active, undefined, offset, size, true).catch(() => undefined);
      return sent[0]!;
    };
    const first = await pageStatement(0, 100);
    expect(first.sql).toContain('page_first');
    for (const [offset, size] of [[40, 100], [5000, 100], [0, 100]] as const) {
      const page = await pageStatement(offset, size);
      expect(page.sql).toBe(first.sql);
      // The organization in each of its places, the walks' offsets, the filter's own value.
      expect(page.parameters.filter((p) => p === ORG)).toHaveLength(first.parameters.filter((p) => p === ORG).length);
      expect(page.parameters.filter((p) => p === ORG).length).toBeGreaterThanOrEqual(4);
      expect(page.parameters).toContain(offset);
      expect(page.parameters).toContain(size - 1);
      expect(page.parameters).toContain(true);
      expect(page.parameters.some((p) => typeof p === 'string' && p.includes('\u0000'))).toBe(false);
    }
    // A size that is not written into the text is a parameter of its own text.
    const odd = await pageStatement(10, 37);
    expect(odd.sql).not.toBe(first.sql);
    expect(odd.parameters).toEqual(expect.arrayContaining([10, 36, 37]));
  });

  test('a shape whose value is transformed on its way into SQL is compiled every time, never templated', () => {
    const build = (slot: (i: number) => never) =>
      db.selectFrom('members').select('id').where('members.org_id', '=', slot(0)).where(sql<boolean>`user_name like ${`${slot(1) as string}%`}`);
    const first = fromTemplate('test transformed', [ORG, 'ab'], build);
    const second = fromTemplate('test transformed', [ORG, 'cd'], build);
    expect(templateState('test transformed')).toBe(false);
    expect(first.parameters).toEqual([ORG, 'ab%']);
    expect(second.parameters).toEqual([ORG, 'cd%']);
  });

  test('a value that changes the SQL text itself is refused as a template', () => {
    const build = (slot: (i: number) => never) => db.selectFrom('members').select(sql.lit(slot(0) as string).as('x'));
    expect(fromTemplate('test literal', ['a'], build).sql).toContain("'a'");
    expect(templateState('test literal')).toBe(false);
    expect(fromTemplate('test literal', ['b'], build).sql).toContain("'b'");
  });

  test('a PUT\'s one-statement write is compiled once per shape; each request\'s values reach its parameters (decision 0040)', async () => {
    const put = async (fields: Parameters<typeof replaceUserUnlessSeatsMove>[3], withGroups = true) => {
      sent.length = 0;
      await replaceUserUnlessSeatsMove(db, ORG, '6b1f3c2e-0a4d-4e8f-9b7a-1c2d3e4f5a6b', fields, '2026-12-06', withGroups);
      expect(sent).toHaveLength(1);
      return sent[0]!;
    };
    const a = await put({ userName: 'a@x.com', externalId: '00u1', active: undefined, attributes: { title: 'Staff' } });
    const b = await put({ userName: 'b@x.com', externalId: null, active: undefined, attributes: { roles: [{ value: 'r' }], title: '$1' } });
    expect(templateState('members put true false')).toBe(true);
    expect(b.sql).toBe(a.sql);
    expect(a.parameters).toEqual(expect.arrayContaining([ORG, 'a@x.com', '00u1', '{"title":"Staff"}', null, '2026-12-06']));
    expect(b.parameters).toEqual(expect.arrayContaining(['b@x.com', null, '{"roles":[{"value":"r"}],"title":"$1"}', '[{"value":"r"}]']));
    expect(b.parameters).not.toContain('a@x.com');
    expect(JSON.stringify(b.parameters)).not.toContain('seatgate-slot');
    // `active` sent is another shape: the seat condition on it, with its value.
    const c = await put({ userName: 'c@x.com', externalId: null, active: false, attributes: {} }, false);
    expect(templateState('members put false true')).toBe(true);
    expect(c.sql).toMatch(/"active" = \$\d+/);
    expect(c.sql).not.toBe(a.sql);
    expect(c.parameters).toContain(false);
  });
});
