// The ordered pipeline of IdP-quirk rewrite steps that runs between the PatchOp envelope and the
// compiler. Each step is a pure function of one wire-shaped operation (see ./steps/); the order
// matters: splitting comes first so later steps see one attribute per operation, and members
// are turned into deltas before null handling so that `add members null` adds nothing.
import { ScimPatchError } from './errors.js';
import { dropEchoedServerAttributes } from './steps/dropEchoedServerAttributes.js';
import { entraRemoveListedMembers } from './steps/entraRemoveListedMembers.js';
import { lowercaseOpNames } from './steps/lowercaseOpNames.js';
import { managerAsReference } from './steps/managerAsReference.js';
import { membersToDeltas } from './steps/membersToDeltas.js';
import { nullMeansUnset } from './steps/nullMeansUnset.js';
import { rolesFromEntraShapes } from './steps/rolesFromEntraShapes.js';
import { splitExtensionObject } from './steps/splitExtensionObject.js';
import { splitNoPathValue } from './steps/splitNoPathValue.js';
import { isMembership, type PipelineContext, type PipelineOperation, type RawOperation, type RewriteStep } from './types.js';

export const REWRITE_STEPS: readonly RewriteStep[] = Object.freeze([
  lowercaseOpNames,
  splitNoPathValue,
  dropEchoedServerAttributes,
  splitExtensionObject,
  entraRemoveListedMembers,
  membersToDeltas,
  nullMeansUnset,
  managerAsReference,
  rolesFromEntraShapes,
]);

/**
 * Runs `steps` over the operations. Each output keeps the index of the request operation it came
 * from, so errors name `Operations[i]`.
 */
export function runPipeline(
  operations: readonly RawOperation[],
  context: PipelineContext,
  steps: readonly RewriteStep[] = REWRITE_STEPS,
): { operation: PipelineOperation; index: number }[] {
  // Loops, not flatMap: every POST and PUT body runs through here (canonicalization, one
  // operation per attribute after the split), and V8's flatMap was a third of that (decision 0040).
  const out: { operation: PipelineOperation; index: number }[] = [];
  for (let index = 0; index < operations.length; index += 1) {
    let current: PipelineOperation[] = [operations[index]!];
    try {
      for (const step of steps) {
        const next: PipelineOperation[] = [];
        for (const item of current) {
          if (isMembership(item)) next.push(item);
          else for (const rewritten of step.rewrite(item, context)) next.push(rewritten);
        }
        current = next;
      }
    } catch (error) {
      if (error instanceof ScimPatchError && error.operation === undefined) {
        throw new ScimPatchError(error.scimType, `Operations[${index}]: ${error.message}`, index);
      }
      throw error;
    }
    for (const item of current) out.push({ operation: item, index });
  }
  return out;
}
