// The filter parser alone: text → syntax tree, and every syntax error with where it was found.
import { parseFilter, ScimFilterError, type FilterNode } from '../../src/protocol/scim/filter/index.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const path = (text: string) => {
  const colon = text.toLowerCase().startsWith('urn:') ? text.lastIndexOf(':') : -1;
  const [attribute, subAttribute] = text.slice(colon + 1).split('.');
  return { text, ...(colon >= 0 ? { uri: text.slice(0, colon) } : {}), attribute, ...(subAttribute ? { subAttribute } : {}) };
};
const str = (value: string, quoted = true) => ({ type: 'string', value, quoted });
const cmp = (p: string, op: string, value: unknown) => ({ kind: 'compare', path: path(p), op, value });
const pr = (p: string) => ({ kind: 'present', path: path(p) });
const and = (...filters: unknown[]) => ({ kind: 'and', filters });
const or = (...filters: unknown[]) => ({ kind: 'or', filters });
const not = (filter: unknown) => ({ kind: 'not', filter });

// Positions (`at`) are checked where they matter; elsewhere the expectation ignores them.
const withoutPositions = (node: unknown): unknown => JSON.parse(JSON.stringify(node, (key, value) => (key === 'at' ? undefined : value)));

describe('parseFilter: accepted filters', () => {
  const cases: [string, unknown][] = [
    ['userName eq "bjensen"', cmp('userName', 'eq', str('bjensen'))],
    ['UserName EQ "bjensen"', cmp('UserName', 'eq', str('bjensen'))],
    ['userName Eq "x"', cmp('userName', 'eq', str('x'))],
    ['name.familyName co "O\'Malley"', cmp('name.familyName', 'co', str("O'Malley"))],
    ['userName sw "J"', cmp('userName', 'sw', str('J'))],
    ['userName ew "@example.com"', cmp('userName', 'ew', str('@example.com'))],
    ['title pr', pr('title')],
    ['title PR', pr('title')],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'gt', str('2011-05-13T04:42:34Z'))],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'ge', str('2011-05-13T04:42:34Z'))],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'lt', str('2011-05-13T04:42:34Z'))],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'le', str('2011-05-13T04:42:34Z'))],
    ['userName ne "x"', cmp('userName', 'ne', str('x'))],
    // JSON values: escapes, numbers, literals.
    ['userName eq "a\\"b\\\\c\\u00e9\\n"', cmp('userName', 'eq', str('a"b\\cé\n'))],
    ['userName eq ""', cmp('userName', 'eq', str(''))],
    ['x eq 42', cmp('x', 'eq', { type: 'number', value: 42, raw: '42' })],
    ['x eq -1.5e3', cmp('x', 'eq', { type: 'number', value: -1500, raw: '-1.5e3' })],
    ['active eq true', cmp('active', 'eq', { type: 'boolean', value: true })],
    ['active eq false', cmp('active', 'eq', { type: 'boolean', value: false })],
    ['title eq null', cmp('title', 'eq', { type: 'null' })],
    // Entra's unquoted values are strings; so are words that only look like keywords elsewhere.
    ['externalId eq jyoung', cmp('externalId', 'eq', str('jyoung', false))],
    ['externalId eq jyoung@example.com', cmp('externalId', 'eq', str('jyoung@example.com', false))],
    ['active eq True', cmp('active', 'eq', str('True', false))],
    ['x eq 0123', cmp('x', 'eq', str('0123', false))],
    ['userName eq pr', cmp('userName', 'eq', str('pr', false))],
    // Whitespace is lenient.
    ['  userName   eq\t"x"  ', cmp('userName', 'eq', str('x'))],
    // Precedence: not > and > or.
    ['a pr or b pr and c pr', or(pr('a'), and(pr('b'), pr('c')))],
    ['a pr and b pr or c pr', or(and(pr('a'), pr('b')), pr('c'))],
    ['a pr and b pr and c pr', and(pr('a'), pr('b'), pr('c'))],
    ['a pr or b pr or c pr', or(pr('a'), pr('b'), pr('c'))],
    ['(a pr or b pr) and c pr', and(or(pr('a'), pr('b')), pr('c'))],
    ['not (a pr) and b pr', and(not(pr('a')), pr('b'))],
    ['NOT (a pr or b pr)', not(or(pr('a'), pr('b')))],
    ['not(a pr)', not(pr('a'))],
    ['a pr AND b pr OR c pr', or(and(pr('a'), pr('b')), pr('c'))],
    // Parentheses at any depth (scimmy 1.3.5 fails on these).
    ['((userName eq "a"))', cmp('userName', 'eq', str('a'))],
    ['(userName eq "a" or (title eq "b" and (active eq true)))',
      or(cmp('userName', 'eq', str('a')), and(cmp('title', 'eq', str('b')), cmp('active', 'eq', { type: 'boolean', value: true })))],
    ['not (not (not (a pr)))', not(not(not(pr('a'))))],
    // URN-qualified paths: the URN has colons and dots of its own.
    [`${ENTERPRISE}:employeeNumber eq "701984"`, cmp(`${ENTERPRISE}:employeeNumber`, 'eq', str('701984'))],
    [`${ENTERPRISE}:manager.value eq "26118915"`, cmp(`${ENTERPRISE}:manager.value`, 'eq', str('26118915'))],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', cmp('urn:ietf:params:scim:schemas:core:2.0:User:userName', 'sw', str('J'))],
    ['members.$ref pr', pr('members.$ref')],
    // Value paths.
    ['emails[type eq "work" and value co "@example.com"]',
      { kind: 'valuePath', path: path('emails'), filter: and(cmp('type', 'eq', str('work')), cmp('value', 'co', str('@example.com'))) }],
    ['emails[type eq "work"].value eq "x@example.com"',
      { kind: 'valuePath', path: path('emails'), filter: cmp('type', 'eq', str('work')), then: cmp('value', 'eq', str('x@example.com')) }],
    ['emails[type eq "work"].value pr', { kind: 'valuePath', path: path('emails'), filter: cmp('type', 'eq', str('work')), then: pr('value') }],
    ['emails[not (type eq "work") or (primary eq true)]',
      { kind: 'valuePath', path: path('emails'), filter: or(not(cmp('type', 'eq', str('work'))), cmp('primary', 'eq', { type: 'boolean', value: true })) }],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      and(cmp('userType', 'eq', str('Employee')), or(cmp('emails', 'co', str('example.com')), cmp('emails.value', 'co', str('example.org'))))],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      and(cmp('userType', 'eq', str('Employee')), { kind: 'valuePath', path: path('emails'), filter: and(cmp('type', 'eq', str('work')), cmp('value', 'co', str('@example.com'))) })],
    ['emails[type eq "work"] or ims[type eq "xmpp"]',
      or({ kind: 'valuePath', path: path('emails'), filter: cmp('type', 'eq', str('work')) }, { kind: 'valuePath', path: path('ims'), filter: cmp('type', 'eq', str('xmpp')) })],
    ['members[value eq "2819c223"]', { kind: 'valuePath', path: path('members'), filter: cmp('value', 'eq', str('2819c223')) }],
  ];

  it.each(cases)('%s', (filter, expected) => {
    expect(withoutPositions(parseFilter(filter))).toEqual(expected);
  });

  it('records where each attribute expression starts', () => {
    const node = parseFilter('a pr and  emails[type eq "w"].value eq "x"') as Extract<FilterNode, { kind: 'and' }>;
    expect(node.filters[0]).toMatchObject({ at: 0 });
    expect(node.filters[1]).toMatchObject({ kind: 'valuePath', at: 10, filter: { at: 17 }, then: { at: 30 } });
  });
});

