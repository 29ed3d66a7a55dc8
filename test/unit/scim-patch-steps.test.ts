// Each IdP-quirk rewrite step, before → after, on its own; then the pipeline's order.
import { runPipeline, REWRITE_STEPS } from '../../src/protocol/scim/patch/index.js';
import { dropEchoedServerAttributes } from '../../src/protocol/scim/patch/steps/dropEchoedServerAttributes.js';
import { entraRemoveListedMembers } from '../../src/protocol/scim/patch/steps/entraRemoveListedMembers.js';
import { lowercaseOpNames } from '../../src/protocol/scim/patch/steps/lowercaseOpNames.js';
import { managerAsReference } from '../../src/protocol/scim/patch/steps/managerAsReference.js';
import { membersToDeltas } from '../../src/protocol/scim/patch/steps/membersToDeltas.js';
import { nullMeansUnset } from '../../src/protocol/scim/patch/steps/nullMeansUnset.js';
import { rolesFromEntraShapes } from '../../src/protocol/scim/patch/steps/rolesFromEntraShapes.js';
import { splitExtensionObject } from '../../src/protocol/scim/patch/steps/splitExtensionObject.js';
import { splitNoPathValue } from '../../src/protocol/scim/patch/steps/splitNoPathValue.js';
import type { PipelineContext, RawOperation, RewriteStep } from '../../src/protocol/scim/patch/types.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const USER: PipelineContext = { type: 'User', dialect: 'default' };
const GROUP: PipelineContext = { type: 'Group', dialect: 'default' };

type Case = [string, RawOperation, unknown[], PipelineContext?];

function table(step: RewriteStep, cases: Case[]) {
  describe(step.name, () => {
    it.each(cases)('%s', (_title, before, after, context = USER) => {
      expect(step.rewrite(before, context)).toEqual(after);
    });
  });
}

table(lowercaseOpNames, [
  ['Replace → replace', { op: 'Replace', path: 'active', value: 'False' }, [{ op: 'replace', path: 'active', value: 'False' }]],
  ['Add → add', { op: 'Add', path: 'emails', value: [] }, [{ op: 'add', path: 'emails', value: [] }]],
  ['REMOVE → remove', { op: 'REMOVE', path: 'title' }, [{ op: 'remove', path: 'title' }]],
]);

table(splitNoPathValue, [
  ['plain names: one op each, marked fromNoPath', { op: 'replace', value: { active: false, name: { givenName: 'A' } } }, [
    { op: 'replace', path: 'active', value: false, fromNoPath: true },
    { op: 'replace', path: 'name', value: { givenName: 'A' }, fromNoPath: true },
  ]],
  ['Entra flag dialect: keys are paths', {
    op: 'replace',
    value: { 'name.givenName': 'Ann', [`${ENT}:employeeNumber`]: '7', 'emails[type eq "work"].value': 'a@x' },
  }, [
    { op: 'replace', path: 'name.givenName', value: 'Ann', fromNoPath: true },
    { op: 'replace', path: `${ENT}:employeeNumber`, value: '7', fromNoPath: true },
    { op: 'replace', path: 'emails[type eq "work"].value', value: 'a@x', fromNoPath: true },
  ], { type: 'User', dialect: 'aadOptscim062020' }],
  ['an extension object stays one op (split by splitExtensionObject)', { op: 'add', value: { [ENT]: { employeeNumber: '7' } } }, [
    { op: 'add', path: ENT, value: { employeeNumber: '7' }, fromNoPath: true },
  ]],
  ['the core schema URN is unwrapped', { op: 'add', value: { 'urn:ietf:params:scim:schemas:core:2.0:User': { userName: 'a' } } }, [
    { op: 'add', path: 'userName', value: 'a', fromNoPath: true },
  ]],
  ['an op with a path is untouched', { op: 'replace', path: 'name', value: { givenName: 'A' } }, [{ op: 'replace', path: 'name', value: { givenName: 'A' } }]],
  ['remove is untouched', { op: 'remove', path: 'title' }, [{ op: 'remove', path: 'title' }]],
  ['a non-object value is left for the compiler to reject', { op: 'replace', value: 'x' }, [{ op: 'replace', value: 'x' }]],
]);

