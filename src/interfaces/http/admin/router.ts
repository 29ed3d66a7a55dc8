// /admin/v1: the organization's administration API (admin bearer tokens, roles of SPEC §1).
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { forbidden } from '../../../domain/errors.js';
import { roleAtLeast, type Role } from '../../../domain/organization.js';
import type { ServiceContext } from '../../../services/context.js';
import { getOrganization } from '../../../services/organizations.js';
import type { Logger } from '../../../observability/logger.js';
import { principalOf, type RequireBearer } from '../auth.js';
import { adminErrorHandler, adminUnauthorized, sendAdminError } from './errors.js';

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

export function adminRouter(ctx: ServiceContext, requireBearer: RequireBearer, logger: Logger): Router {
  const router = Router();
  router.use(requireBearer('admin', adminUnauthorized));
  router.use(express.json({ limit: '1mb' }));

  router.get('/organization', requireRole('admin'), handle(async (_req, res) => {
    res.json(await getOrganization(ctx, principalOf(res).orgId));
  }));

  router.use((_req, res) => sendAdminError(res, 404, 'not_found', 'no such admin endpoint'));
  router.use(adminErrorHandler(logger));
  return router;
}
