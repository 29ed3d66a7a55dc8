// SCIM filters and sortBy against real PostgreSQL: which rows each filter returns, and that no
// filter fails whatever odd JSON is stored (Okta and Entra data is stored as sent).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { compileFilter, sortKey } from '../../src/protocol/scim/filter/index.js';
import { openTestContext, type TestContext } from '../support/context.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SEATGATE = 'urn:ietf:params:scim:schemas:extension:seatgate:2.0:User';

let ctx: TestContext;
let orgId: string;
const ids: Record<string, string> = {};
const groupIds: Record<string, string> = {};

async function createOrg(name: string): Promise<string> {
  const org = await ctx.db.insertInto('organizations').values({
    name, plan: 'team', billing_mode: 'self_serve', term_start: '2026-01-01', term_end: '2027-01-01', settings: '{}',
  }).returning('id').executeTakeFirstOrThrow();
  await ctx.db.insertInto('seat_allocations').values([
    { org_id: org.id, seat_type: 'premium', allocated: 10 },
    { org_id: org.id, seat_type: 'standard', allocated: 10 },
  ]).execute();
  return org.id;
}

interface Row { userName: string; externalId?: string; active?: boolean; seat?: 'premium' | 'standard' | 'unassigned' | 'inactive'; created: string; attributes: unknown }

async function addMember(org: string, row: Row): Promise<string> {
  const seat = row.seat ?? 'unassigned';
  const assigned = seat === 'premium' || seat === 'standard';
  const member = await ctx.db.insertInto('members').values({
    org_id: org,
    user_name: row.userName,
    external_id: row.externalId ?? null,
    active: row.active ?? seat !== 'inactive',
    seat_state: assigned ? 'assigned' : seat,
    seat_type: assigned ? seat : null,
    seat_reason: '{}',
    source: 'scim',
    attributes: JSON.stringify(row.attributes),
    created_at: new Date(row.created),
    updated_at: new Date(row.created),
  }).returning('id').executeTakeFirstOrThrow();
  return member.id;
}

async function addGroup(org: string, displayName: string, externalId: string | null, members: string[]): Promise<string> {
  const group = await ctx.db.insertInto('groups').values({ org_id: org, display_name: displayName, external_id: externalId, attributes: '{}' })
    .returning('id').executeTakeFirstOrThrow();
  if (members.length > 0) {
    await ctx.db.insertInto('group_members').values(members.map((member_id) => ({ org_id: org, group_id: group.id, member_id }))).execute();
  }
  return group.id;
}

beforeAll(async () => {
  ctx = openTestContext();
  orgId = await createOrg(`scim-filter ${randomUUID()}`);
  ids.alice = await addMember(orgId, {
    userName: 'Alice@Example.com', externalId: 'jyoung', seat: 'premium', created: '2024-01-10T00:00:00Z',
    attributes: {
      name: { givenName: 'Alice', familyName: 'Zeta' },
      title: 'Boss',
      emails: [{ value: 'alice@work.com', type: 'Work', primary: true }, { value: 'alice@home.org', type: 'home' }],
      [ENTERPRISE]: { employeeNumber: '701984', department: 'R&D 100%', manager: { value: 'm-1' } },
      x509Certificates: [{ value: 'AbC' }],
    },
  });
  ids.bob = await addMember(orgId, {
    userName: 'bob@example.com', externalId: 'BOB', seat: 'inactive', created: '2024-02-10T00:00:00Z',
    attributes: {
      name: { givenName: 'Bob', familyName: 'young' },
      title: '',
      emails: [{ value: 'bob@home.org', type: 'home' }, { value: 'bob@work.com', type: 'other' }],
      // Stored with the wrong JSON types: a number where a string belongs, a string manager.
      [ENTERPRISE]: { employeeNumber: 12345, manager: 'm-2' },
    },
  });
  // Everything stored in an unexpected shape: no filter may fail on it.
  ids.carol = await addMember(orgId, {
    userName: 'carol@example.com', seat: 'unassigned', created: '2024-03-10T00:00:00Z',
    attributes: { title: 42, name: 'Carol C', emails: { value: 'carol@work.com' }, [ENTERPRISE]: 'oops', roles: [], x509Certificates: 'AbC' },
  });
  ids.dave = await addMember(orgId, {
    userName: 'dave_1%@example.com', externalId: 'dave', seat: 'standard', created: '2024-04-10T00:00:00Z',
    attributes: {
      title: null,
      name: { givenName: null },
      emails: ['plain-string', null, { value: 5, type: true, primary: 'yes' }, { value: 'Dave@Example.com', type: 'WORK', primary: 'True' }],
      [ENTERPRISE]: { employeeNumber: '1002', manager: { value: '' } },
    },
  });
  ids.eve = await addMember(orgId, { userName: 'eve@example.com', seat: 'unassigned', created: '2024-05-10T00:00:00Z', attributes: {} });
  groupIds.engineering = await addGroup(orgId, 'Engineering', 'g-eng', [ids.alice as string, ids.bob as string]);
  groupIds.sales = await addGroup(orgId, 'Sales', null, []);
  groupIds.ops = await addGroup(orgId, 'eng-ops', 'G-OPS', [ids.carol as string]);

  // Another tenant with look-alike data, to show that group membership never crosses orgs.
  const otherOrg = await createOrg(`scim-filter other ${randomUUID()}`);
  const mallory = await addMember(otherOrg, { userName: 'alice@example.com', created: '2024-01-01T00:00:00Z', attributes: { title: 'Boss' } });
  await addGroup(otherOrg, 'Engineering', 'g-eng', [mallory]);
});

