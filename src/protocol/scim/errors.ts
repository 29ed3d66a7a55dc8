// The SCIM error catalogue (RFC 7644 §3.12): every failure on a SCIM route becomes one of these,
// mapped in one place from the domain's and the parsers' typed errors.
import { DomainError, type DomainErrorCode } from '../../domain/errors.js';
import { ScimFilterError, ScimSortError } from './filter/index.js';
import { ScimPatchError } from './patch/index.js';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type ScimType =
  | 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath'
  | 'noTarget' | 'invalidValue' | 'invalidVers' | 'sensitive' | 'invalidCursor';

export class ScimError extends Error {
  constructor(readonly status: number, message: string, readonly scimType?: ScimType, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ScimError';
  }
}

export const badRequest = (scimType: ScimType, message: string) => new ScimError(400, message, scimType);
export const scimNotFound = (message: string) => new ScimError(404, message);

/** The error body; `status` is a string, as RFC 7644 §3.12's examples show. */
export function errorBody(status: number, detail: string, scimType?: string) {
  return { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

const DOMAIN_STATUS: Record<DomainErrorCode, [number, ScimType | undefined]> = {
  invalid_input: [400, 'invalidValue'],
  not_found: [404, undefined],
  conflict: [409, 'uniqueness'],
  forbidden: [403, undefined],
  precondition_failed: [412, undefined],
  org_inactive: [403, undefined],
  // SPEC §4.3: a refused create answers 403 with a detail naming the exhausted seat type.
  no_seat_available: [403, undefined],
  transfer_ownership_first: [403, undefined],
};

/** A ScimError for every known failure; undefined for the unexpected (a 500). */
export function toScimError(error: unknown): ScimError | undefined {
  if (error instanceof ScimError) return error;
  if (error instanceof ScimFilterError || error instanceof ScimSortError || error instanceof ScimPatchError) {
    return new ScimError(400, error.message, error.scimType as ScimType);
  }
  if (error instanceof DomainError) {
    const [status, scimType] = DOMAIN_STATUS[error.code];
    return new ScimError(status, error.message, scimType);
  }
  // body-parser failures carry a status and a type
  const parser = error as { status?: number; type?: string; limit?: number };
  if (parser?.type === 'entity.too.large') {
    return new ScimError(413, `The request body is larger than the limit of ${parser.limit} bytes.`);
  }
  if (parser?.type === 'entity.parse.failed') return new ScimError(400, 'The request body is not valid JSON.', 'invalidSyntax');
  if (parser?.type === 'encoding.unsupported' || parser?.type === 'charset.unsupported') {
    return new ScimError(415, 'The request body must be UTF-8 JSON.');
  }
  if (typeof parser?.status === 'number' && parser.status >= 400 && parser.status < 500) {
    return new ScimError(parser.status, 'The request could not be read.');
  }
  return undefined;
}
