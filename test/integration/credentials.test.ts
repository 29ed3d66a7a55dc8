import { authenticate, createCredential, listCredentialSummaries, revokeCredentialById } from '../../src/services/access/credentials.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';

let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(); });
afterAll(() => ctx.close());

describe('credentials', () => {
  it('authenticates each token only for its own kind, within its own organization', async () => {
    const a = await newOrganization(ctx);
    const b = await newOrganization(ctx);
    expect(await authenticate(ctx, 'scim', a.scimToken)).toMatchObject({ orgId: a.orgId, kind: 'scim', memberId: null });
    expect(await authenticate(ctx, 'admin', a.adminToken)).toMatchObject({ orgId: a.orgId, kind: 'admin', memberId: a.ownerId, role: 'primary_owner' });
    expect(await authenticate(ctx, 'jit', b.jitSecret)).toMatchObject({ orgId: b.orgId, kind: 'jit' });
    expect(await authenticate(ctx, 'admin', a.scimToken)).toBeUndefined();
    expect(await authenticate(ctx, 'scim', a.jitSecret)).toBeUndefined();
    expect(await authenticate(ctx, 'scim', `${a.scimToken}x`)).toBeUndefined();
    expect(await authenticate(ctx, 'scim', '')).toBeUndefined();
  });

  it('revokes at once and records the last use', async () => {
    const org = await newOrganization(ctx);
    const extra = await createCredential(ctx, { orgId: org.orgId, kind: 'scim', label: 'okta' });
    expect(await authenticate(ctx, 'scim', extra.token)).toBeDefined();
    // last_used_at is written off the request path: wait for it (bounded).
    let listed = await listCredentialSummaries(ctx, org.orgId);
    for (let i = 0; i < 100 && !listed.find((t) => t.id === extra.id)?.lastUsedAt; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      listed = await listCredentialSummaries(ctx, org.orgId);
    }
    expect(listed.find((t) => t.id === extra.id)?.lastUsedAt).not.toBeNull();
    await revokeCredentialById(ctx, org.orgId, extra.id);
    expect(await authenticate(ctx, 'scim', extra.token)).toBeUndefined();
    expect(await authenticate(ctx, 'scim', org.scimToken)).toBeDefined();
    listed = await listCredentialSummaries(ctx, org.orgId);
    expect(listed.find((t) => t.id === extra.id)).toMatchObject({ label: 'okta', revokedAt: expect.any(String) });
    expect(JSON.stringify(listed)).not.toContain(extra.token);
    await expect(revokeCredentialById(ctx, org.orgId, extra.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('never lets one organization revoke or list another one\'s tokens', async () => {
    const a = await newOrganization(ctx);
    const b = await newOrganization(ctx);
    const bToken = await createCredential(ctx, { orgId: b.orgId, kind: 'scim' });
    await expect(revokeCredentialById(ctx, a.orgId, bToken.id)).rejects.toMatchObject({ code: 'not_found' });
    expect(await authenticate(ctx, 'scim', bToken.token)).toBeDefined();
    expect((await listCredentialSummaries(ctx, a.orgId)).map((t) => t.id)).not.toContain(bToken.id);
  });

  it('binds admin tokens to a member and follows that member\'s role', async () => {
    const org = await newOrganization(ctx);
    const member = await ctx.db.insertInto('members').values({
      org_id: org.orgId, user_name: 'helper@x.test', external_id: null, role: 'admin', seat_state: 'unassigned',
      seat_type: null, seat_reason: '{}', pending_since: null, source: 'admin', attributes: '{}',
    }).returning('id').executeTakeFirstOrThrow();
    const token = await createCredential(ctx, { orgId: org.orgId, kind: 'admin', memberId: member.id });
    expect(await authenticate(ctx, 'admin', token.token)).toMatchObject({ role: 'admin', memberId: member.id });
    await ctx.db.updateTable('members').set({ role: 'member' }).where('org_id', '=', org.orgId).where('id', '=', member.id).execute();
    expect(await authenticate(ctx, 'admin', token.token)).toBeUndefined();
    await expect(createCredential(ctx, { orgId: org.orgId, kind: 'admin', memberId: member.id }))
      .rejects.toThrow(/admin tokens need an admin or owner/);
  });

  it('refuses malformed requests clearly', async () => {
    const org = await newOrganization(ctx);
    await expect(createCredential(ctx, { orgId: org.orgId, kind: 'scim', memberId: org.ownerId })).rejects.toThrow(/belong to the organization/);
    await expect(createCredential(ctx, { orgId: org.orgId, kind: 'bogus' as never })).rejects.toThrow(/kind must be one of/);
    await expect(createCredential(ctx, { orgId: 'nope', kind: 'scim' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(createCredential(ctx, { orgId: org.orgId, kind: 'admin', memberId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
