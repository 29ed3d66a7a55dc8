import type { RewriteStep } from '../types.js';
import { memberIds } from './memberIds.js';
import { attributeTarget, isMembers, isWhole } from './shared.js';

/**
 * Entra's default dialect removes members by listing them in `value` of a `remove` on `members`.
 * An RFC-literal reading ("If the target location is a multi-valued attribute and no filter is
 * specified, the attribute and all values are removed") would empty the group; the listed members
 * are removed instead — in every dialect, since no client lists members it means to keep.
 *
 * before: `{"op":"remove","path":"members","value":[{"value":"u1"},{"$ref":null,"value":"u2"}]}`
 * after:  membership `{"kind":"remove","ids":["u1","u2"]}`
 */
export const entraRemoveListedMembers: RewriteStep = {
  name: 'entraRemoveListedMembers',
  rewrite(operation, context) {
    if (operation.op !== 'remove' || operation.value === undefined || operation.value === null) return [operation];
    const target = attributeTarget(operation, context);
    if (!isMembers(target, context) || !isWhole(target)) return [operation];
    const ids = memberIds(operation.value);
    return ids.length === 0 ? [] : [{ kind: 'membership', delta: { kind: 'remove', ids } }];
  },
};
