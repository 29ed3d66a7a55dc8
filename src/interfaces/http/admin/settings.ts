// Settings: what the gate does when no seat is free, alerting, and Entra app-role seat rules.
import { Router } from 'express';
import { z } from 'zod';
import type { ServiceContext } from '../../../services/context.js';
import { getSettings, updateSettings } from '../../../services/seats/settings.js';
import { principalOf } from '../auth.js';
import { adminActor, handle, requireRole } from './middleware.js';
import { parseInput } from './validation.js';
import { sendTestWebhook } from '../../../services/alerts/webhook-test.js';
import { sendAdminError } from './errors.js';

const webhookUrl = z.url({ protocol: /^https?$/ }).max(2048);

// A partial settings document; roleSeatTypes replaces the whole map (seat types are checked
// against the plan by the use case).
const patchBody = z.object({
  onNoSeat: z.enum(['block', 'pending']).optional(),
  utilizationAlertThreshold: z.number().min(0).max(1).optional(),
  alertWebhookUrl: webhookUrl.nullable().optional(),
  roleSeatTypes: z.record(z.string().min(1).max(256), z.string().min(1).max(64)).optional(),
  roleSeatFallback: z.boolean().optional(),
  extraUsage: z.boolean().optional(),
}).strict().refine((body) => Object.keys(body).length > 0, { message: 'send at least one setting to change' });

const testBody = z.object({ url: webhookUrl.optional() }).strict();

export function settingsRoutes(ctx: ServiceContext): Router {
  const router = Router();
  router.get('/settings', requireRole('admin'), handle(async (_req, res) => {
    res.json(await getSettings(ctx, principalOf(res).orgId));
  }));
  router.patch('/settings', requireRole('admin'), handle(async (req, res) => {
    const patch = parseInput(patchBody, req.body, 'body');
    const principal = principalOf(res);
    const result = await updateSettings(ctx, principal.orgId, patch, adminActor(principal));
    res.json({ ...result.settings, servedPending: result.servedPending });
  }));
  // A test event to the saved webhook, or to `url` before saving it: 200 with what happened
  // (delivered, refused, failed), 429 over the bound (services/alerts/webhook-test.ts).
  router.post('/settings/alert-webhook/test', requireRole('admin'), handle(async (req, res) => {
    const body = parseInput(testBody, req.body ?? {}, 'body');
    const principal = principalOf(res);
    const result = await sendTestWebhook(ctx, principal.orgId, { url: body.url }, adminActor(principal));
    if (!result.tested) {
      res.setHeader('Retry-After', String(result.retryAfterSeconds));
      return sendAdminError(res, 429, 'rate_limited', result.message);
    }
    const { tested: _tested, ...answer } = result;
    res.json(answer);
  }));
  return router;
}
