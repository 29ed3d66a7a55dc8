// Every bearer credential goes through passport + passport-http-bearer. Each interface gets its
// own strategy (a SCIM token never opens the admin API, and so on) and answers failures in its
// own format. Here, in one place for every interface: tokens only from the Authorization header,
// and a rate limit per authenticated credential.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import passport from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { CredentialKind } from '../../domain/credentials.js';
import { authenticate, type Principal } from '../../services/access/credentials.js';
import type { ServiceContext } from '../../services/context.js';

/**
 * How an interface answers a request that gets no further, in its own format: 401 (no valid
 * credential) unless `problem` says otherwise — 400 for a token outside the header (RFC 6750
 * §3.1 "invalid_request"), 429 when the credential is over its rate limit. `authFailureHeaders`
 * sets the headers that go with each.
 */
export type AuthFailure = (req: Request, res: Response, problem?: AuthProblem) => void;
export type AuthProblem = { status: 400; message: string } | { status: 429; message: string; retryAfterSeconds: number };

/** `WWW-Authenticate` (RFC 6750 §3) for 400 and 401, `Retry-After` for 429. */
export function authFailureHeaders(res: Response, realm: string, problem?: AuthProblem): void {
  if (problem?.status === 429) {
    res.setHeader('Retry-After', String(problem.retryAfterSeconds));
    return;
  }
  // Header values are ASCII: the description is the message without anything else.
  const description = problem?.message.replace(/[^\x20-\x7e]|["\\]/g, '').replace(/\s+/g, ' ').trim();
  res.setHeader('WWW-Authenticate', problem ? `Bearer realm="${realm}", error="invalid_request", error_description="${description}"` : `Bearer realm="${realm}"`);
}

/** Requests per minute allowed to one credential, per kind. */
export type RateLimits = Record<CredentialKind, number>;

const TOKEN_PARAMETER = 'access_token';
const namesToken = (object: unknown) =>
  typeof object === 'object' && object !== null && Object.keys(object).some((key) => key.toLowerCase() === TOKEN_PARAMETER);

/**
 * Bearer credentials are accepted in the Authorization header only. passport-http-bearer would
 * also take `?access_token=` and a body `access_token` (RFC 6750 §2.2, §2.3), which puts tokens in
 * proxy and access logs and browser histories (and a repeated parameter reached it as an array);
 * such requests are refused before it sees them, even with a valid header.
 */
function tokenOutsideHeader(req: Request): AuthProblem | undefined {
  if (namesToken(req.query)) return { status: 400, message: 'send the token in the Authorization header (Authorization: Bearer …), never in the URL' };
  if (namesToken(req.body)) return { status: 400, message: 'send the token in the Authorization header (Authorization: Bearer …), never in the body' };
  return undefined;
}

/**
 * A fixed one-minute window per credential, in this process's memory (express-rate-limit's
 * store): with N server processes a credential may make up to N × limit requests a minute
 * (docs/security.md says so; a shared counter would cost a database write per request).
 */
function perCredentialLimit(limit: number) {
  const limiter = rateLimit({
    windowMs: 60_000,
    limit,
    keyGenerator: (_req, res) => principalOf(res).credentialId,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, res) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
      (res.locals.onRateLimited as (problem: AuthProblem) => void)({
        status: 429, message: `Too many requests for this token: retry after ${seconds} seconds.`, retryAfterSeconds: seconds,
      });
    },
  });
  return (req: Request, res: Response, onLimited: (problem: AuthProblem) => void, next: NextFunction) => {
    res.locals.onRateLimited = onLimited;
    Promise.resolve(limiter(req, res, next)).catch(next);
  };
}

/** `limits` omitted: no rate limit (tests of routes that do not care). */
export function createAuthenticator(ctx: ServiceContext, limits?: RateLimits) {
  const instance = new passport.Passport();
  for (const kind of ['scim', 'admin', 'jit'] as const) {
    instance.use(kind, new BearerStrategy((token, done) => {
      authenticate(ctx, kind, token).then((principal) => done(null, principal ?? false), done);
    }));
  }
  const unlimited = (_req: Request, _res: Response, _onLimited: unknown, next: NextFunction) => next();
  const limiters = limits
    ? { scim: perCredentialLimit(limits.scim), admin: perCredentialLimit(limits.admin), jit: perCredentialLimit(limits.jit) }
    : { scim: unlimited, admin: unlimited, jit: unlimited };

  /**
   * Middleware: a valid `kind` bearer credential, or `onFailure` answers. A principal already set
   * (a console session, which re-authenticated its admin token) skips the bearer but not the
   * credential's rate limit.
   */
  return function requireBearer(kind: CredentialKind, onFailure: AuthFailure): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const problem = tokenOutsideHeader(req);
      if (problem) return onFailure(req, res, problem);
      if (res.locals.principal) return limiters[kind](req, res, (limited) => onFailure(req, res, limited), next);
      instance.authenticate(kind, { session: false }, (error: unknown, principal: Principal | false) => {
        if (error) return next(error);
        if (!principal) return onFailure(req, res);
        res.locals.principal = principal;
        res.locals.orgId = principal.orgId;
        limiters[kind](req, res, (limited) => onFailure(req, res, limited), next);
      })(req, res, next);
    };
  };
}

export type RequireBearer = ReturnType<typeof createAuthenticator>;

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('route reached without authentication');
  return principal;
}
