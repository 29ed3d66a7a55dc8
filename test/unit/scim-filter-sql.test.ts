// Validation and SQL translation of SCIM filters, and sortBy: the emitted SQL text and its
// parameters, compiled by Kysely without a connection. The SQL is meant to be read in review.
import { offlineKysely } from '../support/offline-kysely.js';
import { compileFilter, likePattern, ScimFilterError, ScimSortError, sortKey } from '../../src/protocol/scim/filter/index.js';

const db = offlineKysely();

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SEATGATE = 'urn:ietf:params:scim:schemas:extension:seatgate:2.0:User';
const UUID = '0d4a2f6c-4b8e-4c53-9f34-2f1f8d0e8a11';

function userWhere(filter: string) {
  const { sql, parameters } = db.selectFrom('members').select('id').where(compileFilter('User', filter)).compile();
  return { sql: sql.replace('select "id" from "members" where ', ''), parameters };
}
function groupWhere(filter: string) {
  const { sql, parameters } = db.selectFrom('groups').select('id').where(compileFilter('Group', filter)).compile();
  return { sql: sql.replace('select "id" from "groups" where ', ''), parameters };
}

const attrs = (key: string) => `"members"."attributes" -> '${key}'`;
const text = (json: string, key: string) => `${json} ->> '${key}'`;
const str = (json: string, textExpr: string, cmp: string) => `(${cmp.replace('$T', textExpr)} and coalesce(jsonb_typeof(${json}) = 'string', false))`;
const present = (json: string) => `coalesce(jsonb_typeof(${json}) <> 'null' and ${json} not in ('""'::jsonb, '[]'::jsonb, '{}'::jsonb), false)`;
const keysLike = (param: string) => `"members"."email_keys" like lower(${param})`;
const anyOf = (key: string, condition: string) =>
  `exists (select 1 from jsonb_array_elements((case when jsonb_typeof(${attrs(key)}) = 'array' then ${attrs(key)} else '[]'::jsonb end)) as e where ${condition})`;
const elemStr = (key: string, cmp: string) => str(`e.value -> '${key}'`, `e.value ->> '${key}'`, cmp);
const USER_GROUPS = 'exists (select 1 from group_members as gm join groups as g on g.org_id = gm.org_id and g.id = gm.group_id where gm.org_id = "members"."org_id" and gm.member_id = "members"."id" and ';
const GROUP_MEMBERS = 'exists (select 1 from group_members as gm where gm.org_id = "groups"."org_id" and gm.group_id = "groups"."id" and ';

