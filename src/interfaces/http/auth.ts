// Every bearer credential goes through passport + passport-http-bearer. Each interface gets its
// own strategy (a SCIM token never opens the admin API, and so on) and answers failures in its
// own format.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import passport from 'passport';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { CredentialKind } from '../../domain/credentials.js';
import { authenticate, type Principal } from '../../services/credentials.js';
import type { ServiceContext } from '../../services/context.js';

export type AuthFailure = (req: Request, res: Response) => void;

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