table(dropEchoedServerAttributes, [
  ['drops an echoed meta', { op: 'replace', path: 'meta', value: { resourceType: 'User' }, fromNoPath: true }, []],
  ['drops echoed schemas', { op: 'replace', path: 'Schemas', value: ['urn:x'], fromNoPath: true }, []],
  ['keeps an echoed id (checked by the applier)', { op: 'replace', path: 'id', value: 'u1', fromNoPath: true }, [{ op: 'replace', path: 'id', value: 'u1', fromNoPath: true }]],
  ['keeps an explicit path to meta', { op: 'replace', path: 'meta', value: {} }, [{ op: 'replace', path: 'meta', value: {} }]],
]);

table(splitExtensionObject, [
  ['replace of the enterprise object', { op: 'replace', path: ENT, value: { employeeNumber: '7', manager: { value: 'm1' } } }, [
    { op: 'replace', path: `${ENT}:employeeNumber`, value: '7' },
    { op: 'replace', path: `${ENT}:manager`, value: { value: 'm1' } },
  ]],
  ['URN matched case-insensitively; provenance kept', { op: 'add', path: ENT.toUpperCase(), value: { department: 'R&D' }, fromNoPath: true }, [
    { op: 'add', path: `${ENT}:department`, value: 'R&D', fromNoPath: true },
  ]],
  ['an attribute path is untouched', { op: 'add', path: `${ENT}:manager`, value: { value: 'm' } }, [{ op: 'add', path: `${ENT}:manager`, value: { value: 'm' } }]],
  ['remove of the extension is untouched', { op: 'remove', path: ENT }, [{ op: 'remove', path: ENT }]],
]);

table(entraRemoveListedMembers, [
  ['Entra default dialect: removes only the listed members', { op: 'remove', path: 'members', value: [{ value: 'u1' }, { $ref: null, value: 'u2' }] }, [
    { kind: 'membership', delta: { kind: 'remove', ids: ['u1', 'u2'] } },
  ], GROUP],
  ['capitalized path', { op: 'remove', path: 'Members', value: { value: 'u1' } }, [{ kind: 'membership', delta: { kind: 'remove', ids: ['u1'] } }], GROUP],
  ['an empty list removes nothing', { op: 'remove', path: 'members', value: [] }, [], GROUP],
  ['without value: left to membersToDeltas', { op: 'remove', path: 'members' }, [{ op: 'remove', path: 'members' }], GROUP],
  ['not a group: untouched', { op: 'remove', path: 'emails', value: [{ value: 'x' }] }, [{ op: 'remove', path: 'emails', value: [{ value: 'x' }] }]],
]);

