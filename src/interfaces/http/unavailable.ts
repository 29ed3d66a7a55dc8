// A request the database could not serve (failover, restart, pool exhausted) is answered 503 with
// Retry-After on every API, never 500: IdPs retry a 503 after the given delay (IDP-COMPAT), and a
// 500 reads as our defect. Decided once here for SCIM, admin and JIT.
import type { Response } from 'express';
import { isDatabaseUnavailable } from '../../services/health.js';

/** Seconds an IdP should wait: about one pg_auto_failover promotion (docs/operations.md). */
export const RETRY_AFTER_SECONDS = 5;

export const UNAVAILABLE_MESSAGE = `The service is briefly unavailable (its database is out of reach); retry in ${RETRY_AFTER_SECONDS} seconds.`;

/** When `error` means the database is out of reach: sets Retry-After and says true. */
export function retryLaterOn(error: unknown, res: Response): boolean {
  if (!isDatabaseUnavailable(error)) return false;
  res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  return true;
}
