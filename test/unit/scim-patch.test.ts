// The PATCH engine against RFC 7644 §3.5.2: add, replace, remove, value filters, primary,
// duplicates, coercion, no-op detection and every error.
import type { ResourceType } from '../../src/protocol/scim/attributes.js';
import { applyPatch, normalizePatchRequest, type PatchResult, type ScimResource } from '../../src/protocol/scim/patch/index.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SEAT = 'urn:ietf:params:scim:schemas:extension:seatgate:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const body = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

function patch(resource: ScimResource, operations: unknown[], type: ResourceType = 'User'): PatchResult {
  return applyPatch(type, resource, normalizePatchRequest(type, body(...operations)));
}

const alice = (): ScimResource => ({
  id: 'u1',
  userName: 'alice@x.com',
  name: { givenName: 'Alice', familyName: 'Smith' },
  active: true,
  emails: [
    { value: 'alice@x.com', type: 'work', primary: true },
    { value: 'alice@home.com', type: 'home' },
  ],
  [ENT]: { employeeNumber: '7', manager: { value: 'm1' } },
});

type Case = [title: string, operations: unknown[], expected: ScimResource];

describe('add (RFC 7644 §3.5.2.1)', () => {
  it.each<Case>([
    ['adds an unassigned single-valued attribute', [{ op: 'add', path: 'title', value: 'CTO' }], { ...alice(), title: 'CTO' }],
    ['replaces a single-valued attribute ("the existing value is replaced")', [{ op: 'add', path: 'userName', value: 'a2' }], { ...alice(), userName: 'a2' }],
    ['appends to a multi-valued attribute', [{ op: 'add', path: 'emails', value: [{ value: 'a@other.com', type: 'other' }] }], {
      ...alice(), emails: [...(alice().emails as unknown[]), { value: 'a@other.com', type: 'other' }],
    }],
    ['takes a single object for a multi-valued attribute', [{ op: 'add', path: 'phoneNumbers', value: { value: '+1', type: 'work' } }], {
      ...alice(), phoneNumbers: [{ value: '+1', type: 'work' }],
    }],
    ['merges sub-attributes into a complex attribute', [{ op: 'add', path: 'name', value: { middleName: 'J' } }], {
      ...alice(), name: { givenName: 'Alice', familyName: 'Smith', middleName: 'J' },
    }],
    ['sets a sub-attribute', [{ op: 'add', path: 'name.honorificPrefix', value: 'Dr' }], {
      ...alice(), name: { givenName: 'Alice', familyName: 'Smith', honorificPrefix: 'Dr' },
    }],
    ['without path: adds each attribute of the value', [{ op: 'add', value: { title: 'CTO', emails: [{ value: 'b@x.com', type: 'other' }] } }], {
      ...alice(), title: 'CTO', emails: [...(alice().emails as unknown[]), { value: 'b@x.com', type: 'other' }],
    }],
    ['an extension attribute under its URN', [{ op: 'add', path: `${ENT}:department`, value: 'R&D' }], {
      ...alice(), [ENT]: { employeeNumber: '7', manager: { value: 'm1' }, department: 'R&D' },
    }],
  ])('%s', (_title, operations, expected) => {
    expect(patch(alice(), operations)).toEqual({ resource: expected, changed: true, membership: [] });
  });

  it('creates the extension object', () => {
    expect(patch({ userName: 'a' }, [{ op: 'add', path: `${ENT}:costCenter`, value: 'C1' }]).resource).toEqual({ userName: 'a', [ENT]: { costCenter: 'C1' } });
  });
});

