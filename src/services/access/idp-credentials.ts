// The organization's identity-provider credentials, as admins manage them (issue 12): SCIM tokens
// and JIT hook secrets — list, create, rotate (a new secret, the old one revoked in the same
// transaction), revoke. Admin tokens are not managed here (they belong to a member).
import { notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import { revokeCredential } from '../../storage/credentials.js';
import { inTransaction } from '../../storage/transactions.js';
import type { ServiceContext } from '../context.js';
import { createCredential, createCredentialIn, listCredentialSummaries, revokeCredentialById } from './credentials.js';

export const IDP_CREDENTIAL_KINDS = ['scim', 'jit'] as const;
export type IdpCredentialKind = (typeof IDP_CREDENTIAL_KINDS)[number];

export async function listIdpCredentials(ctx: ServiceContext, orgId: string) {
  const all = (await listCredentialSummaries(ctx, orgId)).filter((c) => c.kind === 'scim' || c.kind === 'jit');
  const lastUse = (kind: IdpCredentialKind) => all.filter((c) => c.kind === kind && c.lastUsedAt)
    .map((c) => c.lastUsedAt as string).sort().at(-1) ?? null;
  return {
    credentials: all.map(({ memberId: _memberId, ...rest }) => rest),
    // Recorded at most once a minute per credential.
    lastRequest: { scim: lastUse('scim'), jit: lastUse('jit') },
  };
}

async function findIdpCredential(ctx: ServiceContext, orgId: string, id: string) {
  const found = isUuid(id) ? (await listCredentialSummaries(ctx, orgId)).find((c) => c.id === id && (c.kind === 'scim' || c.kind === 'jit')) : undefined;
  if (!found) throw notFound(`no SCIM token or JIT secret ${id}`);
  return found;
}

export async function createIdpCredential(ctx: ServiceContext, orgId: string, kind: IdpCredentialKind, label: string, actor: Actor) {
  const created = await createCredential(ctx, { orgId, kind, label }, actor);
  return { ...(await findIdpCredential(ctx, orgId, created.id)), token: created.token };
}

/** A new secret with the same kind and label; the old one stops working when this commits. */
export async function rotateIdpCredential(ctx: ServiceContext, orgId: string, id: string, actor: Actor) {
  const old = await findIdpCredential(ctx, orgId, id);
  if (old.revokedAt) throw notFound(`${id} is already revoked: create a new one instead`);
  const created = await inTransaction(ctx.db, async (trx) => {
    if (!(await revokeCredential(trx, orgId, id))) throw notFound(`no active token ${id}`);
    const made = await createCredentialIn(trx, { orgId, kind: old.kind as IdpCredentialKind, label: old.label });
    await recordAudit(trx, orgId, {
      actor, action: 'credential.rotated', subjectType: 'credential', subjectId: made.id,
      before: { id, kind: old.kind, label: old.label }, after: { id: made.id, kind: old.kind, label: old.label },
    });
    return made;
  });
  return { ...(await findIdpCredential(ctx, orgId, created.id)), token: created.token, replaced: id };
}

export async function revokeIdpCredential(ctx: ServiceContext, orgId: string, id: string, actor: Actor) {
  const found = await findIdpCredential(ctx, orgId, id);
  if (found.revokedAt) throw notFound(`${id} is already revoked`);
  await revokeCredentialById(ctx, orgId, id, actor);
}
