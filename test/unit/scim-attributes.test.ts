// The attribute catalog built from scimmy's definitions plus seatgate's extension.
import SCIMMY from 'scimmy';
import {
  ENTERPRISE_USER_SCHEMA, SEATGATE_USER_SCHEMA, SeatgateUserSchema, resolveAttribute, schemasOf, withoutSecrets,
} from '../../src/protocol/scim/attributes.js';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('resolveAttribute', () => {
  const cases: [string, string, { schema: string; extension: boolean; attribute: string; subAttribute?: string }][] = [
    ['User', 'userName', { schema: CORE_USER, extension: false, attribute: 'userName' }],
    ['User', 'UserName', { schema: CORE_USER, extension: false, attribute: 'userName' }],
    ['User', 'USERNAME', { schema: CORE_USER, extension: false, attribute: 'userName' }],
    ['User', 'name.givenName', { schema: CORE_USER, extension: false, attribute: 'name', subAttribute: 'givenName' }],
    ['User', 'Name.GivenName', { schema: CORE_USER, extension: false, attribute: 'name', subAttribute: 'givenName' }],
    ['User', 'emails.value', { schema: CORE_USER, extension: false, attribute: 'emails', subAttribute: 'value' }],
    ['User', 'emails', { schema: CORE_USER, extension: false, attribute: 'emails' }],
    ['User', 'id', { schema: CORE_USER, extension: false, attribute: 'id' }],
    ['User', 'externalId', { schema: CORE_USER, extension: false, attribute: 'externalId' }],
    ['User', 'meta.created', { schema: CORE_USER, extension: false, attribute: 'meta', subAttribute: 'created' }],
    ['User', 'meta.lastModified', { schema: CORE_USER, extension: false, attribute: 'meta', subAttribute: 'lastModified' }],
    ['User', 'meta.resourceType', { schema: CORE_USER, extension: false, attribute: 'meta', subAttribute: 'resourceType' }],
    ['User', 'meta.location', { schema: CORE_USER, extension: false, attribute: 'meta', subAttribute: 'location' }],
    ['User', 'meta.version', { schema: CORE_USER, extension: false, attribute: 'meta', subAttribute: 'version' }],
    ['User', 'groups.$ref', { schema: CORE_USER, extension: false, attribute: 'groups', subAttribute: '$ref' }],
    ['User', `${CORE_USER}:userName`, { schema: CORE_USER, extension: false, attribute: 'userName' }],
    ['User', 'URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:username', { schema: CORE_USER, extension: false, attribute: 'userName' }],
    ['User', `${CORE_USER}:meta.created`, { schema: CORE_USER, extension: false, attribute: 'meta', subAttribute: 'created' }],
    ['User', `${ENTERPRISE_USER_SCHEMA}:employeeNumber`, { schema: ENTERPRISE_USER_SCHEMA, extension: true, attribute: 'employeeNumber' }],
    ['User', `${ENTERPRISE_USER_SCHEMA}:manager.value`, { schema: ENTERPRISE_USER_SCHEMA, extension: true, attribute: 'manager', subAttribute: 'value' }],
    ['User', `${ENTERPRISE_USER_SCHEMA.toLowerCase()}:MANAGER.displayName`, { schema: ENTERPRISE_USER_SCHEMA, extension: true, attribute: 'manager', subAttribute: 'displayName' }],
    ['User', `${SEATGATE_USER_SCHEMA}:seatState`, { schema: SEATGATE_USER_SCHEMA, extension: true, attribute: 'seatState' }],
    ['Group', 'displayName', { schema: CORE_GROUP, extension: false, attribute: 'displayName' }],
    ['Group', 'members', { schema: CORE_GROUP, extension: false, attribute: 'members' }],
    ['Group', 'members.value', { schema: CORE_GROUP, extension: false, attribute: 'members', subAttribute: 'value' }],
    ['Group', 'members.$ref', { schema: CORE_GROUP, extension: false, attribute: 'members', subAttribute: '$ref' }],
    ['Group', 'members.type', { schema: CORE_GROUP, extension: false, attribute: 'members', subAttribute: 'type' }],
    ['Group', 'meta.lastModified', { schema: CORE_GROUP, extension: false, attribute: 'meta', subAttribute: 'lastModified' }],
  ];

  it.each(cases)('%s %s', (type, path, expected) => {
    const resolved = resolveAttribute(type as 'User' | 'Group', path);
    expect(resolved).toBeDefined();
    expect({
      schema: resolved?.schema, extension: resolved?.extension, attribute: resolved?.attribute.name,
      ...(resolved?.subAttribute ? { subAttribute: resolved.subAttribute.name } : {}),
    }).toEqual(expected);
  });

  it.each([
    ['User', 'nope'],
    ['User', 'name.nope'],
    ['User', 'userName.value'],          // not complex
    ['User', 'name.givenName.x'],
    ['User', 'name.'],
    ['User', ''],
    ['User', 'employeeNumber'],          // extension attributes need their URN
    ['User', 'schemas'],
    ['User', `${ENTERPRISE_USER_SCHEMA}:userName`], // core attribute under the wrong schema
    ['User', `${ENTERPRISE_USER_SCHEMA}:id`],       // common attributes belong to the core schema
    ['User', 'urn:ietf:params:scim:schemas:extension:Custom:2.0:User:x'],
    ['User', `${CORE_GROUP}:displayName`],
    ['User', 'members'],
    ['Group', 'userName'],
    ['Group', `${ENTERPRISE_USER_SCHEMA}:employeeNumber`],
  ])('%s %s is unknown', (type, path) => {
    expect(resolveAttribute(type as 'User' | 'Group', path)).toBeUndefined();
  });
});