afterAll(async () => { await ctx.close(); });

const nameOf = (id: string) => Object.entries(ids).find(([, value]) => value === id)?.[0] ?? id;

async function users(filter: string): Promise<string[]> {
  const rows = await ctx.db.selectFrom('members').select('id')
    .where('members.org_id', '=', orgId).where(compileFilter('User', filter)).execute();
  return rows.map((row) => nameOf(row.id)).sort();
}

async function groups(filter: string): Promise<string[]> {
  const rows = await ctx.db.selectFrom('groups').select('id')
    .where('groups.org_id', '=', orgId).where(compileFilter('Group', filter)).execute();
  return rows.map((row) => Object.entries(groupIds).find(([, value]) => value === row.id)?.[0] ?? row.id).sort();
}

describe('User filters', () => {
  const cases: [string, string[]][] = [
    // userName: caseExact=false.
    ['userName eq "ALICE@EXAMPLE.COM"', ['alice']],
    ['userName eq "alice@example.com"', ['alice']],
    ['USERNAME Eq "Bob@Example.com"', ['bob']],
    ['userName ne "alice@example.com"', ['bob', 'carol', 'dave', 'eve']],
    ['userName co "EXAMPLE"', ['alice', 'bob', 'carol', 'dave', 'eve']],
    ['userName sw "B"', ['bob']],
    ['userName ew ".COM"', ['alice', 'bob', 'carol', 'dave', 'eve']],
    // LIKE metacharacters are literal.
    ['userName co "_1%"', ['dave']],
    ['userName co "%"', ['dave']],
    ['userName sw "d_ve"', []],
    ['userName gt "c"', ['carol', 'dave', 'eve']],
    ['userName ge "carol@example.com"', ['carol', 'dave', 'eve']],
    ['userName lt "c"', ['alice', 'bob']],
    ['userName le "bob@example.com"', ['alice', 'bob']],
    ['userName pr', ['alice', 'bob', 'carol', 'dave', 'eve']],
    ['userName eq "4a6c9e52-2f86-4c8e-a1cf-0d8f1e7a3b55"', []],        // Entra's connection test
    // externalId: caseExact=true, quoted or not.
    ['externalId eq "jyoung"', ['alice']],
    ['externalId eq jyoung', ['alice']],
    ['externalId eq "JYOUNG"', []],
    ['externalId eq "bob"', []],
    ['externalId ne "jyoung"', ['bob', 'carol', 'dave', 'eve']],   // absent externalId is "not equal"
    ['externalId pr', ['alice', 'bob', 'dave']],
    ['not (externalId pr)', ['carol', 'eve']],
    ['externalId eq null', ['carol', 'eve']],
    // active, with Entra's string booleans.
    ['active eq true', ['alice', 'carol', 'dave', 'eve']],
    ['active eq false', ['bob']],
    ['active eq "False"', ['bob']],
    ['active eq "TRUE"', ['alice', 'carol', 'dave', 'eve']],
    ['active ne true', ['bob']],
    // Dates.
    ['meta.created gt "2024-03-10T00:00:00Z"', ['dave', 'eve']],
    ['meta.created ge "2024-03-10T00:00:00Z"', ['carol', 'dave', 'eve']],
    ['meta.created lt "2024-02-10T01:00:00+02:00"', ['alice']],   // 2024-02-09T23:00Z
    ['meta.created lt "2024-02-10T03:00:00+02:00"', ['alice', 'bob']],
    ['meta.created le "2024-01-10T00:00:00.000000Z"', ['alice']],
    ['meta.lastModified gt "2024-04-01T00:00"', ['dave', 'eve']],
    ['meta.created pr', ['alice', 'bob', 'carol', 'dave', 'eve']],
    ['meta.resourceType eq "User"', ['alice', 'bob', 'carol', 'dave', 'eve']],
    // jsonb strings, with stored values of other types simply not matching.
    ['title eq "boss"', ['alice']],
    ['title ne "boss"', ['bob', 'carol', 'dave', 'eve']],
    ['title eq "42"', []],
    ['title pr', ['alice', 'carol']],                 // "" and null are not present; 42 is
    ['not (title pr)', ['bob', 'dave', 'eve']],
    ['title eq null', ['bob', 'dave', 'eve']],
    ['title gt "A"', ['alice']],
    ['name.givenName sw "a"', ['alice']],
    ['name.familyName eq "YOUNG"', ['bob']],
    ['name.givenName pr', ['alice', 'bob']],
    ['name pr', ['alice', 'bob', 'carol', 'dave']],   // a string "Carol C" is a non-empty value; {"givenName":null} too
    ['name[givenName eq "bob" or familyName eq "zeta"]', ['alice', 'bob']],
    // Enterprise extension (URN paths).
    [`${ENTERPRISE}:employeeNumber eq "701984"`, ['alice']],
    [`${ENTERPRISE}:employeeNumber eq 701984`, ['alice']],
    [`${ENTERPRISE}:employeeNumber eq "12345"`, []],  // stored as a JSON number: not a string
    [`${ENTERPRISE}:employeeNumber pr`, ['alice', 'bob', 'dave']],
    [`${ENTERPRISE}:department co "100%"`, ['alice']],
    [`${ENTERPRISE.toUpperCase()}:EMPLOYEENUMBER gt "1"`, ['alice', 'dave']],
    [`${ENTERPRISE}:manager.value eq "M-1"`, ['alice']],
    [`${ENTERPRISE}:manager eq "m-1"`, ['alice']],
    [`${ENTERPRISE}:manager.value pr`, ['alice']],     // "" is not present
    [`${ENTERPRISE}:manager pr`, ['alice', 'bob', 'dave']],
    [`${ENTERPRISE}:manager[value eq "m-1"]`, ['alice']],
    // seatgate extension (columns).
    [`${SEATGATE}:seatState eq "assigned"`, ['alice', 'dave']],
    [`${SEATGATE}:seatState eq "INACTIVE"`, ['bob']],
    [`${SEATGATE}:seatType eq "premium"`, ['alice']],
    [`${SEATGATE}:seatType ne "premium"`, ['bob', 'carol', 'dave', 'eve']],
    [`${SEATGATE}:seatType pr`, ['alice', 'dave']],
    // Multi-valued: any value matches; case rules of the sub-attribute apply.
    ['emails eq "ALICE@work.com"', ['alice']],
    ['emails.value eq "dave@example.com"', ['dave']],
    ['emails.value co "@home"', ['alice', 'bob']],
    ['emails.value ne "bob@home.org"', ['alice', 'carol', 'dave', 'eve']],
    ['emails.type eq "work"', ['alice', 'dave']],          // "Work" and "WORK" match
    ['emails.primary eq true', ['alice', 'dave']],         // true and Entra's "True"
    ['emails.primary eq false', []],
    ['emails pr', ['alice', 'bob', 'carol', 'dave']],
    ['emails.value pr', ['alice', 'bob', 'dave']],
    ['not (emails pr)', ['eve']],
    ['roles pr', []],
    ['x509Certificates.value eq "AbC"', ['alice']],
    ['x509Certificates.value eq "abc"', []],               // binary is caseExact
    // Value paths: every condition on the same element.
    ['emails[type eq "work" and value co "@work"]', ['alice']],
    ['emails[type eq "work" and value co "home"]', []],
    ['emails.type eq "work" and emails.value co "home"', ['alice']], // different elements are fine here
    ['emails[type eq "work"].value eq "alice@work.com"', ['alice']],
    ['emails[type eq "work"].value eq "alice@home.org"', []],
    ['emails[type eq "Work"].value co "@EXAMPLE.com"', ['dave']],
    ['emails[type eq "home"] and emails[type eq "other"]', ['bob']],
    ['emails[type ne "work"]', ['alice', 'bob', 'dave']],  // dave's non-object elements count as "not work"
    ['emails[not (type eq "work" or type eq "home")]', ['bob', 'dave']],
    ['emails[primary eq true and (type eq "work" or type eq "home")]', ['alice', 'dave']],
    ['emails[value pr and type pr]', ['alice', 'bob', 'dave']],
    // Group membership of a user; other orgs' rows never count.
    [`groups eq "${'00000000-0000-0000-0000-000000000000'}"`, []],
    ['groups.display eq "engineering"', ['alice', 'bob']],
    ['groups.display sw "eng"', ['alice', 'bob', 'carol']],
    ['groups pr', ['alice', 'bob', 'carol']],
    ['not (groups pr)', ['dave', 'eve']],
    ['groups.type eq "direct"', ['alice', 'bob', 'carol']],
    // id.
    ['id eq "not-a-uuid"', []],
    ['id ne "not-a-uuid"', ['alice', 'bob', 'carol', 'dave', 'eve']],
    // Logic, precedence and nesting.
    ['userName sw "a" or userName sw "b" and active eq true', ['alice']],
    ['(userName sw "a" or userName sw "b") and active eq true', ['alice']],
    ['(userName sw "a" or userName sw "b") and active eq false', ['bob']],
    ['not (userName sw "a" or userName sw "b")', ['carol', 'dave', 'eve']],
    ['not (userName sw "a") and not (userName sw "b")', ['carol', 'dave', 'eve']],
    ['not (not (title pr))', ['alice', 'carol']],
    ['((title pr and (active eq true)) or (((externalId eq "BOB"))))', ['alice', 'bob', 'carol']],
    ['userName eq "eve@example.com" or not (title eq "boss" or emails.type eq "home")', ['carol', 'dave', 'eve']],
  ];

  it.each(cases)('%s', async (filter, expected) => {
    expect(await users(filter)).toEqual(expected);
  });

  it('matches groups by id and a user by id', async () => {
    expect(await users(`groups eq "${groupIds.engineering}"`)).toEqual(['alice', 'bob']);
    expect(await users(`groups[value eq "${groupIds.ops}" or display eq "sales"]`)).toEqual(['carol']);
    expect(await users(`id eq "${(ids.dave as string).toUpperCase()}"`)).toEqual(['dave']);
    expect(await users(`id ne "${ids.dave}"`)).toEqual(['alice', 'bob', 'carol', 'eve']);
  });
});

