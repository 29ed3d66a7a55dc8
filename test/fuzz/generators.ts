// Generators of hostile-but-plausible requests for the fuzz test: SCIM (every verb, filters,
// PATCH, Bulk, .search), the admin API and JIT, with odd strings (NUL, unpaired surrogates, very
// long, percent signs, quotes), deep JSON, numbers beyond every integer type and wrong types.
import fc from 'fast-check';
import { BULK_REQUEST_SCHEMA as BULK, SEARCH_REQUEST_SCHEMA as SEARCH } from '../support/scim.js';

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * A JSON fragment that JSON.stringify cannot produce (nesting past the stack, numbers past
 * doubles), spliced into the request text where the marker stands.
 */
export class RawJson {
  constructor(readonly text: string) {}
  toJSON() { return `\u0001raw:${this.text.length}:${rawTexts.push(this.text) - 1}\u0001`; }
}
const rawTexts: string[] = [];

/** The request body's text, raw fragments spliced in. */
export function bodyText(body: unknown): string {
  const text = JSON.stringify(body);
  const out = text.replace(/"\\u0001raw:\d+:(\d+)\\u0001"/g, (_m, index: string) => rawTexts[Number(index)] ?? 'null');
  rawTexts.length = 0;
  return out;
}

/** A reference to something the fuzz created earlier, resolved when the request is sent. */
export interface Ref { ref: 'user' | 'group' | 'mapping' | 'reduction' | 'invoice'; pick: number }
export const isRef = (value: unknown): value is Ref => typeof value === 'object' && value !== null && 'ref' in value && 'pick' in value;
const ref = (kind: Ref['ref']) => fc.nat({ max: 1000 }).map((pick): Ref => ({ ref: kind, pick }));

export type Segment = string | Ref | { raw: string };
export interface FuzzRequest {
  api: 'scim' | 'admin' | 'jit';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path segments after the API's base: strings are percent-encoded, `raw` ones sent as they are. */
  path: readonly Segment[];
  query?: [string, string][];
  body?: unknown;
  /** Sent instead of the JSON of `body` (malformed JSON, wrong media types). */
  rawBody?: string;
  contentType?: string;
}

// ---------------------------------------------------------------------------------------------
// Values

const ODD_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\udc00\ud800', '%', '%00', '%ff', '%E0%A4%A', '"', '\\', '\\u0000',
  '"\\u0000"', '()', '[]', '{}', 'null', 'true', '0', '-0', '1e400', 'NaN', 'Infinity', '🙂', 'e\u0301', '\u202e', '\r\n',
  'bulkId:', 'bulkId:nope', 'urn:', 'a'.repeat(512), 'a'.repeat(513), 'é'.repeat(600), '\u{10FFFF}'.repeat(700),
  "'; drop table members; --", '%s%n', '../../etc/passwd', 'W/"1"', '*',
];

export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 500, maxLength: 700 }) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 5 }), fc.constantFrom('\u0000', '\ud800', '\udfff')).map(([a, b]) => a + b + a) },
);

/** Mostly plausible names, sometimes odd: what an IdP sends, and what an attacker does. */
export const nameString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.stringMatching(/^[a-z][a-z0-9.]{0,12}$/), fc.nat({ max: 99999 })).map(([a, n]) => `${a}${n}@fuzz.example`) },
  { weight: 2, arbitrary: oddString },
);

const deepText = (depth: number, kind: 'object' | 'array' | 'mixed') => {
  if (kind === 'object') return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  if (kind === 'array') return '['.repeat(depth) + ']'.repeat(depth);
  return '[{"a":'.repeat(depth / 2) + 'null' + '}]'.repeat(depth / 2);
};
export const deepJson = fc.tuple(fc.constantFrom(63, 64, 65, 200, 2000, 4500), fc.constantFrom('object', 'array', 'mixed') as fc.Arbitrary<'object' | 'array' | 'mixed'>)
  .map(([depth, kind]) => new RawJson(deepText(depth, kind)));

const BIG_NUMBER_TEXTS = ['99999999999999999999999', '-99999999999999999999999', '9223372036854775808', '2147483648', '1e400', '-1e400', '1.5', '-0', '1E+2', '0.0000001'];
export const bigNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(1e300, -1e300, 2 ** 63, 2 ** 53 + 2, 2 ** 31, -(2 ** 31) - 1, 0, -1, 1.5, Number.MIN_VALUE),
  fc.constantFrom(...BIG_NUMBER_TEXTS).map((text) => new RawJson(text)),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, of any type: what a field gets when the client sends the wrong one. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: oddString },
  { weight: 2, arbitrary: bigNumber },
  { weight: 2, arbitrary: fc.constantFrom(true, false, null, 'True', 'False', [], {}) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.dictionary(oddString, oddString, { maxKeys: 3 }) },
);

