// POST /seat-changes (and /dry-run): several members' seat changes in one transaction, all or
// nothing (services/seats/batch.ts), and POST /organization/transfer-ownership.
import { Router } from 'express';
import { z } from 'zod';
import type { ServiceContext } from '../../../services/context.js';
import { applySeatChanges, MAX_BATCH, previewSeatChanges } from '../../../services/seats/batch.js';
import { transferOwnership } from '../../../services/access/roles.js';
import { principalOf } from '../auth.js';
import { sendAdminError } from './errors.js';
import { adminActor, handle, requireRole } from './middleware.js';
import { parseInput } from './validation.js';

const batchBody = z.object({
  changes: z.array(z.object({
    memberId: z.string().min(1).max(64),
    seatType: z.string().min(1).max(64),
  }).strict()).min(1).max(MAX_BATCH),
}).strict();

const transferBody = z.object({ memberId: z.string().min(1).max(64) }).strict();

export function seatChangeRoutes(ctx: ServiceContext): Router {
  const router = Router();
  router.post('/seat-changes', requireRole('admin'), handle(async (req, res) => {
    const body = parseInput(batchBody, req.body, 'body');
    const principal = principalOf(res);
    const result = await applySeatChanges(ctx, principal.orgId, body.changes, adminActor(principal));
    if (result.ok) {
      const { ok: _ok, ...rest } = result;
      return void res.json(rest);
    }
    if (result.cause === 'org_inactive') return sendAdminError(res, 403, 'org_inactive', result.message);
    res.status(409).json({ error: {
      code: 'no_seat_available', message: result.message, quote: result.quote, quotes: result.quotes, shortfall: result.shortfall,
    } });
  }));

  router.post('/seat-changes/dry-run', requireRole('admin'), handle(async (req, res) => {
    const body = parseInput(batchBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await previewSeatChanges(ctx, principal.orgId, body.changes, adminActor(principal)));
  }));

  router.post('/organization/transfer-ownership', requireRole('owner'), handle(async (req, res) => {
    const body = parseInput(transferBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await transferOwnership(ctx, principal.orgId, body.memberId, adminActor(principal)));
  }));
  return router;
}
