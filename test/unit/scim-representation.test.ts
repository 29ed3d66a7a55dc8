// Decision 0021: userResource is built by assignment instead of spreads. Characterization: the
// new one gives the same JSON text (key order included) as the spread-based one it replaced, kept
// here as the reference, on ordinary and odd stored attributes.
import { userResource, etagOf, type UserView, type JsonObject } from '../../src/protocol/scim/representation.js';
import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, SEATGATE_USER_SCHEMA } from '../../src/protocol/scim/attributes.js';

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function referenceWithManagerRef(attributes: JsonObject, baseUrl: string): JsonObject {
  const key = Object.keys(attributes).find((k) => k.toLowerCase() === ENTERPRISE_USER_SCHEMA.toLowerCase());
  const enterprise = key === undefined ? undefined : attributes[key];
  if (key === undefined || !isObject(enterprise) || !isObject(enterprise.manager)) return attributes;
  const id = enterprise.manager.value;
  if (typeof id !== 'string' || id === '') return attributes;
  return { ...attributes, [key]: { ...enterprise, manager: { ...enterprise.manager, $ref: `${baseUrl}/Users/${id}` } } };
}

/** The implementation before decision 0021, with the seat reason text passed in. */
function referenceUserResource(view: UserView, baseUrl: string, seatReason: string): JsonObject {
  const extensionSchemas = Object.keys(view.attributes).filter((key) => key.toLowerCase().startsWith('urn:'));
  const resource: JsonObject = {
    schemas: [CORE_USER_SCHEMA, ...extensionSchemas, SEATGATE_USER_SCHEMA],
    id: view.id,
    ...(view.externalId !== null ? { externalId: view.externalId } : {}),
    userName: view.userName,
    active: view.active,
    ...referenceWithManagerRef(view.attributes, baseUrl),
    [SEATGATE_USER_SCHEMA]: { ...(view.seatType ? { seatType: view.seatType } : {}), seatState: view.seatState, seatReason },
    meta: {
      resourceType: 'User', created: view.createdAt.toISOString(), lastModified: view.updatedAt.toISOString(),
      location: `${baseUrl}/Users/${view.id}`, version: etagOf(view.version),
    },
  };
  if (view.groups) resource.groups = view.groups.map((g) => ({ value: g.id, display: g.displayName, $ref: `${baseUrl}/Groups/${g.id}`, type: 'direct' }));
  return resource;
}

const view = (attributes: JsonObject, extra: Partial<UserView> = {}): UserView => ({
  id: '0b7c3f0e-4f0a-4b57-9a43-1c2d3e4f5a6b', userName: 'ada@example.test', externalId: 'ext-1', active: true, attributes,
  seatState: 'assigned', seatType: 'premium', seatReason: { kind: 'mapping' }, pendingSince: null, version: 3,
  createdAt: new Date('2026-01-02T03:04:05.678Z'), updatedAt: new Date('2026-02-03T04:05:06.789Z'), ...extra,
});

const cases: [string, UserView][] = [
  ['no attributes', view({})],
  ['Okta-like', view({ name: { givenName: 'Ada', familyName: 'L' }, emails: [{ value: 'ada@example.test', type: 'work', primary: true }], displayName: 'Ada L', locale: 'en-US' })],
  ['enterprise with a manager, groups', view({ title: 'x', [ENTERPRISE_USER_SCHEMA]: { department: 'D', manager: { value: 'm-1', displayName: 'Boss' } } }, { groups: [{ id: 'g1', displayName: 'A' }, { id: 'g2', displayName: 'B' }] })],
  ['enterprise in another case, manager without value', view({ [ENTERPRISE_USER_SCHEMA.toUpperCase()]: { manager: { displayName: 'Boss' } } })],
  ['two spellings of the enterprise URN', view({ [ENTERPRISE_USER_SCHEMA.toUpperCase()]: { manager: { value: 'first' } }, [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'second' } } })],
  ['manager with an empty id, enterprise not an object', view({ [ENTERPRISE_USER_SCHEMA]: { manager: { value: '' } }, 'urn:x:y': 'text' })],
  ['custom extensions, URN-looking keys', view({ 'URN:Custom:Ext': { a: 1 }, 'urn:': 1, urn: 2, 'uRn:mixed': { b: [1, 2] }, 'üunder': 3 })],
  ['keys that collide with what the server writes', view({ id: 'forged', meta: { x: 1 }, schemas: ['forged'], userName: 'forged', active: false, [SEATGATE_USER_SCHEMA]: { seatType: 'forged' } })],
  ['integer-like keys', view({ 2: 'two', 10: 'ten', b: 1, 1: 'one' })],
  ['no externalId, no seat type, inactive, no groups field', view({ title: 't' }, { externalId: null, seatType: null, active: false, seatState: 'inactive', seatReason: { kind: 'deactivated' } })],
];

describe('userResource', () => {
  it.each(cases)('renders %s as the spread-based implementation did', (_name, user) => {
    const rendered = userResource(user, 'https://scim.example.test/scim/v2');
    const seat = rendered[SEATGATE_USER_SCHEMA] as JsonObject | undefined;
    const reference = referenceUserResource(user, 'https://scim.example.test/scim/v2', String(seat?.seatReason));
    expect(JSON.stringify(rendered)).toBe(JSON.stringify(reference));
  });
});