describe('Group filters', () => {
  const cases: [string, string[]][] = [
    ['displayName eq "ENGINEERING"', ['engineering']],
    ['displayName sw "eng"', ['engineering', 'ops']],
    ['displayName ne "sales"', ['engineering', 'ops']],
    ['externalId eq "g-eng"', ['engineering']],
    ['externalId eq "g-ops"', []],
    ['externalId pr', ['engineering', 'ops']],
    ['members pr', ['engineering', 'ops']],
    ['not (members pr)', ['sales']],
    ['members.type eq "User"', ['engineering', 'ops']],
    ['meta.resourceType eq "Group"', ['engineering', 'ops', 'sales']],
    ['members eq "nope"', []],
  ];

  it.each(cases)('%s', async (filter, expected) => {
    expect(await groups(filter)).toEqual(expected);
  });

  it('matches members by id, each condition on one member', async () => {
    expect(await groups(`members eq "${ids.alice}"`)).toEqual(['engineering']);
    expect(await groups(`members.value eq "${ids.carol}"`)).toEqual(['ops']);
    expect(await groups(`members[value eq "${ids.alice}" or value eq "${ids.carol}"]`)).toEqual(['engineering', 'ops']);
    expect(await groups(`members[value eq "${ids.alice}"] and members[value eq "${ids.bob}"]`)).toEqual(['engineering']);
    expect(await groups(`members[value eq "${ids.alice}" and value eq "${ids.bob}"]`)).toEqual([]);
    expect(await groups(`members.value ne "${ids.alice}"`)).toEqual(['ops', 'sales']);
  });
});

