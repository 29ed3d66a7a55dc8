// /admin/v1 billing routes (SPEC §5): seat purchases (and their preview), scheduled reductions,
// invoices and the subscription — owners and the primary owner only; seat monitoring for admins.
// Thin adapters: validation of the HTTP shape here, every rule in the services.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { invalidInput } from '../../../domain/errors.js';
import type { Actor } from '../../../storage/audit.js';
import type { ServiceContext } from '../../../services/context.js';
import { getInvoice, listInvoiceViews } from '../../../services/billing/billing.js';
import { cancelReduction, listReductionViews, scheduleReduction } from '../../../services/billing/reductions.js';
import { seatUtilization } from '../../../services/seats/monitoring.js';
import { purchaseSeats } from '../../../services/billing/purchases.js';
import { cancelSubscription, getSubscription, resumeSubscription, setAutoRenew } from '../../../services/billing/subscription.js';
import { principalOf } from '../auth.js';
import { adminActor, handle, requireRole } from './middleware.js';
import { parseInput } from './validation.js';

const seatChangeBody = z.object({
  seatType: z.string().min(1).max(100),
  quantity: z.number().int().min(1),
}).strict();

function parseSeatChange(body: unknown) {
  const parsed = seatChangeBody.safeParse(body ?? {});
  if (!parsed.success) {
    throw invalidInput(`expected {"seatType": "<type>", "quantity": <whole number ≥ 1>}: ${parsed.error.issues
      .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}

const subscriptionPatch = z.object({ autoRenew: z.boolean() }).strict();

const flag = (value: unknown) => value === 'true' || value === '1' || value === '';

const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

const actorOf = (res: Parameters<typeof principalOf>[0]): Actor => adminActor(principalOf(res));

function param(req: Request, name: string): string {
  const value = req.params[name];
  return typeof value === 'string' ? value : '';
}

export function billingRoutes(ctx: ServiceContext): Router {
  const router = Router();
  const owner = requireRole('owner');

  router.post('/seats/purchases', owner, handle(async (req, res) => {
    const body = parseSeatChange(req.body);
    const orgId = principalOf(res).orgId;
    if (flag(req.query.preview)) {
      res.json(await purchaseSeats(ctx, orgId, body, actorOf(res), { preview: true }));
      return;
    }
    const key = req.get('Idempotency-Key');
    if (key === undefined || key.trim() === '') {
      throw invalidInput('an Idempotency-Key header is required to buy seats (retry with the same key to never buy twice); ' +
        'add ?preview=true to see the charge without buying', { reason: 'idempotency_key_required' });
    }
    const result = await purchaseSeats(ctx, orgId, body, actorOf(res), { idempotencyKey: key.trim() });
    if (!result.preview && result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(!result.preview && result.replayed ? 200 : 201).json(result);
  }));

  router.get('/seats/reductions', owner, handle(async (req, res) => {
    res.json({ reductions: await listReductionViews(ctx, principalOf(res).orgId, flag(req.query.all)) });
  }));
  router.post('/seats/reductions', owner, handle(async (req, res) => {
    res.status(201).json(await scheduleReduction(ctx, principalOf(res).orgId, parseSeatChange(req.body), actorOf(res)));
  }));
  router.delete('/seats/reductions/:id', owner, handle(async (req, res) => {
    res.json(await cancelReduction(ctx, principalOf(res).orgId, param(req, 'id'), actorOf(res)));
  }));

  router.get('/seats/utilization', requireRole('admin'), handle(async (_req, res) => {
    res.json(await seatUtilization(ctx, principalOf(res).orgId));
  }));

  router.get('/invoices', owner, handle(async (req, res) => {
    const page = pageQuery.safeParse(req.query);
    if (!page.success) throw invalidInput('limit must be 1 to 200 and offset ≥ 0');
    res.json(await listInvoiceViews(ctx, principalOf(res).orgId, page.data));
  }));
  router.get('/invoices/:id', owner, handle(async (req, res) => {
    res.json(await getInvoice(ctx, principalOf(res).orgId, param(req, 'id')));
  }));

  router.get('/subscription', owner, handle(async (_req, res) => {
    res.json(await getSubscription(ctx, principalOf(res).orgId));
  }));
  router.patch('/subscription', owner, handle(async (req, res) => {
    const body = parseInput(subscriptionPatch, req.body, 'body');
    res.json(await setAutoRenew(ctx, principalOf(res).orgId, body.autoRenew, actorOf(res)));
  }));
  router.post('/subscription/cancel', owner, handle(async (_req, res) => {
    res.json(await cancelSubscription(ctx, principalOf(res).orgId, actorOf(res)));
  }));
  router.post('/subscription/resume', owner, handle(async (_req, res) => {
    res.json(await resumeSubscription(ctx, principalOf(res).orgId, actorOf(res)));
  }));
  return router;
}
