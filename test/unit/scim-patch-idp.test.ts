// What Okta and Entra ID really send (IDP-COMPAT.md) and the PATCH bodies of the conformance
// suites (Microsoft's PostmanCollection.json; Okta's SPEC test has none), end to end through
// normalizePatchRequest + applyPatch.
import type { ResourceType } from '../../src/protocol/scim/attributes.js';
import { applyPatch, normalizePatchRequest, type PatchDialect, type PatchResult, type ScimResource } from '../../src/protocol/scim/patch/index.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function run(type: ResourceType, resource: ScimResource, request: unknown, dialect: PatchDialect = 'default'): PatchResult {
  return applyPatch(type, resource, normalizePatchRequest(type, request, { dialect }));
}
const ops = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

const user = (): ScimResource => ({
  id: '2819c223',
  userName: 'jyoung@x.com',
  active: true,
  name: { givenName: 'Jo', familyName: 'Young' },
  emails: [{ value: 'jyoung@x.com', type: 'work', primary: true }],
});
const group = (): ScimResource => ({ id: 'g1', displayName: 'Engineering' });

describe('Microsoft PostmanCollection.json PATCH bodies', () => {
  it('"patch user1": replace userName', () => {
    const request = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'ryan3' }] };
    expect(run('User', user(), request).resource.userName).toBe('ryan3');
  });

  it('"Patch user omalley new username": op "Replace"', () => {
    const request = { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'userName', value: 'newusername' }] };
    expect(run('User', user(), request).resource.userName).toBe('newusername');
  });

  it('"patch user omalley active with boolean"', () => {
    const request = { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: false }] };
    expect(run('User', user(), request)).toMatchObject({ changed: true, resource: { active: false } });
  });

  it('"Patch add user4 to group1": extra "name" member, displayName in the member', () => {
    const request = { schemas: [PATCH_OP], Operations: [{ name: 'addMember', op: 'add', path: 'members', value: [{ displayName: 'new User', value: 'id4' }] }] };
    expect(run('Group', group(), request)).toEqual({ resource: group(), changed: false, membership: [{ kind: 'add', ids: ['id4'] }] });
  });

  it('"Patch remove user4 to group1"', () => {
    const request = { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members[value eq "id4"]' }] };
    expect(run('Group', group(), request).membership).toEqual([{ kind: 'remove', ids: ['id4'] }]);
  });

  it('"Patch remove all users"', () => {
    const request = { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] };
    expect(run('Group', group(), request).membership).toEqual([{ kind: 'removeAll' }]);
  });

  it.each(['string id 1', 'string id 2'])('"Group patch add member": "id" beside Operations, a bare id string (%s)', (id) => {
    const request = { id: 'g1', Operations: [{ op: 'add', path: 'members', value: id }], schemas: [PATCH_OP] };
    expect(run('Group', group(), request).membership).toEqual([{ kind: 'add', ids: [id] }]);
  });
});