/** A value for a field that expects `typical`: usually that, sometimes anything. */
const mostly = <T>(typical: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: typical as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anyValue });

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

/** An object with only the keys whose value is defined. */
const defined = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));

// ---------------------------------------------------------------------------------------------
// SCIM resources

const email = fc.record({
  value: mostly(nameString), type: optional(mostly(fc.constantFrom('work', 'home', 'other'))), primary: optional(mostly(fc.boolean())),
});

const userBody = fc.record({
  schemas: fc.oneof({ weight: 6, arbitrary: fc.constant([USER, ENTERPRISE]) }, { weight: 1, arbitrary: anyValue }),
  userName: mostly(nameString),
  externalId: optional(mostly(oddString)),
  active: optional(mostly(fc.boolean())),
  displayName: optional(mostly(oddString)),
  name: optional(mostly(fc.record({ givenName: mostly(oddString), familyName: mostly(oddString) }))),
  emails: optional(mostly(fc.array(email, { maxLength: 3 }))),
  password: optional(oddString),
  roles: optional(mostly(fc.array(fc.record({ value: mostly(oddString), primary: optional(fc.boolean()) }), { maxLength: 2 }))),
  [ENTERPRISE]: optional(mostly(fc.record({ employeeNumber: mostly(oddString), manager: optional(mostly(fc.record({ value: mostly(ref('user')) }))) }))),
  extension: optional(fc.tuple(fc.oneof(fc.constant('urn:ietf:params:scim:schemas:extension:fuzz:2.0:User'), oddString), anyValue)),
}).map(({ extension, ...rest }) => defined({ ...rest, ...(extension ? { [extension[0]]: extension[1] } : {}) }));

const memberList = fc.array(fc.record({ value: mostly(ref('user')) }), { maxLength: 4 });

const groupBody = fc.record({
  schemas: fc.oneof({ weight: 6, arbitrary: fc.constant([GROUP]) }, { weight: 1, arbitrary: anyValue }),
  displayName: mostly(fc.oneof(fc.stringMatching(/^[A-Za-z ]{1,20}$/), oddString)),
  externalId: optional(mostly(oddString)),
  members: optional(mostly(memberList)),
}).map(defined);

// ---------------------------------------------------------------------------------------------
// Filters and paths

const ATTRIBUTE_PATHS = [
  'userName', 'externalId', 'id', 'active', 'displayName', 'name.familyName', 'name.givenName', 'emails', 'emails.value',
  'emails[type eq "work"].value', 'emails[type eq "work" and value co "@"]', 'meta.lastModified', 'meta.created', 'members',
  'members.value', 'groups.value', `${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:manager.value`, 'roles.value', 'nosuch',
  'urn:ietf:params:scim:schemas:core:2.0:User:userName', 'password', 'title',
];
const attributePath = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ATTRIBUTE_PATHS) }, { weight: 1, arbitrary: oddString });
const comparison = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'xx');
const filterValue = fc.oneof(
  oddString.map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null', '1', '-1', '99999999999999999999999', '1e400', '"2026-01-01T00:00:00Z"', '"not a date"', 'unquoted'),
  oddString,
);
const leaf = fc.oneof(
  fc.tuple(attributePath, comparison, filterValue).map(([a, op, v]) => `${a} ${op} ${v}`),
  attributePath.map((a) => `${a} pr`),
);
export const filter: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: leaf },
  { weight: 2, arbitrary: fc.tuple(leaf, fc.constantFrom('and', 'or', 'AND'), leaf).map(([a, op, b]) => `${a} ${op} ${b}`) },
  { weight: 1, arbitrary: leaf.map((l) => `not (${l})`) },
  { weight: 1, arbitrary: fc.nat({ max: 300 }).map((n) => `${'('.repeat(n)}userName pr${')'.repeat(n)}`) },
  { weight: 1, arbitrary: oddString },
);

const pagingValue = fc.oneof(fc.constantFrom(...BIG_NUMBER_TEXTS, '1', '0', '-5', '10', '', 'abc'), oddString, fc.integer().map(String));