describe('stored data of unexpected types', () => {
  // Every filter that validates runs on every row without a database error.
  const filters = [
    'title eq "x"', 'title co "4"', 'title gt "a"', 'title pr', 'name.givenName eq "x"', 'name.familyName lt "z"',
    'emails.value eq "5"', 'emails.value co "x"', 'emails.type eq "true"', 'emails.primary eq true', 'emails.display pr',
    'emails[type eq "work" and primary eq false]', 'phoneNumbers[type eq "work"].value eq "1"', 'addresses.postalCode sw "9"',
    `${ENTERPRISE}:employeeNumber lt "5"`, `${ENTERPRISE}:manager.displayName eq "x"`, `${ENTERPRISE}:costCenter pr`,
    'roles[primary eq "True"].value eq "admin"', 'x509Certificates.value eq "x"', 'entitlements pr', 'ims.value ew "@x"',
    'photos.value sw "https:"', 'profileUrl eq "https://x"', 'not (emails[value co "@"])',
    // Odd operands: quotes, backslashes, a lone surrogate, non-ASCII, a huge number.
    'userName eq "\'; drop table members; --"', 'userName co "\\\\"', 'userName eq "\\ud800"', 'title eq "日本"',
    'externalId eq 1e400', 'meta.created gt "9999-12-31T23:59:59.999999999-14:00"', 'meta.created lt "0001-01-01T00:00:00+14:00"',
  ];

  it.each(filters)('%s', async (filter) => {
    await expect(users(filter)).resolves.toEqual(expect.any(Array));
  });
});