describe('Okta', () => {
  it('deactivates and reactivates with a no-path replace', () => {
    const off = run('User', user(), ops({ op: 'replace', value: { active: false } }));
    expect(off).toMatchObject({ changed: true, resource: { active: false } });
    expect(run('User', off.resource, ops({ op: 'replace', value: { active: true } })).resource).toEqual(user());
  });

  it('renames a group; the echoed id is ignored', () => {
    const result = run('Group', group(), ops({ op: 'replace', value: { id: 'g1', displayName: 'Platform' } }));
    expect(result).toEqual({ resource: { id: 'g1', displayName: 'Platform' }, changed: true, membership: [] });
  });

  it('a same-name rename is a no-op', () => {
    expect(run('Group', group(), ops({ op: 'replace', value: { id: 'g1', displayName: 'Engineering' } }))).toEqual({ resource: group(), changed: false, membership: [] });
  });

  it('a rename echoing another id is a mutability error', () => {
    expect(() => run('Group', group(), ops({ op: 'replace', value: { id: 'g2', displayName: 'X' } }))).toThrow(expect.objectContaining({ scimType: 'mutability' }));
  });

  it('mixes remove members[value eq] and a multi-member add, in order, with the same-name rename', () => {
    const result = run('Group', group(), ops(
      { op: 'replace', value: { id: 'g1', displayName: 'Engineering' } },
      { op: 'remove', path: 'members[value eq "00u1"]' },
      { op: 'add', path: 'members', value: [{ value: '00u2', display: 'b@x.com' }, { value: '00u3', display: 'c@x.com' }] },
      { op: 'remove', path: 'members[value eq "00u4"]' },
    ));
    expect(result).toEqual({
      resource: group(),
      changed: false,
      membership: [{ kind: 'remove', ids: ['00u1'] }, { kind: 'add', ids: ['00u2', '00u3'] }, { kind: 'remove', ids: ['00u4'] }],
    });
  });

  it.each<[string, unknown[], string[]]>([
    ['the full list', [{ value: '00u1', display: 'a' }, { value: '00u2', display: 'b' }], ['00u1', '00u2']],
    ['an empty list', [], []],
  ])('"Push now": replace members with %s', (_title, value, ids) => {
    expect(run('Group', group(), ops({ op: 'replace', path: 'members', value })).membership).toEqual([{ kind: 'replaceAll', ids }]);
  });

  it('a no-path add or replace carrying members', () => {
    const result = run('Group', group(), ops(
      { op: 'add', value: { members: [{ value: 'a' }] } },
      { op: 'replace', value: { displayName: 'New', members: [{ value: 'b' }] } },
    ));
    expect(result).toEqual({
      resource: { id: 'g1', displayName: 'New' },
      changed: true,
      membership: [{ kind: 'add', ids: ['a'] }, { kind: 'replaceAll', ids: ['b'] }],
    });
  });
});

