// A lookup's filter (`userName eq "…"`) is compiled once per shape, its value put in place
// (src/protocol/scim/filter/index.ts, decision 0039): what it gives must be what a full compile of
// the same text gives — the same SQL and parameters, template and atMostOne — and filters the
// shortcut does not cover must still be parsed (and refused) as before.
import { offlineKysely } from '../support/offline-kysely.js';
import { compileFilter, heldFilters, parseFilter, ScimFilterError, validateFilter } from '../../src/protocol/scim/filter/index.js';
import type { ResourceType } from '../../src/protocol/scim/attributes.js';

const db = offlineKysely();
const sqlOf = (type: ResourceType, where: ReturnType<typeof compileFilter>) =>
  (type === 'User' ? db.selectFrom('members').select('id').where(where as never) : db.selectFrom('groups').select('id').where(where as never)).compile();

describe('lookup filters compiled once per shape', () => {
  test('ten thousand lookups hold one shape, not ten thousand filters', () => {
    const before = heldFilters();
    for (let i = 0; i < 10_000; i++) compileFilter('User', `userName eq "shape-u${i}@example.com"`);
    const after = heldFilters();
    expect(after.byText).toBe(before.byText);
    expect(after.shapes).toBeLessThanOrEqual(before.shapes + 1);
  });

  test.each([
    ['User', 'userName eq "a@example.com"', 'userName eq "b@example.com"'],
    ['User', 'USERNAME EQ "A@EXAMPLE.COM"', 'USERNAME EQ "Z@example.com"'],
    ['User', '  userName   eq   "x"  ', 'userName eq "y"'],
    ['User', 'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"', 'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "é ☃ 𝄞"'],
    ['User', 'userName eq ""', 'userName eq "it\'s (a) [test]"'],
    ['User', 'externalId eq "e1"', 'externalId eq "e2"'],
    ['User', 'id eq "0d4a2f6c-4b8e-4c53-9f34-2f1f8d0e8a11"', 'id eq "1d4a2f6c-4b8e-4c53-9f34-2f1f8d0e8a11"'],
    ['User', 'active eq "true"', 'active eq "false"'],
    ['User', 'userName sw "a"', 'userName sw "b"'],
    ['Group', 'displayName eq "Engineering"', 'displayName eq "Sales"'],
  ] as const)('%s %s then %s: as a full compile of the text', (type, first, second) => {
    for (const filter of [first, second, first]) {
      const fast = compileFilter(type, filter);
      // The reference: parse, validate and translate the text, as compileFilter did for every filter.
      const checked = validateFilter(type, parseFilter(filter));
      const reference = checked.kind === 'compare' ? checked.value : undefined;
      expect(fast.atMostOne).toBe(compileFilter(type, `(${filter})`).atMostOne);
      expect(sqlOf(type, fast)).toEqual(sqlOf(type, compileFilter(type, `(${filter})`)));
      if (fast.template) {
        expect(reference).toEqual({ type: 'string', value: fast.template.value });
        expect(fast.template.key).toBe(compileFilter(type, `(${filter})`).template?.key);
      }
    }
  });

  test('a filter outside the shortcut is parsed and refused as before', () => {
    expect(() => compileFilter('User', 'nosuch eq "a"')).toThrow(ScimFilterError);
    expect(() => compileFilter('User', 'nosuch eq "b"')).toThrow(ScimFilterError);
    expect(() => compileFilter('User', 'userName eq "a\\u0000"')).toThrow(ScimFilterError);
    expect(() => compileFilter('User', 'userName zz "a"')).toThrow(ScimFilterError);
    expect(compileFilter('User', 'userName eq "a\\"b"').template?.value).toBe('a"b');
    expect(compileFilter('User', 'userName eq "tab\\tx"').template?.value).toBe('tab\tx');
  });
});
