import { getIgnoringCase, isObject } from '../json.js';
import type { RewriteStep } from '../types.js';
import { attributeTarget, derive, isManager, isWhole } from './shared.js';

/** The manager id in a plain string, `{"value":id}` or `[{"$ref":…,"value":id}]`. */
function managerId(value: unknown): string | undefined {
  const item = Array.isArray(value) ? (value.length === 0 ? '' : value[0]) : value;
  if (typeof item === 'string') return item;
  if (isObject(item)) {
    const id = getIgnoringCase(item, 'value')?.value;
    if (typeof id === 'string') return id;
    if (id === null || id === undefined) return '';
  }
  return undefined;
}

/**
 * Entra sends the enterprise `manager` as a plain id string, `{"value":id}` or
 * `[{"$ref":…,"value":id}]`; it is stored as `{"value":id}` (`$ref` is derived from the id,
 * `displayName` is readOnly). An empty id (`{"value":""}`) removes the manager.
 *
 * before: `{"op":"Add","path":"urn:…:enterprise:2.0:User:manager","value":"m1"}`
 * after:  `{"op":"Add","path":"urn:…:enterprise:2.0:User:manager","value":{"value":"m1"}}`
 * before: `{"op":"replace","path":"urn:…:enterprise:2.0:User:manager","value":{"value":""}}`
 * after:  `{"op":"remove","path":"urn:…:enterprise:2.0:User:manager"}`
 */
export const managerAsReference: RewriteStep = {
  name: 'managerAsReference',
  rewrite(operation, context) {
    if (operation.op === 'remove' || operation.path === undefined) return [operation];
    const target = attributeTarget(operation, context);
    if (!isManager(target) || target.filter) return [operation];
    if (isWhole(target)) {
      const id = managerId(operation.value);
      if (id === undefined) return [operation];
      return id.trim() === '' ? [derive(operation, 'remove', operation.path)] : [{ ...operation, value: { value: id } }];
    }
    if (target.subAttribute?.name === 'value' && operation.value === '') {
      return [derive(operation, 'remove', `${target.schema}:manager`)];
    }
    return [operation];
  },
};