describe('Entra ID, default dialect', () => {
  it('capitalized ops, booleans as strings', () => {
    for (const [value, active] of [['False', false], ['false', false], ['True', true]] as const) {
      expect(run('User', user(), ops({ op: 'Replace', path: 'active', value })).resource.active).toBe(active);
    }
  });

  it('one op per attribute with value paths and capitalized sub-attribute names', () => {
    const result = run('User', user(), ops(
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@x.com' },
      { op: 'Replace', path: 'name.FamilyName', value: 'updatedFamilyName' },
      { op: 'Add', path: `${ENT}:employeeNumber`, value: '42' },
    ));
    expect(result.resource).toEqual({
      ...user(),
      emails: [{ value: 'updatedEmail@x.com', type: 'work', primary: true }],
      name: { givenName: 'Jo', familyName: 'updatedFamilyName' },
      [ENT]: { employeeNumber: '42' },
    });
  });

  it.each<[string, string, unknown, string, ScimResource]>([
    ['emails', 'emails[type eq "work"].value', 'w@x.com', 'emails', { type: 'work', value: 'w@x.com' }],
    ['addresses', 'addresses[type eq "work"].formatted', '1 Main St', 'addresses', { type: 'work', formatted: '1 Main St' }],
    ['phoneNumbers', 'phoneNumbers[type eq "mobile"].value', '+33 6', 'phoneNumbers', { type: 'mobile', value: '+33 6' }],
    ['roles, primary eq "True"', 'roles[primary eq "True"].value', 'premium', 'roles', { primary: true, value: 'premium' }],
  ])('a filtered write with no element yet creates it (%s), for Add and Replace', (_title, path, value, attribute, element) => {
    for (const op of ['Add', 'Replace']) {
      const result = run('User', { userName: 'a' }, ops({ op, path, value }));
      expect(result).toEqual({ resource: { userName: 'a', [attribute]: [element] }, changed: true, membership: [] });
    }
  });

  it('creates the element beside existing ones of another type, then updates it in place', () => {
    const first = run('User', user(), ops({ op: 'Add', path: 'addresses[type eq "work"].locality', value: 'Paris' }));
    const second = run('User', first.resource, ops({ op: 'Add', path: 'addresses[type eq "work"].postalCode', value: '75001' }, { op: 'Replace', path: 'addresses[type eq "home"].locality', value: 'Lyon' }));
    expect(second.resource.addresses).toEqual([{ type: 'work', locality: 'Paris', postalCode: '75001' }, { type: 'home', locality: 'Lyon' }]);
  });

  it('Add where Replace is meant, on a single-valued attribute', () => {
    expect(run('User', user(), ops({ op: 'Add', path: 'userName', value: 'new@x.com' })).resource.userName).toBe('new@x.com');
    expect(run('User', user(), ops({ op: 'Add', path: 'name.givenName', value: 'Joanna' })).resource.name).toEqual({ givenName: 'Joanna', familyName: 'Young' });
  });

  it('removes only the listed members', () => {
    const request = ops({ op: 'Remove', path: 'members', value: [{ value: 'a2c6bd7c' }] });
    expect(run('Group', group(), request).membership).toEqual([{ kind: 'remove', ids: ['a2c6bd7c'] }]);
  });

  it('adds several members in one op with "$ref": null', () => {
    const request = ops({ op: 'Add', path: 'members', value: [{ $ref: null, value: 'f648f8d5' }, { $ref: null, value: '9f3ce3e4' }] });
    expect(run('Group', group(), request).membership).toEqual([{ kind: 'add', ids: ['f648f8d5', '9f3ce3e4'] }]);
  });

  it('tolerates an extra Microsoft schema URI beside PatchOp', () => {
    const request = { schemas: [PATCH_OP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'], Operations: [{ op: 'Replace', path: 'displayName', value: 'X' }] };
    expect(run('Group', group(), request).resource.displayName).toBe('X');
  });

  describe('manager', () => {
    const withManager = (): ScimResource => ({ ...user(), [ENT]: { department: 'R&D', manager: { value: 'm1' } } });
    it.each<[string, unknown]>([
      ['a plain id string', 'm2'],
      ['{"value":id}', { value: 'm2' }],
      ['[{"$ref":…,"value":id}]', [{ $ref: 'https://x/scim/Users/m2', value: 'm2' }]],
    ])('arrives as %s, stored as {"value":id}', (_title, value) => {
      for (const op of ['Add', 'Replace']) {
        expect(run('User', withManager(), ops({ op, path: `${ENT}:manager`, value })).resource[ENT]).toEqual({ department: 'R&D', manager: { value: 'm2' } });
      }
    });

    it.each<[string, unknown]>([
      ['remove on the URN path', { op: 'Remove', path: `${ENT}:manager` }],
      ['remove manager[value eq "id"]', { op: 'remove', path: `${ENT}:manager[value eq "m1"]` }],
      ['remove with Entra\'s unqualified manager[value eq "id"]', { op: 'remove', path: 'manager[value eq "m1"]' }],
      ['replace with {"value":""}', { op: 'Replace', path: `${ENT}:manager`, value: { value: '' } }],
    ])('removed by %s', (_title, operation) => {
      expect(run('User', withManager(), ops(operation))).toMatchObject({ changed: true, resource: { [ENT]: { department: 'R&D' } } });
      expect(run('User', withManager(), ops(operation)).resource[ENT]).not.toHaveProperty('manager');
    });

    it('remove manager[value eq "other"] leaves the current manager', () => {
      expect(run('User', withManager(), ops({ op: 'remove', path: `${ENT}:manager[value eq "m9"]` })).changed).toBe(false);
    });

    it('a manager that is not an id is invalidValue', () => {
      expect(() => run('User', withManager(), ops({ op: 'Add', path: `${ENT}:manager`, value: 42 }))).toThrow(expect.objectContaining({ scimType: 'invalidValue' }));
    });
  });

  describe('roles (seat types as app roles)', () => {
    it('[{"primary":"True","type":…,"value":…}]', () => {
      const result = run('User', user(), ops({ op: 'Add', path: 'roles', value: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'premium' }] }));
      expect(result.resource.roles).toEqual([{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'premium' }]);
    });

    it('a JSON string inside value', () => {
      const result = run('User', user(), ops({ op: 'Add', path: 'roles', value: [{ value: '{"id":"06b07648","value":"premium","displayName":"Premium"}' }] }));
      expect(result.resource.roles).toEqual([{ value: 'premium', display: 'Premium' }]);
    });

    it('an authoritative replace of the whole array', () => {
      const start = { ...user(), roles: [{ value: 'standard', primary: true }, { value: 'chat' }] };
      const result = run('User', start, ops({ op: 'Replace', path: 'roles', value: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'premium' }] }));
      expect(result.resource.roles).toEqual([{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'premium' }]);
    });

    it('a new primary role through the filtered path replaces the primary one', () => {
      const start = { ...user(), roles: [{ value: 'standard', primary: true }] };
      expect(run('User', start, ops({ op: 'Replace', path: 'roles[primary eq "True"].value', value: 'premium' })).resource.roles)
        .toEqual([{ value: 'premium', primary: true }]);
    });
  });

  describe('the enterprise extension object (scimmy crashes on it)', () => {
    it('replace with the URN as path', () => {
      const start = { ...user(), [ENT]: { employeeNumber: '1', costCenter: 'C' } };
      const result = run('User', start, ops({ op: 'replace', path: ENT, value: { employeeNumber: '7', manager: { value: 'm1' } } }));
      expect(result.resource[ENT]).toEqual({ employeeNumber: '7', costCenter: 'C', manager: { value: 'm1' } });
    });

    it('add with the URN as a no-path key', () => {
      const result = run('User', user(), ops({ op: 'add', value: { [ENT]: { department: 'Sales', manager: 'm1' } } }));
      expect(result.resource[ENT]).toEqual({ department: 'Sales', manager: { value: 'm1' } });
    });
  });

  it('legacy nulls unset the attribute', () => {
    const result = run('User', { ...user(), title: 'CTO', [ENT]: { department: 'R&D' } }, ops(
      { op: 'Replace', path: 'title', value: null },
      { op: 'Add', value: { nickName: null, [ENT]: { department: null } } },
    ));
    expect(result.resource).toEqual(user());
  });
});

