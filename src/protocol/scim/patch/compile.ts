// Wire-shaped operations (after the rewrite pipeline) → typed, resolved, coerced operations.
import type { ResourceType } from '../attributes.js';
import { coerceForTarget } from './coerce.js';
import { invalidValue, noTarget, ScimPatchError } from './errors.js';
import { parsePatchPath } from './path.js';
import { isMembership, type PatchOperation, type PipelineOperation } from './types.js';

function compileOne(type: ResourceType, operation: PipelineOperation, index: number): PatchOperation {
  if (isMembership(operation)) return operation;
  const op = operation.op as 'add' | 'replace' | 'remove';
  if (operation.path === undefined) {
    // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with HTTP status code 400
    // and a "scimType" error code of "noTarget"."
    if (op === 'remove') throw noTarget('"remove" requires a "path"');
    // A no-path add/replace with an object value was split by the pipeline.
    throw invalidValue(`"${op}" without a path needs an object of attributes as its value`);
  }
  const target = parsePatchPath(type, operation.path);
  if (op === 'remove') {
    // Entra lists what it removes in `value` (`{"op":"Remove","path":"roles","value":[…]}`), as it
    // does for members. A remove has no value in RFC 7644 and the literal reading ("the attribute
    // and all values are removed") would drop values the client means to keep, so on a whole
    // multi-valued attribute only the listed elements are removed. Elsewhere the value is ignored.
    const listed = operation.value !== undefined && operation.value !== null && target.kind === 'attribute'
      && target.attribute.multiValued && !target.filter && !target.subAttribute;
    return listed ? { kind: 'remove', target, values: coerceForTarget(target, operation.value) as unknown[], index } : { kind: 'remove', target, index };
  }
  if (target.kind === 'extension') throw invalidValue(`"${target.path}": the value of an extension must be an object of its attributes`);
  return { kind: op, target, value: coerceForTarget(target, operation.value), fromNoPath: operation.fromNoPath === true, index };
}

export function compileOperations(type: ResourceType, operations: readonly { operation: PipelineOperation; index: number }[]): PatchOperation[] {
  return operations.map(({ operation, index }) => {
    try {
      return compileOne(type, operation, index);
    } catch (error) {
      if (error instanceof ScimPatchError && error.operation === undefined) {
        throw new ScimPatchError(error.scimType, `Operations[${index}]: ${error.message}`, index);
      }
      throw error;
    }
  });
}
