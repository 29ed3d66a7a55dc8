// Console sessions: an admin token exchanged for a browser session (issue 12, decision 0007).
//
// - The browser keeps a random 256-bit secret in an httpOnly cookie. The database keeps its
//   SHA-256 hash and the admin token sealed (AES-256-GCM) under a key derived from the secret:
//   whoever reads the table still cannot act as the admin.
// - Every request through a session unseals the token and runs the very same authenticate() as
//   a bearer request, so revoking the token, or deactivating, removing or demoting its member,
//   ends the session at its next request, and the role is always the current one.
// - Idle expiry (30 minutes without a request) and absolute expiry (12 hours), on the service
//   clock; signing out ends the session for good.
// - The CSRF token of a session is an HMAC of its secret: the page gets it from the session
//   endpoint (it cannot read the cookie) and sends it as a header on every write.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { kindOfToken } from '../../domain/credentials.js';
import { DomainError } from '../../domain/errors.js';
import { recordAudit } from '../../storage/audit.js';
import {
  claimConsoleSession, endConsoleSession, findConsoleSession, insertConsoleSession, touchConsoleSession,
} from '../../storage/console-sessions.js';
import type { ServiceContext } from '../context.js';
import { authenticate, type Principal } from '../access/credentials.js';

export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;
// last_seen_at is written at most this often per session (idle expiry is coarse anyway).
const TOUCH_EVERY_MS = 30 * 1000;

const hashSecret = (secret: string) => createHash('sha256').update(`session\0${secret}`, 'utf8').digest('hex');
const sealKey = (secret: string) => createHash('sha256').update(`seal\0${secret}`, 'utf8').digest();

function seal(secret: string, token: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(secret), iv);
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
}

function unseal(secret: string, sealed: string): string | undefined {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !body) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey(secret), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** The CSRF token of the session whose secret this is. */
export function csrfTokenOf(secret: string): string {
  return createHmac('sha256', secret).update('csrf').digest('base64url');
}

export function csrfTokenMatches(secret: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenOf(secret));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface OpenedSession {
  secret: string;
  csrfToken: string;
  principal: Principal;
  expiresAt: Date;
}

const signInRefused = (message: string, reason: string) => new DomainError('forbidden', message, { reason });

/** Signs in with an admin token; refuses any other token with a message that says what to use. */
export async function openConsoleSession(ctx: ServiceContext, token: string): Promise<OpenedSession> {
  const trimmed = token.trim();
  const kind = kindOfToken(trimmed);
  if (kind === 'scim' || kind === 'jit') {
    throw signInRefused(`this is a ${kind === 'scim' ? 'SCIM token (for the identity provider)' : 'JIT hook secret'}: sign in with an admin token (sgadm_…)`, 'wrong_token_kind');
  }
  const principal = kind === 'admin' ? await authenticate(ctx, 'admin', trimmed) : undefined;
  if (!principal) {
    throw signInRefused('this admin token is not valid: it may be mistyped or revoked, or its member is no longer an admin or owner '
      + '(members have no access to the console)', 'invalid_token');
  }
  const secret = randomBytes(32).toString('base64url');
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
  await ctx.db.transaction().execute(async (trx) => {
    const id = await insertConsoleSession(trx, {
      orgId: principal.orgId, secretHash: hashSecret(secret), credentialId: principal.credentialId,
      sealedToken: seal(secret, trimmed), now, expiresAt,
    });
    await recordAudit(trx, principal.orgId, {
      actor: { type: 'admin', memberId: principal.memberId ?? '', credentialId: principal.credentialId },
      action: 'console.signed_in', subjectType: 'console_session', subjectId: id,
    });
  });
  return { secret, csrfToken: csrfTokenOf(secret), principal, expiresAt };
}

/** How long a sign-in link printed at the first start works (once). */
export const SIGN_IN_LINK_MS = 15 * 60 * 1000;
// A link's secret is hashed under its own label, so that it never works as a session cookie and
// a session's secret never works as a link.
const hashLinkSecret = (secret: string) => createHash('sha256').update(`sign-in-link\0${secret}`, 'utf8').digest('hex');

/**
 * A one-time sign-in link for the first admin (decision 0014): the admin token, sealed under a
 * key derived from a new random secret, waits in console_sessions (already ended for the session
 * lookup's purposes: its hash is a link hash). Redeeming it opens an ordinary session; it works
 * once, within SIGN_IN_LINK_MS.
 */
export async function createSignInLink(ctx: ServiceContext, adminToken: string): Promise<{ secret: string; expiresAt: Date }> {
  const principal = await authenticate(ctx, 'admin', adminToken.trim());
  if (!principal) throw new DomainError('forbidden', 'a sign-in link needs a valid admin token');
  const secret = randomBytes(32).toString('base64url');
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + SIGN_IN_LINK_MS);
  await insertConsoleSession(ctx.db, {
    orgId: principal.orgId, secretHash: hashLinkSecret(secret), credentialId: principal.credentialId,
    sealedToken: seal(secret, adminToken.trim()), now, expiresAt,
  });
  return { secret, expiresAt };
}

/** Redeems a sign-in link: a session, or a refusal when the link is unknown, used or expired. */
export async function redeemSignInLink(ctx: ServiceContext, secret: string): Promise<OpenedSession> {
  // Used up in one statement: of two redemptions at once, one gets the row.
  const row = await claimConsoleSession(ctx.db, hashLinkSecret(secret), ctx.now());
  const token = row ? unseal(secret, row.sealed_token) : undefined;
  if (!token) {
    throw signInRefused('this sign-in link was already used or has expired (a link works once, for 15 minutes): '
      + 'sign in with the admin token that the first start printed', 'link_used_or_expired');
  }
  return openConsoleSession(ctx, token);
}

export type ResumedSession =
  | { ok: true; principal: Principal; sessionId: string; expiresAt: Date; idleExpiresAt: Date }
  | { ok: false; reason: 'unknown' | 'signed_out' | 'idle' | 'expired' | 'credential' };

/** The principal of a session, re-authenticated now; a session that fails any check is ended. */
export async function resumeConsoleSession(ctx: ServiceContext, secret: string): Promise<ResumedSession> {
  const row = await findConsoleSession(ctx.db, hashSecret(secret));
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.ended_at) return { ok: false, reason: 'signed_out' };
  const now = ctx.now();
  const end = async (reason: 'idle' | 'expired' | 'credential'): Promise<ResumedSession> => {
    await endConsoleSession(ctx.db, row.org_id, row.id, now);
    return { ok: false, reason };
  };
  if (now.getTime() >= row.expires_at.getTime()) return end('expired');
  if (now.getTime() - row.last_seen_at.getTime() >= SESSION_IDLE_MS) return end('idle');
  const token = unseal(secret, row.sealed_token);
  const principal = token === undefined ? undefined : await authenticate(ctx, 'admin', token);
  if (!principal || principal.orgId !== row.org_id) return end('credential');
  let lastSeen = row.last_seen_at;
  if (now.getTime() - lastSeen.getTime() >= TOUCH_EVERY_MS) {
    await touchConsoleSession(ctx.db, row.org_id, row.id, now);
    lastSeen = now;
  }
  return { ok: true, principal, sessionId: row.id, expiresAt: row.expires_at, idleExpiresAt: new Date(lastSeen.getTime() + SESSION_IDLE_MS) };
}

/** Signs out: the session can never be used again. */
export async function closeConsoleSession(ctx: ServiceContext, secret: string): Promise<void> {
  const row = await findConsoleSession(ctx.db, hashSecret(secret));
  if (row) await endConsoleSession(ctx.db, row.org_id, row.id, ctx.now());
}