describe('Entra ID, flag dialect (aadOptscim062020)', () => {
  it('one replace with no path whose value keys are paths', () => {
    const request = ops({
      op: 'replace',
      value: {
        displayName: 'Jo Young',
        'name.givenName': 'Joanna',
        'name.familyName': 'Young-Smith',
        active: 'False',
        'addresses[type eq "work"].formatted': '1 Main St',
        'addresses[type eq "work"].locality': 'Paris',
        [`${ENT}:employeeNumber`]: '7',
        [`${ENT}:manager`]: 'm1',
      },
    });
    for (const dialect of ['aadOptscim062020', 'default'] as const) {
      expect(run('User', user(), request, dialect).resource).toEqual({
        ...user(),
        displayName: 'Jo Young',
        name: { givenName: 'Joanna', familyName: 'Young-Smith' },
        active: false,
        addresses: [{ type: 'work', formatted: '1 Main St', locality: 'Paris' }],
        [ENT]: { employeeNumber: '7', manager: { value: 'm1' } },
      });
    }
  });

  it('member removal by filter and add', () => {
    const request = ops({ op: 'remove', path: 'members[value eq "u1"]' }, { op: 'add', path: 'members', value: [{ value: 'u2' }] });
    expect(run('Group', group(), request, 'aadOptscim062020').membership).toEqual([{ kind: 'remove', ids: ['u1'] }, { kind: 'add', ids: ['u2'] }]);
  });
});
