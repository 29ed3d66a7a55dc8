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
