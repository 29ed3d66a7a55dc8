// The closed set of errors a PATCH request can end in. Each carries the RFC 7644 §3.12 scimType
// the SCIM interface puts in its 400 error body; nothing here knows about HTTP beyond the status.

/**
 * RFC 7644 §3.12, Table 9 (the PATCH-relevant rows):
 * - invalidSyntax: "The request body message structure was invalid or did not conform to the
 *   request schema."
 * - invalidPath: "The "path" attribute was invalid or malformed."
 * - invalidFilter: "The specified filter syntax was invalid ... (… PATCH [Path filter])."
 * - noTarget: "The specified "path" did not yield an attribute or attribute value that could be
 *   operated on."
 * - invalidValue: "A required value was missing, or the value specified was not compatible with
 *   the operation or attribute type."
 * - mutability: "The attempted modification is not compatible with the target attribute's
 *   mutability or current state (e.g., modification of an "immutable" attribute with an existing
 *   value)."
 */
export type PatchScimType = 'invalidSyntax' | 'invalidPath' | 'invalidFilter' | 'noTarget' | 'invalidValue' | 'mutability';

export class ScimPatchError extends Error {
  readonly status = 400;

  /** `operation` is the 0-based index of the offending entry of `Operations`, when known. */
  constructor(readonly scimType: PatchScimType, message: string, readonly operation?: number) {
    super(message);
    this.name = 'ScimPatchError';
  }
}

export const invalidSyntax = (message: string) => new ScimPatchError('invalidSyntax', message);
export const invalidPath = (message: string) => new ScimPatchError('invalidPath', message);
export const invalidFilter = (message: string) => new ScimPatchError('invalidFilter', message);
export const noTarget = (message: string) => new ScimPatchError('noTarget', message);
export const invalidValue = (message: string) => new ScimPatchError('invalidValue', message);
export const mutability = (message: string) => new ScimPatchError('mutability', message);
