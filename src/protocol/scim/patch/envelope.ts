// The PatchOp message envelope (RFC 7644 §3.5.2), checked before any rewrite step runs.
import { invalidPath, invalidSyntax, ScimPatchError } from './errors.js';
import { getIgnoringCase, isObject } from './json.js';
import type { RawOperation } from './types.js';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const OPS = new Set(['add', 'replace', 'remove']);

/**
 * "The body of each request MUST contain the "schemas" attribute with the URI value of
 * "urn:ietf:params:scim:api:messages:2.0:PatchOp"." — "The body of an HTTP PATCH request MUST
 * contain the attribute "Operations", whose value is an array of one or more PATCH operations."
 * — "Each PATCH operation object MUST have exactly one "op" member, whose value indicates the
 * operation to perform and MAY be one of "add", "remove", or "replace"." ("op" values are
 * case-insensitive here: Entra sends "Add"/"Replace"/"Remove".) Add and replace "MUST contain a
 * "value" member". Extra members (the Microsoft suite sends "name": "addMember", and "id" beside
 * "Operations") are ignored.
 */
export function readEnvelope(body: unknown): RawOperation[] {
  if (!isObject(body)) throw invalidSyntax('the PATCH body must be a JSON object');
  const schemas = getIgnoringCase(body, 'schemas')?.value;
  if (!Array.isArray(schemas) || !schemas.some((schema) => typeof schema === 'string' && schema.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw invalidSyntax(`"schemas" must contain "${PATCH_OP_SCHEMA}"`);
  }
  const operations = getIgnoringCase(body, 'Operations')?.value;
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax('"Operations" must be an array of one or more operations');
  }
  return operations.map((entry, index) => {
    try {
      return readOperation(entry);
    } catch (error) {
      if (error instanceof ScimPatchError) throw new ScimPatchError(error.scimType, `Operations[${index}]: ${error.message}`, index);
      throw error;
    }
  });
}

function readOperation(entry: unknown): RawOperation {
  if (!isObject(entry)) throw invalidSyntax('an operation must be a JSON object');
  const op = getIgnoringCase(entry, 'op')?.value;
  if (typeof op !== 'string' || !OPS.has(op.toLowerCase())) {
    throw invalidSyntax(`"op" must be "add", "replace" or "remove", not ${JSON.stringify(op)}`);
  }
  const path = getIgnoringCase(entry, 'path');
  const value = getIgnoringCase(entry, 'value');
  const operation: RawOperation = { op };
  if (path && path.value !== null) {
    if (typeof path.value !== 'string') throw invalidPath('"path" must be a string');
    operation.path = path.value;
  }
  if (value) operation.value = value.value;
  // scimmy deletes the attribute when a replace has no value; the RFC requires one.
  else if (op.toLowerCase() !== 'remove') throw invalidSyntax(`"${op}" requires a "value"`);
  return operation;
}
