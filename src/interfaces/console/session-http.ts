// The console session over HTTP: the cookie, the session endpoints (/console/api/session) and
// the middleware that lets /admin/v1 accept a session instead of a bearer token.
//
// Rules (decision 0007):
// - A request with an Authorization header is a bearer request: the cookie is ignored.
// - Otherwise a session cookie authenticates it, re-verified through authenticate() each time.
// - Every write (any method but GET/HEAD/OPTIONS) through a session needs the session's CSRF
//   token in X-CSRF-Token; the cookie is also SameSite=Strict.
// - The cookie is httpOnly, SameSite=Strict, Path=/, and Secure (with the __Host- prefix) when
//   the request came over TLS (req.secure, which honours X-Forwarded-Proto with trustProxy).
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { ServiceContext } from '../../services/context.js';
import { getMember } from '../../services/seats/admin-members.js';
import { getOrganization } from '../../services/organizations.js';
import {
  closeConsoleSession, csrfTokenMatches, csrfTokenOf, openConsoleSession, redeemSignInLink, resumeConsoleSession,
  SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, type ResumedSession,
} from '../../services/console/sessions.js';
import { handle } from '../http/handle.js';
import { scimBaseUrl } from '../http/scim/respond.js';
import { sendAdminError } from '../http/admin/errors.js';
import { parseInput } from '../http/admin/validation.js';

const PLAIN_COOKIE = 'seatgate_console';
const SECURE_COOKIE = '__Host-seatgate_console';
export const CSRF_HEADER = 'X-CSRF-Token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session secret the request carries, if any (the Secure cookie wins). */
export function sessionSecretOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const cookies = new Map<string, string>();
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const value = cookies.get(SECURE_COOKIE) ?? cookies.get(PLAIN_COOKIE);
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
}

function setSessionCookie(req: Request, res: Response, secret: string, maxAgeMs: number): void {
  const secure = req.secure;
  const attributes = [`Path=/`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(maxAgeMs / 1000)}`, ...(secure ? ['Secure'] : [])];
  res.append('Set-Cookie', `${secure ? SECURE_COOKIE : PLAIN_COOKIE}=${secret}; ${attributes.join('; ')}`);
}

function clearSessionCookie(req: Request, res: Response): void {
  res.append('Set-Cookie', `${PLAIN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
  if (req.secure) res.append('Set-Cookie', `${SECURE_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure`);
}

const ENDED: Record<Exclude<ResumedSession, { ok: true }>['reason'], string> = {
  unknown: 'no such session: sign in again',
  signed_out: 'you signed out: sign in again',
  idle: 'your session expired after 30 minutes without activity: sign in again',
  expired: 'your session reached its 12-hour limit: sign in again',
  credential: 'your session ended: its admin token was revoked, or your member is no longer an admin or owner',
};

function sessionEnded(req: Request, res: Response, reason: keyof typeof ENDED): void {
  clearSessionCookie(req, res);
  sendAdminError(res, 401, 'session_ended', ENDED[reason], { reason });
}

/**
 * For /admin/v1, in front of the bearer check: a session request gets its principal here (the
 * admin router then skips the bearer check); a bearer request, or one without a session, passes.
 */
export function consoleSessionAuth(ctx: ServiceContext): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.headers.authorization !== undefined) return next();
    const secret = sessionSecretOf(req);
    if (!secret) return next();
    resumeConsoleSession(ctx, secret).then((session) => {
      if (!session.ok) return sessionEnded(req, res, session.reason);
      if (!SAFE_METHODS.has(req.method) && !csrfTokenMatches(secret, req.get(CSRF_HEADER))) {
        return sendAdminError(res, 403, 'csrf_failed', `writes through a console session need the session's ${CSRF_HEADER} header`);
      }
      res.locals.principal = session.principal;
      res.locals.orgId = session.principal.orgId;
      res.locals.consoleSession = session.sessionId;
      next();
    }, next);
  };
}

// An admin token, or the secret of the one-time sign-in link the first start printed.
const signInBody = z.union([
  z.object({ token: z.string().min(1).max(512) }).strict(),
  z.object({ link: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'link must be the part after #sign-in= of a sign-in link') }).strict(),
]);

/** /console/api/session: sign in (POST), who am I (GET), sign out (DELETE). */
export function sessionRoutes(ctx: ServiceContext, publicUrl: string | null): Router {
  const router = Router();
  router.use(express.json({ limit: '16kb' }));

  router.post('/session', handle(async (req, res) => {
    const body = parseInput(signInBody, req.body, 'body');
    const opened = 'link' in body ? await redeemSignInLink(ctx, body.link) : await openConsoleSession(ctx, body.token);
    // A session this browser already had ends: one browser, one session.
    const previous = sessionSecretOf(req);
    if (previous) await closeConsoleSession(ctx, previous);
    setSessionCookie(req, res, opened.secret, SESSION_ABSOLUTE_MS);
    res.status(201).json({ csrfToken: opened.csrfToken, ...(await whoAmI(ctx, opened.principal)), expiresAt: opened.expiresAt.toISOString() });
  }));

  router.get('/session', handle(async (req, res) => {
    const secret = sessionSecretOf(req);
    if (!secret) return sendAdminError(res, 401, 'unauthorized', 'not signed in');
    const session = await resumeConsoleSession(ctx, secret);
    if (!session.ok) return sessionEnded(req, res, session.reason);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      csrfToken: csrfTokenOf(secret), ...(await whoAmI(ctx, session.principal)),
      expiresAt: session.expiresAt.toISOString(), idleTimeoutSeconds: SESSION_IDLE_MS / 1000,
      // What the identity provider is given (publicUrl behind a proxy).
      scimBaseUrl: scimBaseUrl(req, publicUrl), jitLoginUrl: scimBaseUrl(req, publicUrl).replace(/\/scim\/v2$/, '/jit/v1/login'),
    });
  }));

  // Signing out needs the CSRF token too (a forged sign-out is a nuisance, not a leak, but cheap to stop).
  router.delete('/session', handle(async (req, res) => {
    const secret = sessionSecretOf(req);
    if (secret) {
      if (!csrfTokenMatches(secret, req.get(CSRF_HEADER))) {
        return sendAdminError(res, 403, 'csrf_failed', `signing out needs the session's ${CSRF_HEADER} header`);
      }
      await closeConsoleSession(ctx, secret);
    }
    clearSessionCookie(req, res);
    res.status(204).end();
  }));
  return router;
}

async function whoAmI(ctx: ServiceContext, principal: { orgId: string; memberId: string | null; role: string | null }) {
  const [org, member] = await Promise.all([
    getOrganization(ctx, principal.orgId),
    principal.memberId ? getMember(ctx, principal.orgId, principal.memberId) : Promise.resolve(null),
  ]);
  return {
    orgId: org.id, orgName: org.name, plan: org.plan, billingMode: org.billingMode,
    memberId: principal.memberId, userName: member?.userName ?? null, role: principal.role,
    // The service clock's date (days to renewal are counted from it).
    today: ctx.now().toISOString().slice(0, 10),
  };
}
