import { Router } from 'express';
import type { Metrics } from '../../observability/metrics.js';
import type { ServiceContext } from '../../services/context.js';
import { databaseReachable } from '../../services/health.js';

export function healthRoutes(ctx: ServiceContext, metrics: Metrics): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (await databaseReachable(ctx, 2000)) res.json({ status: 'ready', database: 'reachable' });
    else res.status(503).json({ status: 'unavailable', database: 'unreachable' });
  });
  router.get('/metrics', async (_req, res, next) => {
    try {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    } catch (error) {
      next(error);
    }
  });
  return router;
}