describe('replace (RFC 7644 §3.5.2.3)', () => {
  it.each<Case>([
    ['a single-valued attribute', [{ op: 'replace', path: 'userName', value: 'bob' }], { ...alice(), userName: 'bob' }],
    ['a multi-valued attribute: all values', [{ op: 'replace', path: 'emails', value: [{ value: 'n@x.com', type: 'work' }] }], { ...alice(), emails: [{ value: 'n@x.com', type: 'work' }] }],
    ['a multi-valued attribute with []: unassigned', [{ op: 'replace', path: 'emails', value: [] }], (({ emails: _e, ...rest }) => rest)(alice())],
    ['a complex attribute: unspecified sub-attributes are left unchanged', [{ op: 'replace', path: 'name', value: { givenName: 'Al' } }], {
      ...alice(), name: { givenName: 'Al', familyName: 'Smith' },
    }],
    ['a complex attribute: a null sub-attribute is unset', [{ op: 'replace', path: 'name', value: { givenName: 'Al', familyName: null } }], {
      ...alice(), name: { givenName: 'Al' },
    }],
    ['an unassigned attribute is added', [{ op: 'replace', path: 'nickName', value: 'Al' }], { ...alice(), nickName: 'Al' }],
    ['without path: the value\'s attributes', [{ op: 'replace', value: { active: false, name: { givenName: 'Al' } } }], {
      ...alice(), active: false, name: { givenName: 'Al', familyName: 'Smith' },
    }],
    ['a filtered element: merged', [{ op: 'replace', path: 'emails[type eq "work"]', value: { value: 'new@x.com' } }], {
      ...alice(), emails: [{ value: 'new@x.com', type: 'work', primary: true }, { value: 'alice@home.com', type: 'home' }],
    }],
    ['a sub-attribute of the filtered elements', [{ op: 'replace', path: 'emails[type eq "home"].display', value: 'Home' }], {
      ...alice(), emails: [{ value: 'alice@x.com', type: 'work', primary: true }, { value: 'alice@home.com', type: 'home', display: 'Home' }],
    }],
    ['all matching elements', [{ op: 'replace', path: 'emails[value ew "com"].display', value: 'D' }], {
      ...alice(), emails: [{ value: 'alice@x.com', type: 'work', primary: true, display: 'D' }, { value: 'alice@home.com', type: 'home', display: 'D' }],
    }],
    ['a case-insensitive filter on a non-caseExact sub-attribute', [{ op: 'replace', path: 'emails[type eq "Work"].value', value: 'w@x.com' }], {
      ...alice(), emails: [{ value: 'w@x.com', type: 'work', primary: true }, { value: 'alice@home.com', type: 'home' }],
    }],
    ['a filter with and/not/parentheses', [{ op: 'replace', path: 'emails[(type eq "home" or type eq "other") and not (value sw "x")].display', value: 'H' }], {
      ...alice(), emails: [{ value: 'alice@x.com', type: 'work', primary: true }, { value: 'alice@home.com', type: 'home', display: 'H' }],
    }],
    ['a filter on primary', [{ op: 'replace', path: 'emails[primary eq true].display', value: 'P' }], {
      ...alice(), emails: [{ value: 'alice@x.com', type: 'work', primary: true, display: 'P' }, { value: 'alice@home.com', type: 'home' }],
    }],
    ['a filter with pr', [{ op: 'replace', path: 'emails[primary pr].display', value: 'P' }], {
      ...alice(), emails: [{ value: 'alice@x.com', type: 'work', primary: true, display: 'P' }, { value: 'alice@home.com', type: 'home' }],
    }],
    ['names are case-insensitive and stored canonical', [{ op: 'Replace', path: 'Name.GivenName', value: 'Al' }, { op: 'replace', path: 'NICKNAME', value: 'n' }], {
      ...alice(), name: { givenName: 'Al', familyName: 'Smith' }, nickName: 'n',
    }],
    ['canonical names inside values', [{ op: 'replace', path: 'name', value: { GIVENNAME: 'Al' } }], { ...alice(), name: { givenName: 'Al', familyName: 'Smith' } }],
  ])('%s', (_title, operations, expected) => {
    expect(patch(alice(), operations)).toEqual({ resource: expected, changed: true, membership: [] });
  });

  it('a filter that matches nothing and pins nothing: noTarget (RFC 7644 §3.5.2.3)', () => {
    expect(() => patch(alice(), [{ op: 'replace', path: 'emails[value co "nobody"].display', value: 'x' }]))
      .toThrow(expect.objectContaining({ scimType: 'noTarget' }));
    expect(() => patch(alice(), [{ op: 'replace', path: 'emails[type eq "work" or type eq "other"].display', value: 'x' }], 'User'))
      .not.toThrow();
    expect(() => patch({ userName: 'a' }, [{ op: 'replace', path: 'emails[type eq "work" or type eq "other"].display', value: 'x' }]))
      .toThrow(expect.objectContaining({ scimType: 'noTarget' }));
  });
});