describe('compileFilter: User SQL', () => {
  const cases: [string, string, unknown[]][] = [
    // Columns. userName is caseExact=false: lower() on both sides, the shape of its unique index.
    ['userName eq "ALICE@X.COM"', 'lower("members"."user_name") = lower($1)', ['ALICE@X.COM']],
    ['UserName EQ "a"', 'lower("members"."user_name") = lower($1)', ['a']],
    ['userName ne "a"', 'not (lower("members"."user_name") = lower($1))', ['a']],
    ['userName co "a%_\\\\b"', 'lower("members"."user_name") like lower($1)', ['%a\\%\\_\\\\b%']],
    ['userName sw "a"', 'lower("members"."user_name") like lower($1)', ['a%']],
    ['userName ew "a"', 'lower("members"."user_name") like lower($1)', ['%a']],
    ['userName gt "m"', 'lower("members"."user_name") > lower($1)', ['m']],
    ['userName ge "m"', 'lower("members"."user_name") >= lower($1)', ['m']],
    ['userName lt "m"', 'lower("members"."user_name") < lower($1)', ['m']],
    ['userName le "m"', 'lower("members"."user_name") <= lower($1)', ['m']],
    ['userName pr', `("members"."user_name" <> '')`, []],
    // externalId is caseExact and nullable: guarded so that `not`/`ne` see false, not NULL.
    ['externalId eq "X"', '("members"."external_id" is not null and "members"."external_id" = $1)', ['X']],
    ['externalId eq jyoung', '("members"."external_id" is not null and "members"."external_id" = $1)', ['jyoung']],
    ['externalId eq 12345', '("members"."external_id" is not null and "members"."external_id" = $1)', ['12345']],
    ['externalId pr', `("members"."external_id" is not null and "members"."external_id" <> '')`, []],
    ['externalId eq null', `not (("members"."external_id" is not null and "members"."external_id" <> ''))`, []],
    ['externalId ne null', `("members"."external_id" is not null and "members"."external_id" <> '')`, []],
    // id: a UUID is compared as a uuid (primary key); anything else matches nothing.
    [`id eq "${UUID.toUpperCase()}"`, '"members"."id" = cast($1 as uuid)', [UUID]],
    ['id eq "nope"', 'false', []],
    ['id ne "nope"', 'not (false)', []],
    ['id sw "0d4a"', 'lower(cast("members"."id" as text)) like lower($1)', ['0d4a%']],
    ['active eq false', '"members"."active" = $1', [false]],
    ['active eq "True"', '"members"."active" = $1', [true]],
    ['active eq "false"', '"members"."active" = $1', [false]],
    ['active ne true', 'not ("members"."active" = $1)', [true]],
    ['meta.created ge "2024-01-01T00:00:00.123456+02:00"', '"members"."created_at" >= cast($1 as timestamptz)', ['2024-01-01T00:00:00.123456+02:00']],
    ['meta.lastModified lt "2024-01-01T10:00"', '"members"."updated_at" < cast($1 as timestamptz)', ['2024-01-01T10:00Z']],
    ['meta.resourceType eq "User"', 'true', []],
    ['meta.resourceType eq "Group"', 'false', []],
    ['meta pr', 'true', []],
    [`${SEATGATE}:seatState eq "ASSIGNED"`, 'lower("members"."seat_state") = lower($1)', ['ASSIGNED']],
    [`${SEATGATE}:seatType eq "premium"`, '("members"."seat_type" is not null and lower("members"."seat_type") = lower($1))', ['premium']],
    // jsonb attributes: typed reads that never raise, two-valued via coalesce.
    ['title eq "Boss"', str(attrs('title'), text('"members"."attributes"', 'title'), 'lower($T) = lower($1)'), ['Boss']],
    ['title ne "Boss"', `not (${str(attrs('title'), text('"members"."attributes"', 'title'), 'lower($T) = lower($1)')})`, ['Boss']],
    ['title pr', present(attrs('title')), []],
    ['title ne null', present(attrs('title')), []],
    ['name.givenName sw "B"', str(`${attrs('name')} -> 'givenName'`, `${attrs('name')} ->> 'givenName'`, 'lower($T) like lower($1)'), ['B%']],
    ['name pr', present(attrs('name')), []],
    [`${ENTERPRISE}:employeeNumber eq "7"`,
      str(`${attrs(ENTERPRISE)} -> 'employeeNumber'`, `${attrs(ENTERPRISE)} ->> 'employeeNumber'`, 'lower($T) = lower($1)'), ['7']],
    [`${ENTERPRISE}:manager.value eq "m"`,
      str(`${attrs(ENTERPRISE)} -> 'manager' -> 'value'`, `${attrs(ENTERPRISE)} -> 'manager' ->> 'value'`, 'lower($T) = lower($1)'), ['m']],
    [`${ENTERPRISE}:manager eq "m"`,
      str(`${attrs(ENTERPRISE)} -> 'manager' -> 'value'`, `${attrs(ENTERPRISE)} -> 'manager' ->> 'value'`, 'lower($T) = lower($1)'), ['m']],
    // unqualified: the one extension that defines the name (Entra's `manager eq "id"`)
    ['manager eq "m"',
      str(`${attrs(ENTERPRISE)} -> 'manager' -> 'value'`, `${attrs(ENTERPRISE)} -> 'manager' ->> 'value'`, 'lower($T) = lower($1)'), ['m']],
    ['employeeNumber eq "7"',
      str(`${attrs(ENTERPRISE)} -> 'employeeNumber'`, `${attrs(ENTERPRISE)} ->> 'employeeNumber'`, 'lower($T) = lower($1)'), ['7']],
    [`${ENTERPRISE}:manager[value eq "m"]`,
      str(`${attrs(ENTERPRISE)} -> 'manager' -> 'value'`, `${attrs(ENTERPRISE)} -> 'manager' ->> 'value'`, 'lower($T) = lower($1)'), ['m']],
    // Multi-valued: any value matches; `emails eq` reads emails.value; ne is "no value equals".
    // Type and value comparisons on emails read the email keys (email-keys.ts): exact for eq/sw.
    ['emails eq "a@x"', keysLike('$1'), ['%\x02a@x\x03%']],
    ['emails.value eq "a@x"', keysLike('$1'), ['%\x02a@x\x03%']],
    ['emails.value ne "a@x"', `not (${keysLike('$1')})`, ['%\x02a@x\x03%']],
    ['emails.value sw "a_%"', keysLike('$1'), ['%\x02a\\_\\%%']],
    ['emails.type eq "work"', keysLike('$1'), ['%\x01work\x02%']],
    // ew and co only imply a key pattern: it goes in front of the exact EXISTS.
    ['emails.value ew "@x"', `(${keysLike('$1')} and ${anyOf('emails', elemStr('value', 'lower($T) like lower($2)'))})`, ['%@x\x03%', '%@x']],
    // A value holding a key separator is never turned into a pattern.
    ['emails.value eq "a\\u0002b"', anyOf('emails', elemStr('value', 'lower($T) = lower($1)')), ['a\x02b']],
    ['emails pr', present(attrs('emails')), []],
    ['emails.value pr', anyOf('emails', present(`e.value -> 'value'`)), []],
    ['emails.primary eq true', anyOf('emails', `coalesce(jsonb_typeof(e.value -> 'primary') in ('boolean', 'string') and lower(e.value ->> 'primary') = $1, false)`), ['true']],
    ['x509Certificates.value eq "AbC"', anyOf('x509Certificates', elemStr('value', '$T = $1')), ['AbC']],
    // Value paths: every condition inside one EXISTS, on the same element.
    ['emails[type eq "work" and value co "@x"]',
      `(${keysLike('$1')} and ${anyOf('emails', `(${elemStr('type', 'lower($T) = lower($2)')} and ${elemStr('value', 'lower($T) like lower($3)')})`)})`, ['%@x%', 'work', '%@x%']],
    ['emails[type eq "work"].value eq "x"', keysLike('$1'), ['%\x01work\x02x\x03%']],
    ['emails[value sw "u" and TYPE eq "Work"]', keysLike('$1'), ['%\x01Work\x02u%']],
    ['emails[type eq "work" and primary eq true]',
      `(${keysLike('$1')} and ${anyOf('emails', `(${elemStr('type', 'lower($T) = lower($2)')} and coalesce(jsonb_typeof(e.value -> 'primary') in ('boolean', 'string') and lower(e.value ->> 'primary') = $3, false))`)})`, ['%\x01work\x02%', 'work', 'true']],
    ['emails[value eq "a" or value eq "b"]',
      anyOf('emails', `(${elemStr('value', 'lower($T) = lower($1)')} or ${elemStr('value', 'lower($T) = lower($2)')})`), ['a', 'b']],
    ['emails[not (type eq "work")]', anyOf('emails', `not (${elemStr('type', 'lower($T) = lower($1)')})`), ['work']],
    ['emails[type ne "work"]', anyOf('emails', `not (${elemStr('type', 'lower($T) = lower($1)')})`), ['work']],
    ['emails[type eq "work"] and emails[type eq "home"]', `(${keysLike('$1')} and ${keysLike('$2')})`, ['%\x01work\x02%', '%\x01home\x02%']],
    // groups of a User are group_members rows.
    [`groups eq "${UUID}"`, `${USER_GROUPS}gm.group_id = cast($1 as uuid))`, [UUID]],
    ['groups.display co "eng"', `${USER_GROUPS}lower(g.display_name) like lower($1))`, ['%eng%']],
    ['groups.type eq "direct"', `${USER_GROUPS}true)`, []],
    ['groups pr', `${USER_GROUPS}true)`, []],
    // Logic.
    ['not (userName eq "a" or title pr) and active eq true',
      `(not (lower("members"."user_name") = lower($1) or ${present(attrs('title'))}) and "members"."active" = $2)`, ['a', true]],
    ['not (not (title pr))', `not (not (${present(attrs('title'))}))`, []],
    ['userName eq "a" or userName eq "b" and active eq true',
      '(lower("members"."user_name") = lower($1) or (lower("members"."user_name") = lower($2) and "members"."active" = $3))', ['a', 'b', true]],
    ['((userName eq "a"))', 'lower("members"."user_name") = lower($1)', ['a']],
  ];

  it.each(cases)('%s', (filter, sql, parameters) => {
    expect(userWhere(filter)).toEqual({ sql, parameters });
  });
});

