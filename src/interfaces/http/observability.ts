// Per-request id, structured access log and Prometheus metrics. The logged path never includes
// the query string, and no header is logged, so tokens and filter values stay out of logs.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function requestObservability(logger: Logger, metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const incoming = req.get('x-request-id');
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeTemplate(req);
      const status = String(res.statusCode);
      metrics.httpRequests.inc({ method: req.method, route, status });
      metrics.httpDuration.observe({ method: req.method, route, status }, seconds);
      if (logger.isLevelEnabled('info')) logger.info('request', {
        requestId,
        orgId: res.locals.orgId,
        method: req.method,
        path: req.originalUrl.split('?', 1)[0],
        route,
        status: res.statusCode,
        durationMs: Math.round(seconds * 1e6) / 1e3,
      });
    });
    next();
  };
}

/**
 * The matched route's template (bounded label cardinality). A request answered before any route
 * matched (a 401 from the bearer check, a 429, a 404 inside a router) is labelled by its router's
 * mount path (`/scim/v2/*`; mount paths are literals), so that an IdP's failing sync shows up
 * under its interface; outside every router, a fixed word.
 */
function routeTemplate(req: Request): string {
  const template = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof template === 'string') return `${req.baseUrl}${template}`;
  return req.res?.locals.routeLabel ?? (req.baseUrl ? `${req.baseUrl}/*` : 'unmatched');
}
