import { invalidPath } from '../errors.js';
import type { PipelineOperation, RewriteStep } from '../types.js';
import { filterIds, memberIds } from './memberIds.js';
import { attributeTarget, isMembers } from './shared.js';

/**
 * Every operation on a group's `members` becomes a membership delta the caller applies in SQL:
 * members are never loaded (a group may have 100,000).
 * - add `members` (one or several, `"$ref": null` allowed, or a bare id)  → add
 * - replace `members` with the full list, possibly empty (Okta "Push now") → replaceAll;
 *   replace with null → removeAll
 * - remove `members` without value                                        → removeAll
 * - remove `members[value eq "id"]` (Okta, Entra's flag dialect)          → remove
 *
 * before: `{"op":"add","path":"members","value":[{"$ref":null,"value":"u1"},{"value":"u2"}]}`
 * after:  membership `{"kind":"add","ids":["u1","u2"]}`
 * before: `{"op":"replace","path":"members","value":[]}`
 * after:  membership `{"kind":"replaceAll","ids":[]}`
 * before: `{"op":"remove","path":"members[value eq \"u1\"]"}`
 * after:  membership `{"kind":"remove","ids":["u1"]}`
 *
 * Any other path into members (a filter on add/replace, a sub-attribute) is invalidPath.
 */
export const membersToDeltas: RewriteStep = {
  name: 'membersToDeltas',
  rewrite(operation, context): PipelineOperation[] {
    const target = attributeTarget(operation, context);
    if (!isMembers(target, context)) return [operation];
    const membership = (delta: Extract<PipelineOperation, { kind: 'membership' }>['delta']): PipelineOperation[] => [{ kind: 'membership', delta }];
    if (target.subAttribute) throw invalidPath(`"${target.path}": the sub-attributes of a member cannot be patched`);
    if (target.filter) {
      if (operation.op !== 'remove') throw invalidPath(`"${target.path}": members can be selected by a filter only to remove them`);
      return membership({ kind: 'remove', ids: filterIds(target.filter) });
    }
    const value = operation.value;
    switch (operation.op) {
      case 'add': {
        if (value === null) return [];
        const ids = memberIds(value);
        return ids.length === 0 ? [] : membership({ kind: 'add', ids });
      }
      case 'replace':
        return value === null ? membership({ kind: 'removeAll' }) : membership({ kind: 'replaceAll', ids: memberIds(value) });
      default:
        return membership({ kind: 'removeAll' });
    }
  },
};