describe('compileFilter: Group SQL', () => {
  const cases: [string, string, unknown[]][] = [
    ['displayName eq "Eng"', 'lower("groups"."display_name") = lower($1)', ['Eng']],
    ['externalId eq "g1"', '("groups"."external_id" is not null and "groups"."external_id" = $1)', ['g1']],
    [`id eq "${UUID}"`, '"groups"."id" = cast($1 as uuid)', [UUID]],
    [`members eq "${UUID}"`, `${GROUP_MEMBERS}gm.member_id = cast($1 as uuid))`, [UUID]],
    [`members.value eq "${UUID}"`, `${GROUP_MEMBERS}gm.member_id = cast($1 as uuid))`, [UUID]],
    [`members[value eq "${UUID}" or value eq "x"]`, `${GROUP_MEMBERS}(gm.member_id = cast($1 as uuid) or false))`, [UUID]],
    ['members.type eq "user"', `${GROUP_MEMBERS}true)`, []],
    ['members pr', `${GROUP_MEMBERS}true)`, []],
    ['not (members pr)', `not (${GROUP_MEMBERS}true))`, []],
    ['meta.resourceType eq "Group"', 'true', []],
    ['meta.lastModified gt "2024-01-01T00:00:00Z"', '"groups"."updated_at" > cast($1 as timestamptz)', ['2024-01-01T00:00:00Z']],
  ];

  it.each(cases)('%s', (filter, sql, parameters) => {
    expect(groupWhere(filter)).toEqual({ sql, parameters });
  });
});

