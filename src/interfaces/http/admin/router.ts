// /admin/v1: the organization's administration API (admin bearer tokens, roles of SPEC §1).
// Each resource has its own routes file; this one assembles them.
import { Router } from 'express';
import type { ServiceContext } from '../../../services/context.js';
import { getOrganization } from '../../../services/organizations.js';
import type { Logger } from '../../../observability/logger.js';
import { principalOf, type RequireBearer } from '../auth.js';
import { jsonInput } from '../input.js';
import { adminErrorHandler, adminUnauthorized, sendAdminError } from './errors.js';
import { handle, requireRole } from './middleware.js';
import { seatRoutes } from './seats.js';
import { memberRoutes } from './members.js';
import { seatChangeRoutes } from './seat-changes.js';
import { mappingRoutes } from './mappings.js';
import { settingsRoutes } from './settings.js';
import { auditRoutes } from './audit.js';
import { openApiRoutes } from './openapi.js';
import { billingRoutes } from './billing.js';
import { credentialRoutes } from './credentials.js';
import { groupRoutes } from './groups.js';

export { handle, requireRole } from './middleware.js';

export function adminRouter(ctx: ServiceContext, requireBearer: RequireBearer, logger: Logger): Router {
  const router = Router();
  // A console session (src/interfaces/console/session-http.ts) may have set the principal already.
  router.use(requireBearer('admin', adminUnauthorized));
  router.use(jsonInput({ limit: '1mb' }));

  router.get('/organization', requireRole('admin'), handle(async (_req, res) => {
    res.json(await getOrganization(ctx, principalOf(res).orgId));
  }));
  router.use(seatRoutes(ctx));
  router.use(memberRoutes(ctx));
  router.use(seatChangeRoutes(ctx));
  router.use(mappingRoutes(ctx));
  router.use(settingsRoutes(ctx));
  router.use(auditRoutes(ctx));
  router.use(openApiRoutes());
  router.use(billingRoutes(ctx));
  router.use(credentialRoutes(ctx));
  router.use(groupRoutes(ctx));

  router.use((_req, res) => sendAdminError(res, 404, 'not_found', 'no such admin endpoint'));
  router.use(adminErrorHandler(logger));
  return router;
}