describe('attribute characteristics', () => {
  const get = (type: 'User' | 'Group', path: string) => {
    const resolved = resolveAttribute(type, path);
    return resolved?.subAttribute ?? resolved?.attribute;
  };

  it('maps scimmy configuration to RFC 7643 characteristics', () => {
    expect(get('User', 'userName')).toMatchObject({ type: 'string', caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'server', multiValued: false });
    expect(get('User', 'id')).toMatchObject({ caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'global' });
    expect(get('User', 'externalId')).toMatchObject({ caseExact: true, mutability: 'readWrite' });
    expect(get('User', 'password')).toMatchObject({ returned: 'never', mutability: 'readWrite' });
    expect(get('User', 'active')).toMatchObject({ type: 'boolean' });
    expect(get('User', 'meta.created')).toMatchObject({ type: 'dateTime', mutability: 'readOnly' });
    expect(get('User', 'groups')).toMatchObject({ type: 'complex', multiValued: true, mutability: 'readOnly' });
    expect(get('Group', 'members.value')).toMatchObject({ mutability: 'immutable' });
    expect(get('User', 'phoneNumbers')).toMatchObject({ uniqueness: 'none' }); // scimmy says `false`
    expect(get('User', 'x509Certificates.value')).toMatchObject({ type: 'binary', caseExact: true });
  });

  it('uses [] for "no canonical values", and keeps real lists', () => {
    expect(get('User', 'emails.type')?.canonicalValues).toEqual(['work', 'home', 'other']);
    expect(get('User', 'userName')?.canonicalValues).toEqual([]);
    // scimmy declares `canonicalValues: []` here, which in scimmy rejects every value.
    expect(get('User', 'roles.type')?.canonicalValues).toEqual([]);
    expect(get('Group', 'members.type')?.canonicalValues).toEqual(['User', 'Group']);
  });

  it('describes complex attributes with their sub-attributes only', () => {
    expect(get('User', 'emails')?.subAttributes.map((sub) => sub.name)).toEqual(['value', 'display', 'type', 'primary']);
    expect(get('Group', 'members')?.subAttributes.map((sub) => sub.name).sort()).toEqual(['$ref', 'display', 'type', 'value']);
    expect(get('User', 'meta')?.subAttributes.map((sub) => sub.name)).toEqual(['resourceType', 'created', 'lastModified', 'location', 'version']);
    expect(get('User', 'userName')?.subAttributes).toEqual([]);
    expect(get('User', 'name.givenName')?.schema).toBe(CORE_USER);
  });
});