describe('compileFilter: rejected filters', () => {
  const cases: ['User' | 'Group', string, RegExp][] = [
    ['User', 'nope eq "a"', /unknown attribute "nope" for resource type User/],
    ['User', 'name.nope eq "a"', /unknown attribute "name.nope"/],
    ['User', 'employeeNumbr eq "1"', /unknown attribute "employeeNumbr"/],
    ['User', 'urn:ietf:params:scim:schemas:extension:Custom:2.0:User:x eq "1"', /unknown attribute/],
    ['User', 'emails[nope eq "a"]', /"emails" has no sub-attribute "nope"/],
    ['User', 'emails[type eq "work"].nope eq "a"', /"emails" has no sub-attribute "nope"/],
    ['Group', 'userName eq "a"', /unknown attribute "userName" for resource type Group/],
    ['User', 'members eq "a"', /unknown attribute "members"/],
    // RFC 7644: ordering on booleans and binaries is invalidFilter.
    ['User', 'active gt true', /"gt" cannot be used on the boolean attribute "active"/],
    ['User', 'active le false', /"le" cannot be used on the boolean attribute "active"/],
    ['User', 'emails.primary ge true', /boolean attribute "emails.primary"/],
    ['User', 'emails[primary lt true]', /boolean attribute "emails.primary"/],
    ['User', 'x509Certificates.value gt "a"', /binary attribute/],
    ['User', 'active co "t"', /"co" cannot be used on the boolean attribute/],
    ['User', 'meta.created sw "2024"', /"sw" cannot be used on the dateTime attribute/],
    // Complex attributes need a sub-attribute to compare.
    ['User', 'name eq "x"', /"name" is complex: compare one of its sub-attributes, e.g. name.formatted/],
    ['User', 'meta gt "x"', /"meta" is complex/],
    ['User', 'userName[value eq "x"]', /"userName" is not a complex attribute/],
    // Value types.
    ['User', 'active eq "yes"', /"active" is a boolean \(true or false\): cannot compare it with "yes" using "eq"/],
    ['User', 'active eq 1', /"active" is a boolean/],
    ['User', 'active eq yes', /"active" is a boolean/],
    ['User', 'emails[primary eq "maybe"]', /"emails.primary" is a boolean/],
    ['User', 'meta.created gt "yesterday"', /"meta.created" is a dateTime: "yesterday" is not an ISO 8601 date-time/],
    ['User', 'meta.created gt "2024-02-30T00:00:00Z"', /is not an ISO 8601/],
    ['User', 'meta.created gt "2024-13-01T00:00:00Z"', /is not an ISO 8601/],
    ['User', 'meta.created gt "2024-01-01T24:00:00Z"', /is not an ISO 8601/],
    ['User', 'meta.created gt "0000-01-01T00:00:00Z"', /is not an ISO 8601/],
    ['User', 'meta.created gt "2024-01-01T00:00:00+25:00"', /is not an ISO 8601/],
    ['User', 'meta.created gt "2024-01-01"', /is not an ISO 8601/],
    ['User', 'meta.created gt 2024', /"meta.created" is a dateTime/],
    ['User', 'meta.created gt true', /"meta.created" is a dateTime/],
    ['User', 'userName eq null and title gt null', /"gt" cannot compare "title" with null/],
    ['User', 'userName co null', /"co" cannot compare "userName" with null/],
    // Not filterable: secret, computed or not stored.
    ['User', 'password eq "x"', /"password" cannot be used in a filter/],
    ['User', 'password pr', /"password" cannot be used in a filter/],
    ['User', 'meta.location eq "x"', /filtering on "meta.location" is not supported/],
    ['User', 'meta.version eq "x"', /filtering on "meta.version" is not supported/],
    ['User', `${SEATGATE}:seatReason co "x"`, /filtering on ".*seatReason" is not supported/],
    ['User', 'groups.$ref pr', /filtering on "groups.\$ref" is not supported/],
    ['Group', 'members.display eq "x"', /filtering on "members.display" is not supported/],
    ['Group', 'members[$ref eq "x"]', /filtering on "members.\$ref" is not supported/],
    // Syntax errors surface through compileFilter too.
    ['User', 'userName eq', /expected a value after "eq"/],
  ];

  it.each(cases)('%s: %s', (type, filter, message) => {
    let caught: unknown;
    try {
      compileFilter(type, filter);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScimFilterError);
    expect((caught as ScimFilterError).scimType).toBe('invalidFilter');
    expect((caught as Error).message).toMatch(message);
  });
});