describe('remove (RFC 7644 §3.5.2.2)', () => {
  it.each<Case>([
    ['a single-valued attribute', [{ op: 'remove', path: 'name' }], (({ name: _n, ...rest }) => rest)(alice())],
    ['a whole multi-valued attribute', [{ op: 'remove', path: 'emails' }], (({ emails: _e, ...rest }) => rest)(alice())],
    ['a sub-attribute', [{ op: 'remove', path: 'name.familyName' }], { ...alice(), name: { givenName: 'Alice' } }],
    ['the last sub-attribute: the attribute is unassigned', [{ op: 'remove', path: 'name.familyName' }, { op: 'remove', path: 'name.givenName' }], (({ name: _n, ...rest }) => rest)(alice())],
    ['the matching elements', [{ op: 'remove', path: 'emails[type eq "home"]' }], { ...alice(), emails: [{ value: 'alice@x.com', type: 'work', primary: true }] }],
    ['all elements: unassigned', [{ op: 'remove', path: 'emails[value ew ".com"]' }], (({ emails: _e, ...rest }) => rest)(alice())],
    ['a sub-attribute of the matching elements', [{ op: 'remove', path: 'emails[type eq "work"].primary' }], {
      ...alice(), emails: [{ value: 'alice@x.com', type: 'work' }, { value: 'alice@home.com', type: 'home' }],
    }],
    ['an element losing its value is gone', [{ op: 'remove', path: 'emails[type eq "home"].value' }], { ...alice(), emails: [{ value: 'alice@x.com', type: 'work', primary: true }] }],
    ['an extension attribute', [{ op: 'remove', path: `${ENT}:employeeNumber` }], { ...alice(), [ENT]: { manager: { value: 'm1' } } }],
    ['the last extension attribute: the extension is gone', [{ op: 'remove', path: `${ENT}:employeeNumber` }, { op: 'remove', path: `${ENT}:manager` }], (({ [ENT]: _e, ...rest }) => rest)(alice())],
    ['the whole extension', [{ op: 'remove', path: ENT }], (({ [ENT]: _e, ...rest }) => rest)(alice())],
  ])('%s', (_title, operations, expected) => {
    expect(patch(alice(), operations)).toEqual({ resource: expected, changed: true, membership: [] });
  });

  it('a remove listing elements removes only those (Entra lists what it removes)', () => {
    const start = { ...alice(), roles: [{ value: 'Admin', type: 'WindowsAzureActiveDirectoryRole' }, { value: 'premium' }] };
    expect(patch(start, [{ op: 'Remove', path: 'roles', value: [{ value: 'admin' }] }]).resource.roles).toEqual([{ value: 'premium' }]);
    expect(patch(start, [{ op: 'remove', path: 'emails', value: [{ value: 'ALICE@home.com', type: 'home' }] }]).resource.emails)
      .toEqual([{ value: 'alice@x.com', type: 'work', primary: true }]);
    expect(patch(start, [{ op: 'remove', path: 'roles', value: [{ value: 'Admin' }, { value: 'premium' }] }]).resource).not.toHaveProperty('roles');
    expect(patch(start, [{ op: 'remove', path: 'roles', value: [{ value: 'other' }] }]).changed).toBe(false);
  });

  it('a value on the remove of a single-valued attribute is ignored', () => {
    expect(patch(alice(), [{ op: 'remove', path: `${ENT}:manager`, value: [{ value: 'm1' }] }]).resource[ENT]).toEqual({ employeeNumber: '7' });
  });

  it.each<[string, unknown]>([
    ['an unassigned attribute', { op: 'remove', path: 'title' }],
    ['a filter that matches nothing (idempotent, see apply.ts)', { op: 'remove', path: 'emails[type eq "other"]' }],
    ['a sub-attribute of an unassigned attribute', { op: 'remove', path: 'addresses[type eq "work"].formatted' }],
    ['an unassigned extension', { op: 'remove', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter' }],
  ])('removing %s changes nothing', (_title, operation) => {
    expect(patch(alice(), [operation])).toEqual({ resource: alice(), changed: false, membership: [] });
  });
});

describe('primary (RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once")', () => {
  it('adding a new primary unsets the old one', () => {
    const { resource } = patch(alice(), [{ op: 'add', path: 'emails', value: [{ value: 'b@x.com', type: 'other', primary: true }] }]);
    expect(resource.emails).toEqual([
      { value: 'alice@x.com', type: 'work', primary: false },
      { value: 'alice@home.com', type: 'home' },
      { value: 'b@x.com', type: 'other', primary: true },
    ]);
  });

  it('setting primary through a filter unsets the old one', () => {
    const { resource } = patch(alice(), [{ op: 'replace', path: 'emails[type eq "home"].primary', value: 'True' }]);
    expect(resource.emails).toEqual([{ value: 'alice@x.com', type: 'work', primary: false }, { value: 'alice@home.com', type: 'home', primary: true }]);
  });

  it('two primaries in one value: invalidValue', () => {
    expect(() => patch(alice(), [{ op: 'replace', path: 'emails', value: [{ value: 'a@x', primary: true }, { value: 'b@x', primary: true }] }]))
      .toThrow(expect.objectContaining({ scimType: 'invalidValue' }));
  });

  it('a filter setting primary on two elements: invalidValue', () => {
    expect(() => patch(alice(), [{ op: 'replace', path: 'emails[value ew "com"].primary', value: true }]))
      .toThrow(expect.objectContaining({ scimType: 'invalidValue' }));
  });
});

describe('duplicates', () => {
  it('adding an equal element changes nothing', () => {
    expect(patch(alice(), [{ op: 'add', path: 'emails', value: [{ value: 'alice@x.com', type: 'work', primary: true }] }]).changed).toBe(false);
  });

  it('adding a (type, value)-equal element merges into the existing one', () => {
    const { resource, changed } = patch(alice(), [{ op: 'add', path: 'emails', value: [{ value: 'ALICE@HOME.COM', type: 'Home', display: 'H' }] }]);
    expect(changed).toBe(true);
    expect(resource.emails).toEqual([{ value: 'alice@x.com', type: 'work', primary: true }, { value: 'ALICE@HOME.COM', type: 'Home', display: 'H' }]);
  });

  it('a replace list with duplicates keeps one', () => {
    const { resource } = patch(alice(), [{ op: 'replace', path: 'roles', value: [{ value: 'premium', type: 't' }, { value: 'premium', type: 't', primary: 'true' }] }]);
    expect(resource.roles).toEqual([{ value: 'premium', type: 't', primary: true }]);
  });

  it('the same value with another type is kept', () => {
    const { resource } = patch({ userName: 'a' }, [{ op: 'add', path: 'emails', value: [{ value: 'a@x', type: 'work' }, { value: 'a@x', type: 'home' }] }]);
    expect(resource.emails).toEqual([{ value: 'a@x', type: 'work' }, { value: 'a@x', type: 'home' }]);
  });

  it('x509 certificate values are caseExact', () => {
    const { resource } = patch({ userName: 'a' }, [{ op: 'add', path: 'x509Certificates', value: [{ value: 'QUJD' }, { value: 'qujd' }] }]);
    expect(resource.x509Certificates).toEqual([{ value: 'QUJD' }, { value: 'qujd' }]);
  });
});

describe('coercion by declared type', () => {
  it.each<[string, unknown, unknown]>([
    ['"False"', 'False', false],
    ['"false"', 'false', false],
    ['"True"', 'True', true],
    ['true', true, true],
  ])('active %s', (_title, value, expected) => {
    expect(patch(alice(), [{ op: 'replace', path: 'active', value }]).resource.active).toBe(expected);
  });

  it('primary "True" inside elements', () => {
    const { resource } = patch({ userName: 'a' }, [{ op: 'add', path: 'phoneNumbers', value: [{ value: '+1', type: 'mobile', primary: 'True' }] }]);
    expect(resource.phoneNumbers).toEqual([{ value: '+1', type: 'mobile', primary: true }]);
  });

  it.each<[string, unknown]>([
    ['a word for a boolean', { op: 'replace', path: 'active', value: 'yes' }],
    ['a number for a boolean', { op: 'replace', path: 'active', value: 1 }],
    ['a number for a string', { op: 'replace', path: 'userName', value: 5 }],
    ['an object for a string', { op: 'replace', path: 'title', value: { a: 1 } }],
    ['a string for a complex attribute', { op: 'replace', path: 'name', value: 'Alice' }],
    ['an unknown sub-attribute', { op: 'add', path: 'emails', value: [{ value: 'a@x', colour: 'red' }] }],
    ['a string for an extension object', { op: 'replace', path: ENT, value: 'x' }],
    ['a no-path value that is not an object', { op: 'replace', value: 'x' }],
    ['a no-path null value', { op: 'add', value: null }],
    ['a bad dateTime', { op: 'replace', path: 'meta.lastModified', value: 'yesterday' }],
  ])('%s: invalidValue', (_title, operation) => {
    expect(() => patch(alice(), [operation])).toThrow(expect.objectContaining({ scimType: 'invalidValue' }));
  });

  it('ignores readOnly sub-attributes in a value (RFC 7644 §3.5.1) and unknown null ones', () => {
    const { resource } = patch(alice(), [{ op: 'replace', path: `${ENT}:manager`, value: { value: 'm2', displayName: 'Boss', colour: null } }]);
    expect(resource[ENT]).toEqual({ employeeNumber: '7', manager: { value: 'm2' } });
  });
});

describe('null means unset, never a stored null', () => {
  it.each<[string, unknown[], ScimResource]>([
    ['replace with null', [{ op: 'replace', path: 'name.familyName', value: null }], { ...alice(), name: { givenName: 'Alice' } }],
    ['a null key in a no-path value', [{ op: 'replace', value: { name: null, title: 'T' } }], (({ name: _n, ...rest }) => ({ ...rest, title: 'T' }))(alice())],
    ['a null element of a list', [{ op: 'replace', path: 'emails', value: [null, { value: 'n@x', type: 'work', display: null }] }], { ...alice(), emails: [{ value: 'n@x', type: 'work' }] }],
    ['a null extension attribute', [{ op: 'add', value: { [ENT]: { employeeNumber: null } } }], { ...alice(), [ENT]: { manager: { value: 'm1' } } }],
  ])('%s', (_title, operations, expected) => {
    expect(patch(alice(), operations).resource).toEqual(expected);
  });
});

describe('no-op detection', () => {
  it.each<[string, unknown[]]>([
    ['the same value', [{ op: 'replace', path: 'userName', value: 'alice@x.com' }]],
    ['the same value, boolean as a string', [{ op: 'Replace', path: 'active', value: 'True' }]],
    ['the same sub-attributes', [{ op: 'replace', path: 'name', value: { givenName: 'Alice' } }]],
    ['the same list in another key order', [{ op: 'replace', path: 'emails', value: [{ type: 'work', primary: true, value: 'alice@x.com' }, { type: 'home', value: 'alice@home.com' }] }]],
    ['set then reset', [{ op: 'replace', path: 'title', value: 'X' }, { op: 'remove', path: 'title' }]],
    ['an echoed id, schemas and meta', [{ op: 'replace', value: { id: 'u1', schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], meta: { resourceType: 'User' }, active: true } }]],
    ['an empty no-path value', [{ op: 'add', value: {} }]],
    ['the same manager in another shape', [{ op: 'replace', path: `${ENT}:manager`, value: 'm1' }]],
  ])('%s: changed=false', (_title, operations) => {
    const input = alice();
    const result = patch(input, operations);
    expect(result.changed).toBe(false);
    expect(result.resource).toEqual(alice());
  });

  it('never mutates its input', () => {
    const input = alice();
    const frozen = JSON.stringify(input);
    const result = patch(input, [{ op: 'add', path: 'emails', value: [{ value: 'z@x', primary: true }] }, { op: 'replace', path: 'name.givenName', value: 'Z' }]);
    expect(JSON.stringify(input)).toBe(frozen);
    expect(result.resource).not.toBe(input);
  });
});

describe('mutability', () => {
  it.each<[string, unknown[], ScimResource?]>([
    ['replace id by path', [{ op: 'replace', path: 'id', value: 'u1' }]],
    ['a different echoed id', [{ op: 'replace', value: { id: 'other', displayName: 'x' } }]],
    ['an echoed id when the id is unknown', [{ op: 'replace', value: { id: 'u1' } }], { userName: 'a' }],
    ['meta by path', [{ op: 'replace', path: 'meta.lastModified', value: '2024-01-01T00:00:00Z' }]],
    ['groups', [{ op: 'add', path: 'groups', value: [{ value: 'g1' }] }]],
    ['groups in a no-path value', [{ op: 'replace', value: { groups: [] } }]],
    ['a seatgate attribute', [{ op: 'replace', path: `${SEAT}:seatType`, value: 'premium' }]],
    ['the seatgate extension object', [{ op: 'add', value: { [SEAT]: { seatState: 'assigned' } } }]],
    ['remove the seatgate extension', [{ op: 'remove', path: SEAT }]],
    ['remove id', [{ op: 'remove', path: 'id' }]],
    ['remove a required attribute', [{ op: 'remove', path: 'userName' }]],
    ['remove active (seatgate keeps every user active or not; docs/conformance.md)', [{ op: 'remove', path: 'active' }]],
    ['replace active with null (null means unset)', [{ op: 'replace', path: 'active', value: null }]],
    ['remove the manager display name', [{ op: 'remove', path: `${ENT}:manager.displayName` }]],
  ])('%s', (_title, operations, resource = alice()) => {
    expect(() => patch(resource, operations)).toThrow(expect.objectContaining({ scimType: 'mutability', status: 400 }));
  });

  it('remove of displayName of a group', () => {
    expect(() => patch({ id: 'g', displayName: 'G' }, [{ op: 'remove', path: 'displayName' }], 'Group'))
      .toThrow(expect.objectContaining({ scimType: 'mutability' }));
  });

  it('an echoed id is checked against options.id when the resource has none', () => {
    const operations = normalizePatchRequest('User', body({ op: 'replace', value: { id: 'u9', active: false } }));
    expect(applyPatch('User', { userName: 'a', active: true }, operations, { id: 'u9' }).resource).toEqual({ userName: 'a', active: false });
  });
});

describe('envelope and path errors', () => {
  it.each<[string, unknown, string]>([
    ['not an object', [], 'invalidSyntax'],
    ['no schemas', { Operations: [{ op: 'add', path: 'title', value: 'x' }] }, 'invalidSyntax'],
    ['another schema', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], Operations: [{ op: 'add', path: 'title', value: 'x' }] }, 'invalidSyntax'],
    ['no Operations', { schemas: [PATCH_OP] }, 'invalidSyntax'],
    ['empty Operations (RFC: "an array of one or more PATCH operations")', body(), 'invalidSyntax'],
    ['an operation that is not an object', body('add'), 'invalidSyntax'],
    ['an unknown op', body({ op: 'move', path: 'title', value: 'x' }), 'invalidSyntax'],
    ['no op', body({ path: 'title', value: 'x' }), 'invalidSyntax'],
    ['replace without value (scimmy deletes instead)', body({ op: 'replace', path: 'title' }), 'invalidSyntax'],
    ['add without value', body({ op: 'add', path: 'title' }), 'invalidSyntax'],
    ['remove without path (RFC 7644 §3.5.2.2)', body({ op: 'remove' }), 'noTarget'],
    ['a non-string path', body({ op: 'add', path: 5, value: 'x' }), 'invalidPath'],
    ['an empty path', body({ op: 'add', path: '', value: 'x' }), 'invalidPath'],
    ['an unknown attribute', body({ op: 'add', path: 'colour', value: 'x' }), 'invalidPath'],
    ['an unknown sub-attribute', body({ op: 'add', path: 'name.colour', value: 'x' }), 'invalidPath'],
    ['an attribute no schema defines', body({ op: 'add', path: 'employeeNumbr', value: 'x' }), 'invalidPath'],
    ['an unknown no-path key', body({ op: 'replace', value: { colour: 'x' } }), 'invalidPath'],
    ['a sub-attribute of a multi-valued attribute without filter', body({ op: 'replace', path: 'emails.value', value: 'x' }), 'invalidPath'],
    ['a filter on a simple attribute', body({ op: 'replace', path: 'userName[value eq "x"]', value: 'x' }), 'invalidPath'],
    ['an unclosed filter', body({ op: 'replace', path: 'emails[type eq "work"', value: 'x' }), 'invalidPath'],
    ['junk after the filter', body({ op: 'replace', path: 'emails[type eq "work"]x', value: 'x' }), 'invalidPath'],
    ['the core schema URN as a path', body({ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User', value: {} }), 'invalidPath'],
    ['a malformed filter', body({ op: 'replace', path: 'emails[type eq]', value: 'x' }), 'invalidFilter'],
    ['an unknown attribute in a filter', body({ op: 'replace', path: 'emails[colour eq "red"].value', value: 'x' }), 'invalidFilter'],
    ['an ordering operator on a boolean', body({ op: 'replace', path: 'emails[primary gt true].value', value: 'x' }), 'invalidFilter'],
  ])('%s: %s', (_title, request, scimType) => {
    expect(() => normalizePatchRequest('User', request)).toThrow(expect.objectContaining({ scimType, status: 400 }));
  });

  it('names the failing operation', () => {
    expect(() => normalizePatchRequest('User', body({ op: 'add', path: 'title', value: 'x' }, { op: 'add', path: 'nope', value: 'x' })))
      .toThrow(expect.objectContaining({ operation: 1, message: expect.stringMatching(/^Operations\[1\]: "nope"/) }));
  });

  it('names the failing operation in errors found while applying', () => {
    expect(() => patch(alice(), [{ op: 'add', path: 'title', value: 'x' }, { op: 'replace', path: 'groups', value: [] }]))
      .toThrow(expect.objectContaining({ scimType: 'mutability', operation: 1, message: expect.stringMatching(/^Operations\[1\]: "groups"/) }));
  });

  it('accepts case-insensitive envelope names and ignores extra members', () => {
    const operations = normalizePatchRequest('User', { schemas: [PATCH_OP.toUpperCase()], operations: [{ OP: 'Add', Path: 'title', Value: 'x', name: 'n' }], id: 'u1' });
    expect(operations).toHaveLength(1);
    expect(operations[0]).toMatchObject({ kind: 'add', value: 'x', target: { attribute: { name: 'title' } } });
  });
});

describe('operations apply in order', () => {
  it('a later operation sees the earlier one', () => {
    const { resource } = patch(alice(), [
      { op: 'remove', path: 'emails' },
      { op: 'add', path: 'emails[type eq "work"].value', value: 'w@x' },
      { op: 'replace', path: 'emails[type eq "work"].primary', value: true },
    ]);
    expect(resource.emails).toEqual([{ type: 'work', value: 'w@x', primary: true }]);
  });
});
