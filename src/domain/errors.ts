// The closed set of domain errors. Interfaces map each code to their own protocol in one place
// (SCIM error bodies, admin API JSON, CLI messages); the core never speaks HTTP.
export type DomainErrorCode =
  | 'invalid_input'     // the request is malformed or breaks a rule of the data
  | 'not_found'         // no such thing in this organization
  | 'conflict'          // a uniqueness rule would be broken
  | 'forbidden'         // the caller's role does not allow this
  | 'precondition_failed' // a version check (ETag) failed
  | 'org_inactive'      // the organization's term has ended
  | 'no_seat_available' // the seat gate refused: no seat of the needed type is free
  | 'transfer_ownership_first'; // the primary owner's role or membership changes only by a transfer

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalidInput = (message: string, details?: Record<string, unknown>) =>
  new DomainError('invalid_input', message, details);
export const notFound = (message: string) => new DomainError('not_found', message);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new DomainError('conflict', message, details);
export const forbidden = (message: string) => new DomainError('forbidden', message);
