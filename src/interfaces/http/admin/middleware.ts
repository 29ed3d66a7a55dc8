// Shared plumbing of the admin routes: async handlers, role checks, the acting admin.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { forbidden } from '../../../domain/errors.js';
import { roleAtLeast, type Role } from '../../../domain/organization.js';
import type { Principal } from '../../../services/credentials.js';
import type { Actor } from '../../../storage/audit.js';
import { principalOf } from '../auth.js';

type AsyncHandler = (req: Request, res: Response) => Promise<void>;

/** Runs an async handler, passing failures to the error handler. */
export const handle = (fn: AsyncHandler): RequestHandler =>
  (req: Request, res: Response, next: NextFunction) => { fn(req, res).catch(next); };

/** Refuses callers whose role is below `minimum`. */
export const requireRole = (minimum: Role): RequestHandler => (_req, res, next) => {
  const { role } = principalOf(res);
  if (!role || !roleAtLeast(role, minimum)) return next(forbidden(`this needs the ${minimum} role or higher`));
  next();
};

/** The audit actor of an admin token: the member it acts as, and the token. */
export function adminActor(principal: Principal): Actor {
  return { type: 'admin', memberId: principal.memberId ?? '', credentialId: principal.credentialId };
}
