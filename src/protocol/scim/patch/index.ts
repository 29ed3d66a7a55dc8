// SCIM PATCH (RFC 7644 §3.5.2) as pure functions:
//   normalizePatchRequest(type, body, { dialect })  PatchOp body → typed operations
//   applyPatch(type, resource, operations)          → { resource, changed, membership }
export { applyPatch, type ApplyOptions, type PatchResult, type ScimResource } from './apply.js';
export { PATCH_OP_SCHEMA } from './envelope.js';
export { ScimPatchError, type PatchScimType } from './errors.js';
export { normalizePatchRequest, type NormalizeOptions } from './normalize.js';
export { parsePatchPath } from './path.js';
export { REWRITE_STEPS, runPipeline } from './pipeline.js';
export type {
  AttributeTarget, ExtensionTarget, MembershipDelta, PatchDialect, PatchOperation, PatchTarget, RawOperation, RewriteStep,
} from './types.js';
