// The HTTP server, assembled in one place: observability, health, and one router per interface.
import http from 'node:http';
import express from 'express';
import type { Config } from '../../config.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { ServiceContext } from '../../services/context.js';
import { createAuthenticator } from './auth.js';
import { healthRoutes } from './health.js';
import { requestObservability } from './observability.js';
import { adminRouter } from './admin/router.js';
import { jitRouter } from './jit/router.js';
import { scimRouter } from './scim/router.js';
import { consoleRouter } from '../console/router.js';
import { consoleSessionAuth } from '../console/session-http.js';

export interface AppDependencies {
  ctx: ServiceContext;
  config: Config;
  logger: Logger;
  metrics: Metrics;
}

export function createApp({ ctx, config, logger, metrics }: AppDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  queryParsedOnce(app);
  app.set('trust proxy', config.server.trustProxy);
  app.use(requestObservability(logger, metrics));
  const requireBearer = createAuthenticator(ctx, {
    scim: config.scim.rateLimitPerMinute, admin: config.admin.rateLimitPerMinute, jit: config.jit.rateLimitPerMinute,
  });
  // SCIM first: the requests IdPs repeat most do not walk the health routes (decision 0029).
  app.use('/scim/v2', scimRouter(ctx, config, requireBearer, logger));
  app.use(healthRoutes(ctx, metrics));
  // The console's session is accepted on /admin/v1 in place of a bearer (decision 0007).
  app.use('/admin/v1', consoleSessionAuth(ctx));
  app.use('/admin/v1', adminRouter(ctx, requireBearer, logger));
  app.use('/console', consoleRouter(ctx, config, logger));
  app.get('/', (_req, res) => res.redirect(302, '/console/'));
  app.use('/jit/v1', jitRouter(ctx, requireBearer, logger));
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'no such endpoint' } });
  });
  return app;
}

const PARSED_QUERY = Symbol('parsed query');
type WithParsedQuery = express.Request & { [PARSED_QUERY]?: { text: string; value: unknown } };

/**
 * Express 5's `req.query` is a getter that parses the query string again at every read; a SCIM
 * lookup read it four times (token check, input check, passport-http-bearer, the list query).
 * Here it is parsed once per request and query string (decision 0029): the same parser and
 * value, re-parsed only if the query part of `req.url` changes.
 */
function queryParsedOnce(app: express.Express): void {
  const parse = Object.getOwnPropertyDescriptor(express.request, 'query')?.get;
  if (!parse) return;
  Object.defineProperty(app.request, 'query', {
    configurable: true,
    enumerable: true,
    get(this: WithParsedQuery) {
      const url = this.url ?? '';
      const at = url.indexOf('?');
      const text = at < 0 ? '' : url.slice(at + 1);
      const cached = this[PARSED_QUERY];
      if (cached && cached.text === text) return cached.value;
      const value = parse.call(this) as unknown;
      this[PARSED_QUERY] = { text, value };
      return value;
    },
  });
}

/**
 * The HTTP server of `app`, whose requests and responses are made with Express's prototypes
 * (app.request, app.response) from the start. Express otherwise changes the prototype of every
 * request and response as it receives them (`Object.setPrototypeOf` in app.handle; a no-op when
 * it is already the one), which gives each of them new shapes: node's own HTTP code and the
 * middleware then saw more shapes than their inline caches hold, and every request paid for
 * the lookups that missed them (decision 0033). The classes extend node's (so that V8 keeps
 * their properties in the object, as for node's own), and their prototypes take the place of
 * app.request and app.response: the same prototype chain and own properties (`app`, `query`).
 */
export function createHttpServer(app: express.Express): http.Server {
  class Request extends http.IncomingMessage {}
  class Response extends http.ServerResponse {}
  app.request = inPlaceOf(app.request, Request.prototype);
  app.response = inPlaceOf(app.response, Response.prototype);
  return http.createServer({ IncomingMessage: Request, ServerResponse: Response }, app);
}

/** `target` made what `current` is: its prototype and its own properties, nothing else. */
function inPlaceOf<T extends object>(current: T, target: object): T {
  delete (target as { constructor?: unknown }).constructor;
  Object.setPrototypeOf(target, Object.getPrototypeOf(current));
  for (const key of Reflect.ownKeys(current)) Object.defineProperty(target, key, Object.getOwnPropertyDescriptor(current, key)!);
  return target as T;
}
