// Every bearer credential goes through passport + passport-http-bearer. Each interface gets its
// own strategy (a SCIM token never opens the admin API, and so on) and answers failures in its
// own format.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import passport from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { CredentialKind } from '../../domain/credentials.js';
import { authenticate, type Principal } from '../../services/credentials.js';
import type { ServiceContext } from '../../services/context.js';

/**
 * How an interface answers a request without a valid credential, in its own format: 401 unless
 * `problem` says otherwise (400 for a malformed request, RFC 6750 §3.1 "invalid_request").
 */
export type AuthFailure = (req: Request, res: Response, problem?: AuthProblem) => void;
export interface AuthProblem { status: 400; message: string }

/** The `WWW-Authenticate` value of a failure (RFC 6750 §3). */
export function bearerChallenge(realm: string, problem?: AuthProblem): string {
  // Header values are ASCII: the description is the message without anything else.
  const description = problem?.message.replace(/[^\x20-\x7e]|["\\]/g, '').replace(/\s+/g, ' ').trim();
  return problem ? `Bearer realm="${realm}", error="invalid_request", error_description="${description}"` : `Bearer realm="${realm}"`;
}

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

export function createAuthenticator(ctx: ServiceContext) {
  const instance = new passport.Passport();
  for (const kind of ['scim', 'admin', 'jit'] as const) {
    instance.use(kind, new BearerStrategy((token, done) => {
      authenticate(ctx, kind, token).then((principal) => done(null, principal ?? false), done);
    }));
  }

  /** Middleware: a valid `kind` bearer credential, or `onFailure` answers. */
  return function requireBearer(kind: CredentialKind, onFailure: AuthFailure): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const problem = tokenOutsideHeader(req);
      if (problem) return onFailure(req, res, problem);
      instance.authenticate(kind, { session: false }, (error: unknown, principal: Principal | false) => {
        if (error) return next(error);
        if (!principal) return onFailure(req, res);
        res.locals.principal = principal;
        res.locals.orgId = principal.orgId;
        next();
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