describe('parseFilter: syntax errors', () => {
  const cases: [string, RegExp, number | undefined][] = [
    ['', /empty/, 0],
    ['   ', /empty/, 0],
    ['userName eq', /expected a value after "eq", found the end of the filter/, undefined],
    ['userName eq "a" and', /expected an attribute name, "not" or "\(", found the end of the filter/, undefined],
    ['userName eq "a" or', /expected an attribute name/, undefined],
    ['and userName eq "a"', /expected an attribute name, "not" or "\(", found "and" at position 0/, 0],
    ['a pr and or b pr', /expected an attribute name, "not" or "\(", found "or" at position 9/, 9],
    ['userName', /expected an operator after "userName", found the end of the filter/, undefined],
    ['userName xx "a"', /unknown operator "xx" at position 9/, 9],
    ['userName eq "a" userName eq "b"', /expected "and", "or" or the end of the filter, found "userName" at position 16/, 16],
    ['userName eq "a', /unterminated string starting at position 12/, 12],
    ['userName eq "a\\q"', /invalid string/, 12],
    ['userName eq "tab\there"', /invalid string/, 12],
    ['userName eq and', /expected a value after "eq", found "and" at position 12/, 12],
    ['userName eq (', /expected a value after "eq", found "\(" at position 12/, 12],
    ['(userName eq "a"', /expected "\)" to close the "\(" at position 0, found the end of the filter/, undefined],
    ['userName eq "a")', /found "\)" at position 15/, 15],
    ['((userName eq "a")', /expected "\)" to close the "\(" at position 0/, undefined],
    ['not userName eq "a"', /expected "\(" after "not"/, 4],
    ['not ()', /expected an attribute name, "not" or "\(", found "\)" at position 5/, 5],
    ['()', /found "\)" at position 1/, 1],
    ['emails[type eq "work"', /expected "]" to close the "\[" at position 6/, undefined],
    ['emails[type eq "work"]]', /found "]" at position 22/, 22],
    ['emails[]', /found "]" at position 7/, 7],
    ['emails[type[value eq "x"] eq "y"]', /value filters cannot be nested/, 11],
    ['emails[emails.type eq "work"]', /inside "\[…\]" name a sub-attribute/, 7],
    [`emails[${ENTERPRISE}:employeeNumber eq "1"]`, /inside "\[…\]" name a sub-attribute/, 7],
    ['name.givenName[value eq "x"]', /must follow a complex attribute, not the sub-attribute "name.givenName"/, 14],
    ['emails[type eq "work"].value', /expected an operator after "value", found the end of the filter/, undefined],
    ['emails[type eq "work"].9x eq "a"', /invalid sub-attribute name ".9x"/, 22],
    ['name.givenName.x eq "a"', /invalid attribute path "name.givenName.x"/, 0],
    ['1abc eq "a"', /invalid attribute path "1abc"/, 0],
    ['user-name! eq "a"', /invalid attribute path/, 0],
    ['.value eq "a"', /invalid attribute path ".value"/, 0],
    ['urn:ietf:params:scim:schemas:core:2.0:User: eq "a"', /invalid attribute path/, 0],
    ['"userName" eq "a"', /expected an attribute name, "not" or "\(", found the string "userName" at position 0/, 0],
    ['userName eq "a" and [', /found "\[" at position 20/, 20],
    [`${'('.repeat(60)}a pr${')'.repeat(60)}`, /nested more than 50 levels deep/, 50],
    ['userName eq "a\\u0000b"', /string at position 12 contains a NUL character/, 12],
    ['userName eq a\u0000b', /NUL character at position 13/, 13],
  ];

  it.each(cases)('%j', (filter, message, position) => {
    let caught: unknown;
    try {
      parseFilter(filter);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScimFilterError);
    const error = caught as ScimFilterError;
    expect(error.scimType).toBe('invalidFilter');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(message);
    if (position !== undefined) expect(error.position).toBe(position);
  });
});
