import { cli } from '../support/cli.js';

const unique = () => `CLI org ${Date.now()}-${Math.random().toString(36).slice(2, 7)}`;

describe('the CLI', () => {
  it('creates an organization and prints orgId, scimToken, adminToken and jitSecret as one JSON object', async () => {
    const name = unique();
    const res = await cli('org', 'create', '--name', name, '--plan', 'team', '--seats', 'premium=5,standard=10',
      '--term-start', '2026-01-01', '--price', 'premium=3000,standard=2000', '--billing', 'sales_assisted', '--json');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const created = JSON.parse(res.stdout);
    expect(created).toEqual({
      orgId: expect.any(String), ownerId: expect.any(String),
      scimToken: expect.stringMatching(/^sgscim_/), adminToken: expect.stringMatching(/^sgadm_/), jitSecret: expect.stringMatching(/^sgjit_/),
    });

    const shown = JSON.parse((await cli('org', 'show', created.orgId, '--json')).stdout);
    expect(shown).toMatchObject({ name, plan: 'team', billingMode: 'sales_assisted', termStart: '2026-01-01', termEnd: '2027-01-01' });
    expect(shown.seats).toEqual(expect.arrayContaining([{ seatType: 'standard', allocated: 10, assigned: 0, monthlyPriceMinor: 2000 }]));

    const listed = JSON.parse((await cli('org', 'list', '--json')).stdout);
    expect(listed.organizations.map((o: { id: string }) => o.id)).toContain(created.orgId);
    expect((await cli('org', 'list')).stdout).toContain(name);
  });

  it('creates, lists and revokes tokens', async () => {
    const created = JSON.parse((await cli('org', 'create', '--name', unique(), '--plan', 'team', '--seats', 'premium=1', '--json')).stdout);
    const issued = JSON.parse((await cli('token', 'create', '--org', created.orgId, '--kind', 'scim', '--label', 'Okta', '--json')).stdout);
    expect(issued).toMatchObject({ tokenId: expect.any(String), token: expect.stringMatching(/^sgscim_/), kind: 'scim' });
    const admin = JSON.parse((await cli('token', 'create', '--org', created.orgId, '--kind', 'admin', '--json')).stdout);
    expect(admin.token).toMatch(/^sgadm_/);

    let tokens = JSON.parse((await cli('token', 'list', '--org', created.orgId, '--json')).stdout).tokens;
    expect(tokens).toHaveLength(5);
    expect(JSON.stringify(tokens)).not.toContain(issued.token);
    expect(tokens.find((t: { id: string }) => t.id === issued.tokenId)).toMatchObject({ kind: 'scim', label: 'Okta', revokedAt: null });

    expect((await cli('token', 'revoke', '--org', created.orgId, issued.tokenId)).code).toBe(0);
    tokens = JSON.parse((await cli('token', 'list', '--org', created.orgId, '--json')).stdout).tokens;
    expect(tokens.find((t: { id: string }) => t.id === issued.tokenId).revokedAt).not.toBeNull();
    const again = await cli('token', 'revoke', '--org', created.orgId, issued.tokenId, '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).error.code).toBe('not_found');
  });

  it.each([
    [['org', 'create', '--name', 'x', '--plan', 'gold', '--seats', 'premium=1'], /unknown plan "gold"/],
    [['org', 'create', '--name', 'x', '--plan', 'team', '--seats', 'premium=lots'], /expected TYPE=NUMBER/],
    [['org', 'create', '--name', 'x', '--plan', 'team', '--seats', 'premium=1', '--billing', 'monthly'], /--billing must be one of/],
    [['org', 'show', 'not-an-id'], /no organization/],
    [['token', 'create', '--org', '00000000-0000-0000-0000-000000000000', '--kind', 'scim'], /no organization/],
  ])('fails clearly on %j', async (argv, message) => {
    const res = await cli(...argv);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(message);
  });

  it('reports a missing option through commander with a non-zero exit', async () => {
    const res = await cli('org', 'create', '--name', 'x');
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/required option/);
  });
});
