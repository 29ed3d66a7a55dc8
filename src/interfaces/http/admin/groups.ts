// GET /groups: the IdP groups, to pick one for a group mapping.
import { Router } from 'express';
import { z } from 'zod';
import type { ServiceContext } from '../../../services/context.js';
import { listGroupsForMapping } from '../../../services/directory/groups.js';
import { principalOf } from '../auth.js';
import { handle, requireRole } from './middleware.js';
import { parseInput } from './validation.js';

const query = z.object({
  q: z.string().trim().max(200).optional().transform((value) => value || undefined),
  limit: z.coerce.number().int().min(1).max(200).default(50),
}).strict();

export function groupRoutes(ctx: ServiceContext): Router {
  const router = Router();
  router.get('/groups', requireRole('admin'), handle(async (req, res) => {
    res.json(await listGroupsForMapping(ctx, principalOf(res).orgId, parseInput(query, req.query, 'query')));
  }));
  return router;
}
