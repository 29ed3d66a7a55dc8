// The access rules of domain/access.ts, as a table (SPEC §1, issue 11, issue 9 item 8).
import { mappedRole, removalDenial, roleChangeDenial, seatChangeDenial } from '../../src/domain/access.js';
import type { Role } from '../../src/domain/organization.js';

const verdict = (denial: { code: string } | undefined) => denial?.code ?? 'ok';

describe('seat changes', () => {
  it.each([
    ['primary_owner', 'primary_owner', 'ok'], ['owner', 'primary_owner', 'ok'], ['owner', 'owner', 'ok'],
    ['admin', 'primary_owner', 'forbidden'], ['admin', 'owner', 'forbidden'], ['admin', 'admin', 'ok'], ['admin', 'member', 'ok'],
    ['member', 'member', 'forbidden'],
  ] as [Role, Role, string][])('%s changing the seat of a %s: %s', (actor, target, expected) => {
    expect(verdict(seatChangeDenial(actor, target))).toBe(expected);
  });
});

describe('role changes', () => {
  it.each([
    ['primary_owner', 'member', 'owner', 'ok'], ['primary_owner', 'owner', 'member', 'ok'], ['owner', 'owner', 'admin', 'ok'],
    ['owner', 'primary_owner', 'owner', 'transfer_ownership_first'], ['primary_owner', 'primary_owner', 'owner', 'transfer_ownership_first'],
    ['admin', 'member', 'admin', 'ok'], ['admin', 'admin', 'member', 'ok'], ['admin', 'member', 'owner', 'forbidden'],
    ['admin', 'owner', 'member', 'forbidden'], ['admin', 'primary_owner', 'member', 'forbidden'], ['member', 'member', 'admin', 'forbidden'],
  ] as [Role, Role, 'owner' | 'admin' | 'member', string][])('%s turning a %s into %s: %s', (actor, from, to, expected) => {
    expect(verdict(roleChangeDenial(actor, from, to))).toBe(expected);
  });
});

describe('removal', () => {
  it.each([
    ['owner', 'owner', 'ok'], ['owner', 'primary_owner', 'transfer_ownership_first'], ['admin', 'owner', 'forbidden'],
    ['admin', 'primary_owner', 'forbidden'], ['admin', 'admin', 'ok'], ['member', 'member', 'forbidden'],
  ] as [Role, Role, string][])('%s removing a %s: %s', (actor, target, expected) => {
    expect(verdict(removalDenial(actor, target))).toBe(expected);
  });
});

describe('roles granted by group mappings', () => {
  it.each([
    [{ role: 'member', roleSource: 'default' }, ['admin'], { role: 'admin', source: 'mapping' }],
    [{ role: 'member', roleSource: 'default' }, ['owner'], { role: 'admin', source: 'mapping' }], // capped at admin
    [{ role: 'member', roleSource: 'default' }, [null, 'member'], undefined],
    [{ role: 'member', roleSource: 'default' }, [], undefined],
    [{ role: 'admin', roleSource: 'mapping' }, [null], { role: 'member', source: 'default' }], // left the group
    [{ role: 'admin', roleSource: 'mapping' }, ['member'], { role: 'member', source: 'mapping' }],
    [{ role: 'admin', roleSource: 'mapping' }, ['admin', 'member'], undefined],
    [{ role: 'member', roleSource: 'manual' }, ['admin'], undefined], // set by hand
    [{ role: 'admin', roleSource: 'manual' }, [], undefined],
    [{ role: 'owner', roleSource: 'mapping' }, [], undefined], // never an owner
    [{ role: 'primary_owner', roleSource: 'default' }, ['member'], undefined],
  ] as const)('%j with mapped roles %j → %j', (member, granted, expected) => {
    expect(mappedRole(member as never, granted)).toEqual(expected);
  });
});
