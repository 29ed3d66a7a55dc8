// The audit trail, newest first.
import { Router } from 'express';
import { z } from 'zod';
import type { ServiceContext } from '../../../services/context.js';
import { listAudit } from '../../../services/audit.js';
import { principalOf } from '../auth.js';
import { handle, requireRole } from './middleware.js';
import { parseInput } from './validation.js';

const auditQuery = z.object({
  action: z.string().min(1).max(100).optional(),
  memberId: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(64).optional(),
}).strict();

export function auditRoutes(ctx: ServiceContext): Router {
  const router = Router();
  router.get('/audit', requireRole('admin'), handle(async (req, res) => {
    const query = parseInput(auditQuery, req.query, 'query');
    res.json(await listAudit(ctx, principalOf(res).orgId, {
      actionPrefix: query.action, memberId: query.memberId, limit: query.limit, cursor: query.cursor,
    }));
  }));
  return router;
}