const listParams = fc.record({
  filter: optional(filter),
  startIndex: optional(pagingValue),
  count: optional(pagingValue),
  sortBy: optional(attributePath),
  sortOrder: optional(fc.oneof(fc.constantFrom('ascending', 'descending'), oddString)),
  attributes: optional(fc.oneof(attributePath, oddString)),
  excludedAttributes: optional(fc.oneof(attributePath, oddString)),
  cursor: optional(fc.oneof(fc.constant(''), oddString)),
}).map((params) => Object.entries(params).filter(([, v]) => v !== undefined) as [string, string][]);

const searchBody = fc.record({
  schemas: fc.oneof({ weight: 6, arbitrary: fc.constant([SEARCH]) }, { weight: 1, arbitrary: anyValue }),
  filter: optional(mostly(filter)),
  startIndex: optional(fc.oneof(bigNumber, pagingValue)),
  count: optional(fc.oneof(bigNumber, pagingValue)),
  sortBy: optional(mostly(attributePath)),
  sortOrder: optional(mostly(fc.constantFrom('ascending', 'descending'))),
  attributes: optional(mostly(fc.array(attributePath, { maxLength: 3 }))),
  excludedAttributes: optional(mostly(fc.array(attributePath, { maxLength: 3 }))),
}).map(defined);

// ---------------------------------------------------------------------------------------------
// PATCH

const patchPath = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...ATTRIBUTE_PATHS, 'members[value eq "x"]', 'emails[type eq "work"]', 'name', ENTERPRISE) },
  { weight: 1, arbitrary: ref('user').map((r) => ({ memberFilter: r })) },
  { weight: 1, arbitrary: oddString },
);
const patchOperation = fc.record({
  op: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove') }, { weight: 1, arbitrary: anyValue }),
  path: optional(patchPath),
  value: optional(fc.oneof(anyValue, userBody, fc.record({ active: mostly(fc.boolean()) }), memberList, fc.constantFrom('False', 'True'))),
}).map(defined);

const patchBody = fc.record({
  schemas: fc.oneof({ weight: 6, arbitrary: fc.constant([PATCH_OP]) }, { weight: 1, arbitrary: anyValue }),
  Operations: mostly(fc.array(patchOperation, { minLength: 1, maxLength: 3 })),
}).map(defined);

// ---------------------------------------------------------------------------------------------
// Requests

const resource = fc.constantFrom('Users', 'Groups') as fc.Arbitrary<'Users' | 'Groups'>;
const idSegment = (kind: 'user' | 'group'): fc.Arbitrary<Segment> => fc.oneof(
  { weight: 6, arbitrary: ref(kind) },
  { weight: 1, arbitrary: oddString },
  { weight: 1, arbitrary: fc.constantFrom('%ff', '%00', '%', '%E0%A4%A', '%2F', '..').map((raw) => ({ raw })) },
);
const refKind = (r: 'Users' | 'Groups') => (r === 'Users' ? 'user' : 'group');
const bodyOf = (r: 'Users' | 'Groups') => (r === 'Users' ? userBody : groupBody);

const bulkOperation = fc.record({
  method: mostly(fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'post', 'GET')),
  bulkId: optional(mostly(fc.constantFrom('a', 'b', 'c'))),
  path: mostly(fc.oneof(
    resource.map((r) => `/${r}`),
    fc.tuple(resource, fc.constantFrom('bulkId:a', 'bulkId:b', 'bulkId:zz')).map(([r, b]) => `/${r}/${b}`),
    fc.tuple(resource, ref('user')).map(([r, id]) => ({ bulkPath: r, id })),
  )),
  data: optional(fc.oneof(userBody, groupBody, patchBody, anyValue, deepJson)),
  version: optional(mostly(fc.constantFrom('W/"1"', '*'))),
}).map(defined);

const bulkBody = fc.record({
  schemas: fc.oneof({ weight: 6, arbitrary: fc.constant([BULK]) }, { weight: 1, arbitrary: anyValue }),
  failOnErrors: optional(mostly(fc.integer({ min: -1, max: 5 }))),
  Operations: mostly(fc.array(bulkOperation, { maxLength: 5 })),
}).map(defined);

const malformedBody = fc.record({
  rawBody: fc.oneof(
    fc.constantFrom('{', '{"schemas":', '[]', '"text"', '1', 'null', '{"a":1}{"b":2}', '\u0000', '{"userName":"\\ud800"}', '{"a":"\\u0000"}'),
    deepJson.map((raw) => raw.text),
    oddString,
  ),
  contentType: fc.constantFrom('application/scim+json', 'application/json', 'text/plain', 'application/scim+json; charset=latin1', 'application/x-www-form-urlencoded'),
});

const scimRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(resource, listParams).map(([r, query]): FuzzRequest => ({ api: 'scim', method: 'GET', path: [r], query })) },
  { weight: 2, arbitrary: fc.tuple(resource, listParams).chain(([r, query]) => idSegment(refKind(r)).map((id): FuzzRequest => ({ api: 'scim', method: 'GET', path: [r, id], query: query.filter(([k]) => k.includes('ttributes')) }))) },
  { weight: 5, arbitrary: fc.tuple(resource).chain(([r]) => bodyOf(r).map((body): FuzzRequest => ({ api: 'scim', method: 'POST', path: [r], body }))) },
  { weight: 2, arbitrary: resource.chain((r) => fc.tuple(idSegment(refKind(r)), bodyOf(r)).map(([id, body]): FuzzRequest => ({ api: 'scim', method: 'PUT', path: [r, id], body }))) },
  { weight: 4, arbitrary: resource.chain((r) => fc.tuple(idSegment(refKind(r)), patchBody, fc.boolean()).map(([id, body, aad]): FuzzRequest => ({ api: 'scim', method: 'PATCH', path: [r, id], body, ...(aad ? { query: [['aadOptscim062020', '']] } : {}) }))) },
  { weight: 1, arbitrary: resource.chain((r) => idSegment(refKind(r)).map((id): FuzzRequest => ({ api: 'scim', method: 'DELETE', path: [r, id] }))) },
  { weight: 2, arbitrary: bulkBody.map((body): FuzzRequest => ({ api: 'scim', method: 'POST', path: ['Bulk'], body })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(['Users', '.search'], ['Groups', '.search'], ['.search']), searchBody).map(([path, body]): FuzzRequest => ({ api: 'scim', method: 'POST', path, body })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(['ServiceProviderConfig'], ['Schemas'], ['ResourceTypes'], ['Schemas', USER], ['ResourceTypes', 'User'], ['Me'], ['nosuch']), fc.option(oddString)).map(([path, extra]): FuzzRequest => ({ api: 'scim', method: 'GET', path: extra === null ? path : [...path, extra] })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom<FuzzRequest['method']>('POST', 'PUT', 'PATCH'), resource, malformedBody).map(([method, r, raw]): FuzzRequest => ({ api: 'scim', method, path: method === 'POST' ? [r] : [r, { ref: refKind(r), pick: 0 }], ...raw })) },
);

// Settings never name a webhook target (outbound requests are another test's subject).
const settingsBody = fc.record({
  onNoSeat: optional(mostly(fc.constantFrom('block', 'pending'))),
  utilizationAlertThreshold: optional(mostly(fc.double({ min: 0, max: 1, noNaN: true }))),
  alertWebhookUrl: optional(fc.constantFrom(null, 'not a url', 'ftp://x', '\u0000')),
  roleSeatTypes: optional(mostly(fc.dictionary(oddString, fc.oneof(fc.constantFrom('premium', 'standard'), oddString), { maxKeys: 3 }))),
  roleSeatFallback: optional(mostly(fc.boolean())),
}).map(defined);

const mappingBody = fc.record({
  idpGroupId: mostly(fc.oneof(ref('group'), oddString)),
  seatType: mostly(fc.constantFrom('premium', 'standard', 'nope')),
  allowFallback: optional(mostly(fc.boolean())),
  role: optional(mostly(fc.constantFrom('owner', 'admin', 'member', null))),
}).map(defined);

const seatChange = fc.record({ seatType: mostly(fc.constantFrom('premium', 'standard')), quantity: mostly(fc.oneof(fc.integer({ min: 1, max: 3 }), bigNumber)) }).map(defined);
const adminQuery = fc.array(fc.tuple(fc.constantFrom('seatState', 'seatType', 'limit', 'cursor', 'offset', 'action', 'memberId', 'all', 'preview', 'x', 'actorType', 'actorMemberId', 'from', 'to'), fc.oneof(pagingValue, oddString, fc.constantFrom('assigned', 'pending', 'premium', 'true'))), { maxLength: 3 });

const adminRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(['organization'], ['seats'], ['members'], ['group-mappings'], ['settings'], ['audit'], ['seats', 'utilization'], ['seats', 'reductions'], ['invoices'], ['subscription'], ['openapi.json'], ['nosuch']), adminQuery).map(([path, query]): FuzzRequest => ({ api: 'admin', method: 'GET', path, query })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('members', 'group-mappings', 'invoices'), fc.oneof(ref('user'), ref('mapping'), ref('invoice'), oddString, fc.constantFrom('%ff', '%00').map((raw) => ({ raw })))).map(([base, id]): FuzzRequest => ({ api: 'admin', method: 'GET', path: [base, id] })) },
  { weight: 3, arbitrary: fc.tuple(fc.oneof(ref('user'), oddString), mostly(fc.record({ seatType: mostly(fc.constantFrom('premium', 'standard', 'unassigned', 'nope')) }))).map(([id, body]): FuzzRequest => ({ api: 'admin', method: 'PUT', path: ['members', id, 'seat'], body })) },
  { weight: 2, arbitrary: mappingBody.map((body): FuzzRequest => ({ api: 'admin', method: 'POST', path: ['group-mappings'], body })) },
  { weight: 1, arbitrary: fc.tuple(fc.oneof(ref('mapping'), oddString), mostly(mappingBody)).map(([id, body]): FuzzRequest => ({ api: 'admin', method: 'PATCH', path: ['group-mappings', id], body })) },
  { weight: 1, arbitrary: fc.oneof(ref('mapping'), oddString).map((id): FuzzRequest => ({ api: 'admin', method: 'DELETE', path: ['group-mappings', id] })) },
  { weight: 1, arbitrary: fc.oneof(
    mappingBody.map((mapping) => ({ op: 'create', mapping })),
    fc.tuple(fc.oneof(ref('mapping'), oddString), mappingBody).map(([id, mapping]) => ({ op: 'update', id, mapping })),
    fc.oneof(ref('mapping'), oddString).map((id) => ({ op: 'delete', id })),
    anyValue,
  ).map((body): FuzzRequest => ({ api: 'admin', method: 'POST', path: ['group-mappings', 'dry-run'], body })) },
  { weight: 2, arbitrary: mostly(settingsBody).map((body): FuzzRequest => ({ api: 'admin', method: 'PATCH', path: ['settings'], body })) },
  { weight: 1, arbitrary: fc.tuple(seatChange, fc.boolean()).map(([body, preview]): FuzzRequest => ({ api: 'admin', method: 'POST', path: ['seats', 'purchases'], body, query: preview ? [['preview', 'true']] : [] })) },
  { weight: 1, arbitrary: seatChange.map((body): FuzzRequest => ({ api: 'admin', method: 'POST', path: ['seats', 'reductions'], body })) },
  { weight: 1, arbitrary: fc.oneof(ref('reduction'), oddString).map((id): FuzzRequest => ({ api: 'admin', method: 'DELETE', path: ['seats', 'reductions', id] })) },
  { weight: 1, arbitrary: fc.constantFrom(['subscription', 'cancel'], ['subscription', 'resume']).map((path): FuzzRequest => ({ api: 'admin', method: 'POST', path })) },
  { weight: 1, arbitrary: mostly(fc.oneof(fc.record({ autoRenew: fc.boolean() }), anyValue)).map((body): FuzzRequest => ({ api: 'admin', method: 'PATCH', path: ['subscription'], body })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom<FuzzRequest['method']>('POST', 'PATCH', 'PUT'), fc.constantFrom(['group-mappings'], ['settings'], ['members', 'x', 'seat']), malformedBody).map(([method, path, raw]): FuzzRequest => ({ api: 'admin', method, path, ...raw, contentType: raw.contentType.replace('scim+', '') })) },
);

const jitClaims = fc.record({
  subject: mostly(fc.oneof(fc.stringMatching(/^oid-[a-z0-9]{1,10}$/), oddString)),
  email: mostly(nameString),
  name: optional(mostly(oddString)),
  givenName: optional(mostly(oddString)),
  familyName: optional(mostly(oddString)),
  groups: optional(mostly(fc.array(fc.oneof(ref('group'), oddString), { maxLength: 4 }))),
  groupsOverage: optional(mostly(fc.boolean())),
}).map(defined);

const jitRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 5, arbitrary: jitClaims.map((body): FuzzRequest => ({ api: 'jit', method: 'POST', path: ['login'], body })) },
  { weight: 1, arbitrary: fc.oneof(anyValue, deepJson).map((body): FuzzRequest => ({ api: 'jit', method: 'POST', path: ['login'], body })) },
  { weight: 1, arbitrary: malformedBody.map((raw): FuzzRequest => ({ api: 'jit', method: 'POST', path: ['login'], ...raw, contentType: raw.contentType.replace('scim+', '') })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom<FuzzRequest['method']>('GET', 'POST'), oddString).map(([method, segment]): FuzzRequest => ({ api: 'jit', method, path: [segment] })) },
);

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 6, arbitrary: scimRequest },
  { weight: 3, arbitrary: adminRequest },
  { weight: 1, arbitrary: jitRequest },
);
