// Shared plumbing of the admin routes: async handlers, role checks, the acting admin.
import type { RequestHandler } from 'express';
import { forbidden } from '../../../domain/errors.js';
import { roleAtLeast, type Role } from '../../../domain/organization.js';
import type { Principal } from '../../../services/access/credentials.js';
import type { Actor } from '../../../storage/audit.js';
import { principalOf } from '../auth.js';

export { handle } from '../handle.js';

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