describe('likePattern', () => {
  it.each([
    ['co', 'a', '%a%'],
    ['sw', '50%', '50\\%%'],
    ['ew', 'a_b', '%a\\_b'],
    ['co', 'C:\\dir', '%C:\\\\dir%'],
  ] as const)('%s %s', (op, value, pattern) => {
    expect(likePattern(op, value)).toBe(pattern);
  });
});

describe('sortKey', () => {
  const orderBy = (type: 'User' | 'Group', sortBy: string) => {
    const query = type === 'User' ? db.selectFrom('members').select('id').orderBy(sortKey('User', sortBy)) : db.selectFrom('groups').select('id').orderBy(sortKey('Group', sortBy));
    return query.compile().sql.replace(/^select "id" from "(members|groups)" order by /, '');
  };
  const firstOrPrimary = (key: string, value: string) =>
    `(select ${value} from jsonb_array_elements((case when jsonb_typeof(${attrs(key)}) = 'array' then ${attrs(key)} else '[]'::jsonb end)) with ordinality as e(value, n) order by case when lower(e.value ->> 'primary') = 'true' then 0 else 1 end, e.n limit 1)`;

  it.each([
    ['User', 'userName', 'lower("members"."user_name")'],
    ['User', 'USERNAME', 'lower("members"."user_name")'],
    ['User', 'externalId', '"members"."external_id"'],
    ['User', 'meta.created', '"members"."created_at"'],
    ['User', 'meta.lastModified', '"members"."updated_at"'],
    ['User', 'active', '"members"."active"'],
    ['User', 'id', '"members"."id"'],
    ['User', 'name.familyName', `(case when jsonb_typeof(${attrs('name')} -> 'familyName') = 'string' then lower(${attrs('name')} ->> 'familyName') end)`],
    ['User', 'emails', firstOrPrimary('emails', `(case when jsonb_typeof(e.value -> 'value') = 'string' then lower(e.value ->> 'value') end)`)],
    ['User', 'emails.type', firstOrPrimary('emails', `(case when jsonb_typeof(e.value -> 'type') = 'string' then lower(e.value ->> 'type') end)`)],
    ['User', `${ENTERPRISE}:manager.value`, `(case when jsonb_typeof(${attrs(ENTERPRISE)} -> 'manager' -> 'value') = 'string' then lower(${attrs(ENTERPRISE)} -> 'manager' ->> 'value') end)`],
    ['User', `${SEATGATE}:seatType`, 'lower("members"."seat_type")'],
    ['Group', 'displayName', 'lower("groups"."display_name")'],
  ] as const)('%s %s', (type, sortBy, sql) => {
    expect(orderBy(type, sortBy)).toBe(sql);
  });

  it.each([
    ['User', 'nope', /unknown sortBy attribute "nope" for resource type User/],
    ['User', 'name', /"name" is complex: sort by one of its sub-attributes/],
    ['User', 'password', /cannot sort by "password"/],
    ['User', 'groups', /sorting by "groups" is not supported/],
    ['User', 'meta.location', /sorting by "meta.location" is not supported/],
    ['Group', 'members', /sorting by "members" is not supported/],
    ['Group', 'userName', /unknown sortBy attribute/],
  ] as const)('%s %s is refused', (type, sortBy, message) => {
    let caught: unknown;
    try {
      sortKey(type, sortBy);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScimSortError);
    expect((caught as ScimSortError).scimType).toBe('invalidValue');
    expect((caught as Error).message).toMatch(message);
  });
});

describe('filters that match at most one resource (lookups: the page alone gives the total)', () => {
  it.each([
    ['User', 'userName eq "alice@example.com"', true],
    ['User', 'externalId eq "00u1"', false], // not unique (RFC 7643 §3.1, migration 0009)
    ['User', `id eq "${UUID}"`, true],
    ['User', 'USERNAME eq "a" and active eq true', true],
    ['User', 'userName sw "a"', false],
    ['User', 'userName eq "a" or userName eq "b"', false],
    ['User', 'not (userName eq "a")', false],
    ['User', 'emails[type eq "work"].value eq "a@x"', false],
    ['User', `${ENTERPRISE}:employeeNumber eq "1"`, false],
    ['Group', 'displayName eq "Sales"', true],
    ['Group', 'externalId eq "x"', false],
    ['Group', 'members.value eq "x"', false],
  ] as const)('%s: %s → %s', (type, filter, expected) => {
    expect(compileFilter(type, filter).atMostOne).toBe(expected);
  });
});
