// Per-request id, structured access log and Prometheus metrics. The logged path never includes
// the query string, and no header is logged, so tokens and filter values stay out of logs.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function requestObservability(logger: Logger, metrics: Metrics) {
  // The labelled series of each (method, route, status), looked up once: prom-client hashes the
  // label set on every inc/observe otherwise (bounded: routes are templates, statuses few).
  const series = new Map<string, { count: { inc(): void }; duration: { observe(value: number): void } }>();
  const seriesOf = (method: string, route: string, status: string) => {
    const key = `${method} ${status} ${route}`;
    let found = series.get(key);
    if (!found) {
      found = { count: metrics.httpRequests.labels(method, route, status), duration: metrics.httpDuration.labels(method, route, status) };
      series.set(key, found);
    }
    return found;
  };
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeTemplate(req);
      const status = String(res.statusCode);
      const { count, duration } = seriesOf(req.method, route, status);
      count.inc();
      duration.observe(seconds);
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
