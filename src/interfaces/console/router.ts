// /console: the admin console's built assets (dist/console, made by Vite) and its session
// endpoints. The console reads and writes only through /admin/v1, like any API client.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import type { Config } from '../../config.js';
import type { ServiceContext } from '../../services/context.js';
import type { Logger } from '../../observability/logger.js';
import { adminErrorHandler, sendAdminError } from '../http/admin/errors.js';
import { sessionRoutes } from './session-http.js';

// Every asset comes from seatgate itself: nothing from another origin, no inline script.
const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/** dist/console, from the compiled server (dist/src/interfaces/console) or from the sources (tests). */
export function consoleAssetsDir(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../../console'), path.resolve(here, '../../../dist/console'), path.resolve('dist/console')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
}

export function consoleRouter(ctx: ServiceContext, config: Config, logger: Logger): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  });
  router.use('/api', sessionRoutes(ctx, config.server.publicUrl));
  router.use('/api', (_req, res) => sendAdminError(res, 404, 'not_found', 'no such console endpoint'));
  router.use('/api', adminErrorHandler(logger));

  const dir = consoleAssetsDir();
  if (!dir) {
    router.use((_req, res) => {
      res.status(503).type('text/plain').send('The console is not built: run `npm run build`.\n');
    });
    return router;
  }
  // Hashed file names under assets/ never change; index.html always revalidates.
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
  router.use(express.static(dir, { index: false, maxAge: 0 }));
  // Every other path is a page of the single-page app (URL-addressable state).
  router.get(/.*/, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(dir, 'index.html'));
  });
  return router;
}
