// PatchOp request body → typed operations: envelope check, IdP-quirk rewrite pipeline, compile.
import type { ResourceType } from '../attributes.js';
import { compileOperations } from './compile.js';
import { readEnvelope } from './envelope.js';
import { runPipeline } from './pipeline.js';
import type { PatchDialect, PatchOperation } from './types.js';

export interface NormalizeOptions {
  /** Entra's `?aadOptscim062020` flag. Every step is unambiguous in both dialects, so today the
   *  dialect changes nothing; it is passed to each step for the quirks that will need it. */
  dialect?: PatchDialect;
}

/** Throws ScimPatchError (invalidSyntax, invalidPath, invalidFilter, noTarget, invalidValue). */
export function normalizePatchRequest(type: ResourceType, body: unknown, options: NormalizeOptions = {}): PatchOperation[] {
  const raw = readEnvelope(body);
  return compileOperations(type, runPipeline(raw, { type, dialect: options.dialect ?? 'default' }));
}