table(membersToDeltas, [
  ['several members with $ref null', { op: 'add', path: 'members', value: [{ $ref: null, value: 'u1' }, { $ref: null, value: 'u2' }] }, [
    { kind: 'membership', delta: { kind: 'add', ids: ['u1', 'u2'] } },
  ], GROUP],
  ['a bare id string (Microsoft suite)', { op: 'add', path: 'members', value: 'string id 1' }, [{ kind: 'membership', delta: { kind: 'add', ids: ['string id 1'] } }], GROUP],
  ['duplicate ids collapse', { op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u1' }] }, [{ kind: 'membership', delta: { kind: 'add', ids: ['u1'] } }], GROUP],
  ['Okta push: replace with the full list', { op: 'replace', path: 'members', value: [{ value: 'u1', display: 'A' }] }, [
    { kind: 'membership', delta: { kind: 'replaceAll', ids: ['u1'] } },
  ], GROUP],
  ['Okta push: replace with an empty list', { op: 'replace', path: 'members', value: [] }, [{ kind: 'membership', delta: { kind: 'replaceAll', ids: [] } }], GROUP],
  ['replace with null', { op: 'replace', path: 'members', value: null }, [{ kind: 'membership', delta: { kind: 'removeAll' } }], GROUP],
  ['add null adds nothing', { op: 'add', path: 'members', value: null }, [], GROUP],
  ['remove without value: all members', { op: 'remove', path: 'members' }, [{ kind: 'membership', delta: { kind: 'removeAll' } }], GROUP],
  ['Okta: remove members[value eq "id"]', { op: 'remove', path: 'members[value eq "u1"]' }, [{ kind: 'membership', delta: { kind: 'remove', ids: ['u1'] } }], GROUP],
  ['remove members[value eq "a" or value eq "b"]', { op: 'remove', path: 'members[value eq "a" or Value EQ "b"]' }, [
    { kind: 'membership', delta: { kind: 'remove', ids: ['a', 'b'] } },
  ], GROUP],
  ['displayName ops pass', { op: 'replace', path: 'displayName', value: 'x' }, [{ op: 'replace', path: 'displayName', value: 'x' }], GROUP],
]);

describe('membersToDeltas rejects what cannot be a delta', () => {
  it.each<[string, RawOperation, string]>([
    ['a filter on add', { op: 'add', path: 'members[value eq "u1"]', value: { value: 'u2' } }, 'invalidPath'],
    ['a member sub-attribute', { op: 'replace', path: 'members[value eq "u1"].display', value: 'x' }, 'invalidPath'],
    ['a filter not on value', { op: 'remove', path: 'members[display eq "A"]' }, 'invalidFilter'],
    ['a member without id', { op: 'add', path: 'members', value: [{ display: 'A' }] }, 'invalidValue'],
    ['a numeric id', { op: 'add', path: 'members', value: [{ value: 7 }] }, 'invalidValue'],
  ])('%s', (_title, operation, scimType) => {
    expect(() => membersToDeltas.rewrite(operation, GROUP)).toThrow(expect.objectContaining({ scimType }));
  });
});

table(nullMeansUnset, [
  ['replace null → remove', { op: 'replace', path: 'nickName', value: null }, [{ op: 'remove', path: 'nickName' }]],
  ['add null → remove, provenance kept', { op: 'add', path: 'title', value: null, fromNoPath: true }, [{ op: 'remove', path: 'title', fromNoPath: true }]],
  ['a value is untouched', { op: 'replace', path: 'title', value: 'x' }, [{ op: 'replace', path: 'title', value: 'x' }]],
]);

table(managerAsReference, [
  ['a plain id string', { op: 'add', path: `${ENT}:manager`, value: 'm1' }, [{ op: 'add', path: `${ENT}:manager`, value: { value: 'm1' } }]],
  ['{"value":id}', { op: 'replace', path: `${ENT}:manager`, value: { value: 'm1' } }, [{ op: 'replace', path: `${ENT}:manager`, value: { value: 'm1' } }]],
  ['[{"$ref":…,"value":id}]', { op: 'replace', path: `${ENT}:manager`, value: [{ $ref: '../Users/m1', value: 'm1' }] }, [
    { op: 'replace', path: `${ENT}:manager`, value: { value: 'm1' } },
  ]],
  ['{"value":""} removes', { op: 'replace', path: `${ENT}:manager`, value: { value: '' } }, [{ op: 'remove', path: `${ENT}:manager` }]],
  ['"" removes', { op: 'replace', path: `${ENT}:Manager`, value: '' }, [{ op: 'remove', path: `${ENT}:Manager` }]],
  ['manager.value "" removes', { op: 'replace', path: `${ENT}:manager.value`, value: '' }, [{ op: 'remove', path: `${ENT}:manager` }]],
  ['other attributes untouched', { op: 'replace', path: `${ENT}:department`, value: '' }, [{ op: 'replace', path: `${ENT}:department`, value: '' }]],
  ['a number is left for the compiler to reject', { op: 'replace', path: `${ENT}:manager`, value: 5 }, [{ op: 'replace', path: `${ENT}:manager`, value: 5 }]],
]);

table(rolesFromEntraShapes, [
  ['AppRoleAssignmentsComplex: each role a JSON string in value', {
    op: 'add', path: 'roles',
    value: [{ value: '{"id":"827f0d2e","value":"DocumentMgmt-Admin","displayName":"DocumentMgmt Admin"}' }, { value: '{"id":"8ae06bd4","value":"Admin","displayName":"Admin"}' }],
  }, [{ op: 'add', path: 'roles', value: [{ value: 'DocumentMgmt-Admin', display: 'DocumentMgmt Admin' }, { value: 'Admin', display: 'Admin' }] }]],
  ['the whole list as a JSON string', { op: 'replace', path: 'roles', value: '[{"primary":"True","type":"WindowsAzureActiveDirectoryRole","value":"premium"}]' }, [
    { op: 'replace', path: 'roles', value: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'premium' }] },
  ]],
  ['displayName → display', { op: 'add', path: 'roles', value: [{ primary: false, type: 'WindowsAzureActiveDirectoryRole', displayName: 'Admin', value: 'Admin' }] }, [
    { op: 'add', path: 'roles', value: [{ primary: false, type: 'WindowsAzureActiveDirectoryRole', display: 'Admin', value: 'Admin' }] },
  ]],
  ['role strings', { op: 'add', path: 'roles', value: ['standard', '{"value":"premium"}'] }, [{ op: 'add', path: 'roles', value: [{ value: 'standard' }, { value: 'premium' }] }]],
  ['proper SCIM roles untouched', { op: 'replace', path: 'roles', value: [{ primary: 'True', value: 'premium' }] }, [{ op: 'replace', path: 'roles', value: [{ primary: 'True', value: 'premium' }] }]],
  ['a remove listing roles', { op: 'remove', path: 'roles', value: [{ value: '{"id":"8ae0","value":"Admin","displayName":"Admin"}' }] }, [
    { op: 'remove', path: 'roles', value: [{ value: 'Admin', display: 'Admin' }] },
  ]],
  ['a filtered path untouched', { op: 'replace', path: 'roles[primary eq "True"].value', value: '{x' }, [{ op: 'replace', path: 'roles[primary eq "True"].value', value: '{x' }]],
]);

