// Bearer credentials of an organization: SCIM tokens, admin tokens (bound to a member, acting
// with that member's current role) and JIT hook secrets.
import { invalidInput, notFound } from '../../domain/errors.js';
import { hashToken, issueToken, kindOfToken, CREDENTIAL_KINDS, type CredentialKind } from '../../domain/credentials.js';
import { isUuid } from '../../domain/ids.js';
import { roleAtLeast, type Role } from '../../domain/organization.js';
import type { Db } from '../../storage/database.js';
import {
  findActiveCredential, insertCredential, listCredentials, revokeCredential, touchCredential,
} from '../../storage/credentials.js';
import { findMember } from '../../storage/members.js';
import { findOrganization } from '../../storage/organizations.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import type { ServiceContext } from '../context.js';

/** Who is calling, as established from a bearer credential. */
export interface Principal {
  orgId: string;
  credentialId: string;
  kind: CredentialKind;
  memberId: string | null;
  role: Role | null;
}

export interface CreateCredentialInput {
  orgId: string;
  kind: CredentialKind;
  memberId?: string;
  label?: string;
}

/** Inserts a credential inside the caller's transaction; the token is returned once. */
export async function createCredentialIn(db: Db, input: CreateCredentialInput): Promise<{ id: string; token: string }> {
  const issued = issueToken(input.kind);
  const id = await insertCredential(db, {
    orgId: input.orgId,
    kind: input.kind,
    memberId: input.memberId ?? null,
    label: input.label ?? '',
    displayPrefix: issued.displayPrefix,
    tokenHash: issued.hash,
  });
  return { id, token: issued.token };
}

export async function createCredential(
  ctx: ServiceContext, input: CreateCredentialInput, actor: Actor = { type: 'operator' },
): Promise<{ id: string; token: string }> {
  if (!CREDENTIAL_KINDS.includes(input.kind)) throw invalidInput(`token kind must be one of ${CREDENTIAL_KINDS.join(', ')}`);
  if ((input.label ?? '').length > 200) throw invalidInput('a token label has at most 200 characters');
  const org = isUuid(input.orgId) ? await findOrganization(ctx.db, input.orgId) : undefined;
  if (!org) throw notFound(`no organization ${input.orgId}`);
  let memberId = input.memberId;
  if (input.kind === 'admin') {
    memberId ??= await primaryOwnerId(ctx.db, input.orgId);
    const member = isUuid(memberId) ? await findMember(ctx.db, input.orgId, memberId) : undefined;
    if (!member) throw notFound(`no member ${memberId} in organization ${input.orgId}`);
    if (!roleAtLeast(member.role, 'admin')) throw invalidInput(`member ${memberId} is a ${member.role}; admin tokens need an admin or owner`);
  } else if (memberId !== undefined) {
    throw invalidInput(`${input.kind} tokens belong to the organization, not to a member`);
  }
  return ctx.db.transaction().execute(async (trx) => {
    const created = await createCredentialIn(trx, { ...input, memberId });
    await recordAudit(trx, input.orgId, {
      actor, action: 'credential.created', subjectType: 'credential', subjectId: created.id,
      after: { kind: input.kind, memberId: memberId ?? null, label: input.label ?? '' },
    });
    return created;
  });
}

export async function revokeCredentialById(
  ctx: ServiceContext, orgId: string, credentialId: string, actor: Actor = { type: 'operator' },
): Promise<void> {
  if (!isUuid(orgId) || !isUuid(credentialId)) throw notFound(`no active token ${credentialId}`);
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await revokeCredential(trx, orgId, credentialId))) throw notFound(`no active token ${credentialId} in organization ${orgId}`);
    await recordAudit(trx, orgId, { actor, action: 'credential.revoked', subjectType: 'credential', subjectId: credentialId });
  });
}

export async function listCredentialSummaries(ctx: ServiceContext, orgId: string) {
  if (!isUuid(orgId) || !(await findOrganization(ctx.db, orgId))) throw notFound(`no organization ${orgId}`);
  const rows = await listCredentials(ctx.db, orgId);
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    memberId: row.member_id,
    label: row.label,
    prefix: row.display_prefix,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  }));
}

// last_used_at is written at most once a minute per credential (touchCredential checks that in
// SQL too); remembering the last write here spares every other request an UPDATE. Only times are
// kept, never tokens; the map is bounded.
const lastTouch = new Map<string, number>();
const TOUCH_EVERY_MS = 60_000;

function dueForTouch(credentialId: string): boolean {
  const now = Date.now();
  if ((lastTouch.get(credentialId) ?? 0) > now - TOUCH_EVERY_MS) return false;
  if (lastTouch.size > 10_000) lastTouch.clear();
  lastTouch.set(credentialId, now);
  return true;
}

/**
 * The principal behind a bearer token of the expected kind, or undefined: the one gate of every
 * bearer credential (HTTP interfaces, console sessions). A credential bound to a member acts only
 * while that member is present and active, with the member's current role; such credentials are
 * never cached, so a deactivation, deletion or demotion takes effect on the next request in every
 * process (the cache is only invalidated by changes to credentials, not to members).
 */
export async function authenticate(ctx: ServiceContext, kind: CredentialKind, token: string): Promise<Principal | undefined> {
  if (typeof token !== 'string' || kindOfToken(token) !== kind) return undefined;
  const tokenHash = hashToken(token);
  const cache = kind === 'admin' ? undefined : ctx.credentialCache; // admin tokens act as a member, whose state may change
  const cached = cache?.get(tokenHash);
  if (cached) {
    touchWhenDue(ctx, cached);
    return cached;
  }
  const mark = cache?.mark();
  const row = await findActiveCredential(ctx.db, tokenHash);
  if (!row || row.kind !== kind) return undefined;
  // An admin token whose member is gone (or demoted to member) no longer authenticates.
  if (kind === 'admin' && (!row.role || !roleAtLeast(row.role, 'admin'))) return undefined;
  const principal: Principal = { orgId: row.org_id, credentialId: row.id, kind, memberId: row.member_id, role: row.role ?? null };
  if (cache && mark !== undefined && principal.memberId === null) cache.set(tokenHash, principal, mark);
  touchWhenDue(ctx, principal);
  return principal;
}

function touchWhenDue(ctx: ServiceContext, principal: Principal): void {
  if (dueForTouch(principal.credentialId)) touchCredential(ctx.db, principal.orgId, principal.credentialId).catch(() => {}); // best effort, off the request path
}

async function primaryOwnerId(db: Db, orgId: string): Promise<string> {
  const owner = await db.selectFrom('members').select('id')
    .where('org_id', '=', orgId).where('role', '=', 'primary_owner').executeTakeFirst();
  if (!owner) throw notFound(`organization ${orgId} has no primary owner`);
  return owner.id;
}
