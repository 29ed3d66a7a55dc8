// PostgreSQL errors become domain errors at the storage boundary, by SQLSTATE and constraint
// name, never by message text.
import { DomainError } from '../domain/errors.js';

interface PgError { code?: string; constraint?: string }

const UNIQUE_MESSAGES: Record<string, string> = {
  members_user_name_key: 'a user with this userName already exists in the organization',
  groups_display_name_key: 'a group with this displayName already exists in the organization',
};

/** Translates a known constraint violation; returns the error unchanged otherwise. */
export function translatePgError(error: unknown): unknown {
  const pgError = error as PgError;
  if (pgError?.code === '23505' && pgError.constraint) {
    const message = UNIQUE_MESSAGES[pgError.constraint] ?? `uniqueness violated (${pgError.constraint})`;
    return new DomainError('conflict', message, { constraint: pgError.constraint });
  }
  return error;
}

export function isPgError(error: unknown, code: string): boolean {
  return (error as PgError)?.code === code;
}

/** SQLSTATEs of a server that is shutting down or starting up (class 08 is checked whole). */
const SHUTDOWN_STATES = new Set(['57P01', '57P02', '57P03']);

/** The connection to the server failed or broke: refused, reset, timed out, closed by the server. */
export function connectionFailed(error: unknown): boolean {
  const { code, message } = (error ?? {}) as PgError & { message?: string };
  if (code && (code.startsWith('08') || SHUTDOWN_STATES.has(code))) return true;
  if (code && /^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE, …
  return /Connection terminated/.test(message ?? ''); // closed, or timed out while connecting
}

/**
 * The database cannot serve this request now, but may in a moment: its connection failed, the
 * server is a standby (25006, mid-failover), or no pooled connection came free in time. Such a
 * request had no effect the client can rely on (its transaction did not commit), so the answer is
 * 503 with Retry-After, which IdPs retry, never a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (connectionFailed(error)) return true;
  const { code, message } = (error ?? {}) as PgError & { message?: string };
  // pg's own words for a client whose connection already broke, and for a pool queue that timed out.
  return code === '25006' || /not queryable|timeout exceeded when trying to connect/.test(message ?? '');
}