describe('filters on emails read through the email keys (migration 0007) agree with the JSON', () => {
  // Each member's emails, with what a reader of the JSON would answer for each filter below.
  const emails: Record<string, unknown> = {
    workUser1: [{ type: 'work', value: 'User1@X.com' }, { type: 'home', value: 'other@y.com' }],
    homeUser1: [{ type: 'home', value: 'user1@x.com' }],
    untypedUser1: [{ value: 'user1@x.com' }],
    numberValue: [{ type: 'work', value: 42 }],
    likeCharacters: [{ type: 'WORK', value: 'a%b_c\\d@x.com' }],
    separatorInValue: [{ type: 'work', value: 'ab\u0002cd@x.com' }],
    separatorInType: [{ type: 'work\u0001', value: 'user1@x.com' }],
    notAnArray: 'user1@x.com',
    oddElements: ['user1@x.com', { type: 'work', value: '' }],
    none: undefined,
    emptyType: [{ type: '', value: 'e@x.com' }],
    workAndHomeUser1: [{ type: 'work', value: 'w@x.com' }, { type: 'home', value: 'user1@x.com' }],
  };
  type Element = { type?: unknown; value?: unknown };
  const elements = (name: string): Element[] => {
    const list = emails[name];
    return Array.isArray(list) ? list.filter((e): e is Element => typeof e === 'object' && e !== null) : [];
  };
  const text = (x: unknown) => (typeof x === 'string' ? x.toLowerCase() : undefined);
  const any = (name: string, test: (e: Element) => boolean) => elements(name).some(test);
  const cases: [string, (name: string) => boolean][] = [
    ['emails[type eq "work"].value sw "user1"', (n) => any(n, (e) => text(e.type) === 'work' && Boolean(text(e.value)?.startsWith('user1')))],
    ['emails[type eq "work"].value eq "USER1@x.com"', (n) => any(n, (e) => text(e.type) === 'work' && text(e.value) === 'user1@x.com')],
    ['emails.value eq "user1@x.com"', (n) => any(n, (e) => text(e.value) === 'user1@x.com')],
    ['emails.value ne "user1@x.com"', (n) => !any(n, (e) => text(e.value) === 'user1@x.com')],
    ['emails.value sw "a%b_c\\\\d"', (n) => any(n, (e) => Boolean(text(e.value)?.startsWith('a%b_c\\d')))],
    ['emails.value sw "ab"', (n) => any(n, (e) => Boolean(text(e.value)?.startsWith('ab')))],
    ['emails.value sw "ab\\u0002"', (n) => any(n, (e) => Boolean(text(e.value)?.startsWith('ab\u0002')))],
    ['emails[type eq "work"]', (n) => any(n, (e) => text(e.type) === 'work')],
    ['emails[type eq ""]', (n) => any(n, (e) => text(e.type) === '')],
    ['emails.value eq ""', (n) => any(n, (e) => text(e.value) === '')],
    ['emails.value ew "@x.com"', (n) => any(n, (e) => Boolean(text(e.value)?.endsWith('@x.com')))],
    ['emails.value co "b_c"', (n) => any(n, (e) => Boolean(text(e.value)?.includes('b_c')))],
    ['emails[type eq "work" and value co "cd@"]', (n) => any(n, (e) => text(e.type) === 'work' && Boolean(text(e.value)?.includes('cd@')))],
    ['emails[type eq "work\\u0001"].value eq "user1@x.com"', (n) => any(n, (e) => text(e.type) === 'work\u0001' && text(e.value) === 'user1@x.com')],
    ['not (emails[type eq "work"])', (n) => !any(n, (e) => text(e.type) === 'work')],
    ['emails[type eq "home"] and emails[type eq "work"]', (n) => any(n, (e) => text(e.type) === 'home') && any(n, (e) => text(e.type) === 'work')],
  ];
  let org: string;
  const idsByName = new Map<string, string>();

  beforeAll(async () => {
    org = await createOrg(`email-keys ${randomUUID()}`);
    for (const [name, value] of Object.entries(emails)) {
      idsByName.set(await addMember(org, { userName: `${name}@keys.example`, created: '2026-01-01T00:00:00Z', attributes: value === undefined ? {} : { emails: value } }), name);
    }
  });

  it.each(cases)('%s', async (filter, expected) => {
    const rows = await ctx.db.selectFrom('members').select('id').where('members.org_id', '=', org).where(compileFilter('User', filter)).execute();
    const found = rows.map((row) => idsByName.get(row.id)!).sort();
    expect(found).toEqual(Object.keys(emails).filter(expected).sort());
  });
});