describe('the pipeline', () => {
  it('runs the steps in this order', () => {
    expect(REWRITE_STEPS.map((step) => step.name)).toEqual([
      'lowercaseOpNames', 'splitNoPathValue', 'dropEchoedServerAttributes', 'splitExtensionObject',
      'entraRemoveListedMembers', 'membersToDeltas', 'nullMeansUnset', 'managerAsReference', 'rolesFromEntraShapes',
    ]);
  });

  it('chains the steps: a capitalized no-path replace of an extension with a string manager', () => {
    const result = runPipeline([{ op: 'Replace', value: { [ENT]: { manager: 'm1', department: null } } }], USER);
    expect(result).toEqual([
      { index: 0, operation: { op: 'replace', path: `${ENT}:manager`, value: { value: 'm1' }, fromNoPath: true } },
      { index: 0, operation: { op: 'remove', path: `${ENT}:department`, fromNoPath: true } },
    ]);
  });

  it('names the failing operation in errors raised by a step', () => {
    expect(() => runPipeline([{ op: 'add', path: 'displayName', value: 'x' }, { op: 'add', path: 'members', value: [{}] }], GROUP))
      .toThrow(expect.objectContaining({ scimType: 'invalidValue', operation: 1, message: expect.stringMatching(/^Operations\[1\]/) }));
  });

  it('gives the same operations in both Entra dialects', () => {
    const body: RawOperation[] = [{ op: 'replace', value: { 'name.givenName': 'A', active: 'False' } }, { op: 'remove', path: 'members[value eq "u"]' }];
    expect(runPipeline(body, { type: 'Group', dialect: 'aadOptscim062020' })).toEqual(runPipeline(body, { type: 'Group', dialect: 'default' }));
  });
});
