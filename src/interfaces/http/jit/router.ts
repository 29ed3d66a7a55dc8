// /jit/v1: the SSO layer's login hook (SPEC §7), authenticated by the organization's JIT hook
// secret. Answers 200 allow or 403 deny; errors are JSON like the admin API's.
import express, { Router, type ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { DomainError } from '../../../domain/errors.js';
import type { Logger } from '../../../observability/logger.js';
import type { ServiceContext } from '../../../services/context.js';
import { jitLogin } from '../../../services/access/jit.js';
import { authFailureHeaders, principalOf, type RequireBearer } from '../auth.js';
import { InputRejected, jsonInput } from '../input.js';
import { retryLaterOn, UNAVAILABLE_MESSAGE } from '../unavailable.js';

const groupId = z.string().min(1).max(512);

const loginBody = z.object({
  /** The IdP's stable subject id: Entra `oid`, Okta user id. */
  subject: z.string().trim().min(1).max(512),
  email: z.email().max(512),
  name: z.string().max(512).optional(),
  givenName: z.string().max(256).optional(),
  familyName: z.string().max(256).optional(),
  /** IdP group ids (Entra sends at most 200, Okta at most 100). */
  groups: z.array(groupId).max(5000).optional(),
  /** Entra's overage marker: the token carried no group list; stored groups stay as they are. */
  groupsOverage: z.boolean().optional(),
}).strict();

const sendError = (res: express.Response, status: number, code: string, message: string, details?: unknown) =>
  res.status(status).json({ error: { code, message, ...(details ? { details } : {}) } });

export function jitRouter(ctx: ServiceContext, requireBearer: RequireBearer, logger: Logger): Router {
  const router = Router();
  router.use(requireBearer('jit', (_req, res, problem) => {
    authFailureHeaders(res, 'seatgate-jit', problem);
    if (problem) return void sendError(res, problem.status, problem.status === 429 ? 'rate_limited' : 'invalid_input', problem.message);
    sendError(res, 401, 'unauthorized', 'a valid JIT hook secret of the organization is required (Authorization: Bearer sgjit_…)');
  }));
  router.use(jsonInput({ limit: '256kb' }));

  router.post('/login', (req, res, next) => {
    const parsed = loginBody.safeParse(req.body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || 'body', message: i.message }));
      const message = req.body === undefined ? 'send a JSON body (Content-Type: application/json) with subject and email'
        : `invalid login claims: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
      return void sendError(res, 400, 'invalid_input', message, { issues });
    }
    const principal = principalOf(res);
    jitLogin(ctx, principal.orgId, principal.credentialId, parsed.data).then((decision) => {
      res.status(decision.decision === 'allow' ? 200 : 403).json(decision);
    }, next);
  });

  router.use((_req, res) => sendError(res, 404, 'not_found', 'no such JIT endpoint'));
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    if (error instanceof InputRejected) return void sendError(res, 400, 'invalid_input', error.message);
    if (error instanceof DomainError) {
      const domainStatus = error.code === 'invalid_input' ? 400 : error.code === 'conflict' ? 409 : error.code === 'not_found' ? 404 : 403;
      return void sendError(res, domainStatus, error.code, error.message);
    }
    const status = (error as { status?: number }).status;
    if (status === 400 || status === 413 || status === 415) {
      return void sendError(res, status, 'invalid_input', status === 413 ? 'the request body is too large' : 'the request body is not valid JSON');
    }
    if (retryLaterOn(error, res)) {
      logger.warn('JIT request found the database unavailable', { requestId: res.locals.requestId, error: String(error) });
      return void sendError(res, 503, 'unavailable', UNAVAILABLE_MESSAGE);
    }
    logger.error('JIT request failed', { requestId: res.locals.requestId, error: String((error as Error)?.stack ?? error) });
    sendError(res, 500, 'internal', `internal error (request id ${res.locals.requestId})`);
  };
  router.use(onError);
  return router;
}