describe('schemasOf', () => {
  it('lists the core schema first, then the extensions', () => {
    expect(schemasOf('User').map(({ schema, extension, required }) => ({ schema, extension, required }))).toEqual([
      { schema: CORE_USER, extension: false, required: true },
      { schema: ENTERPRISE_USER_SCHEMA, extension: true, required: false },
      { schema: SEATGATE_USER_SCHEMA, extension: true, required: false },
    ]);
    expect(schemasOf('Group').map((entry) => entry.schema)).toEqual([CORE_GROUP]);
  });

  it('keeps the common attributes on the core schema only', () => {
    const names = (index: number) => schemasOf('User')[index]?.attributes.map((attribute) => attribute.name) ?? [];
    expect(names(0)).toEqual(expect.arrayContaining(['id', 'externalId', 'meta', 'userName', 'emails', 'groups']));
    expect(names(0)).not.toContain('schemas');
    expect(names(1)).toEqual(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']);
    expect(names(2)).toEqual(['seatType', 'seatState', 'seatReason']);
  });

  it('describes the seatgate extension as read-only', () => {
    const seatgate = schemasOf('User')[2]?.attributes ?? [];
    expect(seatgate.every((attribute) => attribute.mutability === 'readOnly' && attribute.type === 'string')).toBe(true);
    expect(seatgate.find((attribute) => attribute.name === 'seatState')?.canonicalValues).toEqual(['assigned', 'unassigned', 'pending', 'inactive']);
  });
});

describe('SeatgateUserSchema', () => {
  it('is a scimmy schema definition that scimmy can describe and coerce', () => {
    expect(SeatgateUserSchema).toBeInstanceOf(SCIMMY.Types.SchemaDefinition);
    expect(SeatgateUserSchema.id).toBe(SEATGATE_USER_SCHEMA);
    // describe() returns Attribute instances whose toJSON() is what /Schemas serves.
    const described = JSON.parse(JSON.stringify(SeatgateUserSchema.describe('/Schemas')));
    expect(described.attributes.map((attribute: { name: string }) => attribute.name)).toEqual(['seatType', 'seatState', 'seatReason']);
    expect(described.attributes.every((attribute: { mutability: string }) => attribute.mutability === 'readOnly')).toBe(true);
    // Outbound coercion (what the server renders) keeps the values.
    const out = SeatgateUserSchema.coerce({ id: 'x', seatType: 'premium', seatState: 'assigned', seatReason: 'group mapping' }, 'out');
    expect(out).toMatchObject({ seatType: 'premium', seatState: 'assigned', seatReason: 'group mapping' });
  });
});

describe('withoutSecrets', () => {
  const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

  it('drops password in every spelling and keeps everything else, in order', () => {
    const resource = {
      schemas: [CORE_USER], id: 'x', userName: 'a', PassWord: 'p1', [`${CORE_USER}:password`]: 'p2',
      [CORE_USER.toUpperCase()]: { password: 'p3', displayName: 'A' }, name: { givenName: 'A' },
      [ENTERPRISE]: { department: 'D', password: 'not a secret of this schema' }, 'urn:example:custom:2.0:User': { password: 'kept' },
    };
    const out = withoutSecrets('User', resource);
    expect(out).toEqual({
      schemas: [CORE_USER], id: 'x', userName: 'a', [CORE_USER.toUpperCase()]: { displayName: 'A' }, name: { givenName: 'A' },
      [ENTERPRISE]: { department: 'D', password: 'not a secret of this schema' }, 'urn:example:custom:2.0:User': { password: 'kept' },
    });
    expect(Object.keys(out)).toEqual(['schemas', 'id', 'userName', CORE_USER.toUpperCase(), 'name', ENTERPRISE, 'urn:example:custom:2.0:User']);
    expect(resource.PassWord).toBe('p1'); // a copy: the input is left as it was
    expect(resource[CORE_USER.toUpperCase()]).toEqual({ password: 'p3', displayName: 'A' });
  });

  it('returns an equal copy of a resource without secrets', () => {
    const resource = { schemas: [CORE_USER], userName: 'a', emails: [{ value: 'a@example.test' }], [ENTERPRISE]: { manager: { value: 'm' } } };
    const out = withoutSecrets('User', resource);
    expect(out).toEqual(resource);
    expect(out).not.toBe(resource);
  });
});
