// The admin API's one mapping from failures to JSON error bodies.
import type { ErrorRequestHandler, Request, Response } from 'express';
import { DomainError, type DomainErrorCode } from '../../../domain/errors.js';
import type { Logger } from '../../../observability/logger.js';
import { authFailureHeaders, type AuthProblem } from '../auth.js';
import { InputRejected } from '../input.js';
import { retryLaterOn, UNAVAILABLE_MESSAGE } from '../unavailable.js';

const STATUS: Record<DomainErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  precondition_failed: 412,
  org_inactive: 403,
  no_seat_available: 409,
  transfer_ownership_first: 409,
};

export function sendAdminError(res: Response, status: number, code: string, message: string, details?: unknown): void {
  res.status(status).json({ error: { code, message, ...(details ? { details } : {}) } });
}

export function adminUnauthorized(_req: Request, res: Response, problem?: AuthProblem): void {
  authFailureHeaders(res, 'seatgate-admin', problem);
  if (problem) return sendAdminError(res, problem.status, problem.status === 429 ? 'rate_limited' : 'invalid_input', problem.message);
  sendAdminError(res, 401, 'unauthorized', 'a valid admin bearer token is required');
}

export function adminErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    if (error instanceof InputRejected) return sendAdminError(res, 400, 'invalid_input', error.message);
    if (error instanceof DomainError) {
      return sendAdminError(res, STATUS[error.code], error.code, error.message,
        Object.keys(error.details).length > 0 ? error.details : undefined);
    }
    const status = (error as { status?: number; type?: string }).status;
    if (status === 400 || status === 413 || status === 415) {
      const message = status === 413 ? 'the request body is too large' : status === 415 ? 'send application/json' : 'the request body is not valid JSON';
      return sendAdminError(res, status, 'invalid_input', message);
    }
    if (retryLaterOn(error, res)) {
      logger.warn('admin request found the database unavailable', { requestId: res.locals.requestId, error: String(error) });
      return sendAdminError(res, 503, 'unavailable', UNAVAILABLE_MESSAGE);
    }
    logger.error('admin request failed', { requestId: res.locals.requestId, error: String((error as Error)?.stack ?? error) });
    sendAdminError(res, 500, 'internal', `internal error (request id ${res.locals.requestId})`);
  };
}

/**
 * The gate's "no" to an admin seat change, as an answer: 409 with a purchase quote when the
 * target type is full, 403 when the organization has ended.
 */
export function sendRefusal(
  res: Response,
  refusal: { cause: 'no_seat_available'; message: string; quote: unknown } | { cause: 'org_inactive'; message: string },
): void {
  if (refusal.cause === 'org_inactive') return sendAdminError(res, 403, 'org_inactive', refusal.message);
  res.status(409).json({ error: { code: 'no_seat_available', message: refusal.message, quote: refusal.quote } });
}
