// GET /seats: allocation, assigned, pending, free and blocked attempts per seat type.
import { Router } from 'express';
import type { ServiceContext } from '../../../services/context.js';
import { seatOverview } from '../../../services/seats/admin-seats.js';
import { principalOf } from '../auth.js';
import { handle, requireRole } from './middleware.js';

export function seatRoutes(ctx: ServiceContext): Router {
  const router = Router();
  router.get('/seats', requireRole('admin'), handle(async (_req, res) => {
    res.json(await seatOverview(ctx, principalOf(res).orgId));
  }));
  return router;
}
