// Issue 10 item 9: the primary owner is a complete SCIM user from the start — `org create` takes
// its name, and derives one from the email when none is given (Okta's spec test reads the first
// user's name.givenName and familyName).
import { personName } from '../../src/services/organizations.js';
import { cli } from '../support/cli.js';
import { openTestContext, type TestContext } from '../support/context.js';

let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(); });
afterAll(() => ctx.close());

async function orgCreate(...extra: string[]) {
  const name = `Owner name ${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const { code, stdout, stderr } = await cli('org', 'create', '--name', name, '--plan', 'team', '--seats', 'premium=2', ...extra, '--json');
  return { code, stderr, created: code === 0 ? JSON.parse(stdout) as { orgId: string; ownerId: string } : undefined };
}

const ownerAttributes = async (orgId: string, ownerId: string) =>
  (await ctx.db.selectFrom('members').select(['attributes', 'user_name']).where('org_id', '=', orgId).where('id', '=', ownerId).executeTakeFirstOrThrow());

describe('the primary owner has a name', () => {
  it('takes --owner-given-name and --owner-family-name', async () => {
    const { code, created } = await orgCreate('--owner-email', 'ada@example.test', '--owner-given-name', ' Ada ', '--owner-family-name', 'Lovelace');
    expect(code).toBe(0);
    const owner = await ownerAttributes(created!.orgId, created!.ownerId);
    expect(owner.attributes).toEqual({
      name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' }, displayName: 'Ada Lovelace',
      emails: [{ value: 'ada@example.test', type: 'work', primary: true }],
    });
  });

  it('derives both from the email when none is given, never leaving one empty', async () => {
    const { created } = await orgCreate('--owner-email', 'grace.brewster.hopper@navy.example');
    expect((await ownerAttributes(created!.orgId, created!.ownerId)).attributes).toMatchObject({ name: { givenName: 'Grace', familyName: 'Brewster Hopper' } });
    const fresh = await orgCreate();
    const owner = await ownerAttributes(fresh.created!.orgId, fresh.created!.ownerId);
    expect(owner.attributes).toMatchObject({ name: { givenName: 'Owner', familyName: expect.stringMatching(/^Owner Name /) } });
  });

  it.each([
    ['a.b@c.d', undefined, undefined, { givenName: 'A', familyName: 'B' }],
    ['owner@demo.invalid', undefined, undefined, { givenName: 'Owner', familyName: 'Demo' }],
    ['x@y', 'Given', undefined, { givenName: 'Given', familyName: 'Y' }],
    ['___@___', undefined, undefined, { givenName: 'Owner', familyName: 'Owner' }],
  ])('personName(%s, %s, %s)', (email, given, family, expected) => {
    expect(personName(email, given, family)).toEqual(expected);
  });

  it('refuses an empty name with a clear message', async () => {
    const res = await orgCreate('--owner-given-name', '  ');
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/given name must have 1 to 256 characters/);
  });
});