describe('sortKey', () => {
  async function sorted(sortBy: string, direction: 'asc' | 'desc'): Promise<string[]> {
    const rows = await ctx.db.selectFrom('members').select('id').where('members.org_id', '=', orgId)
      .orderBy(sortKey('User', sortBy), direction).orderBy('members.id').execute();
    return rows.map((row) => nameOf(row.id));
  }

  it('sorts case-insensitively, with absent values last ascending and first descending', async () => {
    expect(await sorted('userName', 'asc')).toEqual(['alice', 'bob', 'carol', 'dave', 'eve']);
    expect(await sorted('userName', 'desc')).toEqual(['eve', 'dave', 'carol', 'bob', 'alice']);
    // familyName: "young" (bob) vs "Zeta" (alice) — case-insensitive; the rest have none.
    const ascending = await sorted('name.familyName', 'asc');
    expect(ascending.slice(0, 2)).toEqual(['bob', 'alice']);
    expect(ascending.slice(2).sort()).toEqual(['carol', 'dave', 'eve']);
    const descending = await sorted('name.familyName', 'desc');
    expect(descending.slice(3)).toEqual(['alice', 'bob']);
  });

  it('sorts by dates and booleans', async () => {
    expect(await sorted('meta.created', 'desc')).toEqual(['eve', 'dave', 'carol', 'bob', 'alice']);
    expect((await sorted('active', 'asc'))[0]).toBe('bob');
  });

  it('sorts a multi-valued attribute by its primary value, else its first', async () => {
    // alice: primary alice@work.com; bob: first bob@home.org; dave: primary ("True") Dave@Example.com;
    // carol's emails are not an array and eve has none.
    const ascending = await sorted('emails', 'asc');
    expect(ascending.slice(0, 3)).toEqual(['alice', 'bob', 'dave']);
    expect(ascending.slice(3).sort()).toEqual(['carol', 'eve']);
    // By type: bob's first is "home"; alice's and dave's primaries are both "work" (any order).
    const byType = await sorted('emails.type', 'asc');
    expect(byType[0]).toBe('bob');
    expect(byType.slice(1, 3).sort()).toEqual(['alice', 'dave']);
  });
});

describe('index use', () => {
  it('answers userName eq through the (org_id, lower(user_name)) index', async () => {
    // With a handful of rows any index on org_id ties; give the organization a realistic size.
    await sql`insert into members (org_id, user_name, active, seat_state, source)
              select ${orgId}::uuid, 'filler' || g || '@example.com', false, 'inactive', 'scim'
              from generate_series(1, 3000) g`.execute(ctx.db);
    await sql`analyze members`.execute(ctx.db);
    const plan = await ctx.db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      return trx.selectFrom('members').select('id').where('members.org_id', '=', orgId)
        .where(compileFilter('User', 'userName eq "ALICE@example.com"')).explain();
    });
    expect(JSON.stringify(plan)).toContain('members_user_name_key');
  });
});
