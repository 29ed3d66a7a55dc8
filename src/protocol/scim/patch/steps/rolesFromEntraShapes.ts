import { isObject, type JsonObject } from '../json.js';
import type { RewriteStep } from '../types.js';
import { attributeTarget, isRoles, isWhole } from './shared.js';

function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/** Entra's app-role object `{"id":…,"value":…,"displayName":…}` as a SCIM role. */
function fromAppRole(role: JsonObject): JsonObject {
  const { id: _id, displayName, ...rest } = role;
  return displayName !== undefined && rest.display === undefined ? { ...rest, display: displayName } : rest;
}

function role(item: unknown): unknown {
  if (typeof item === 'string') {
    const parsed = parseJson(item);
    return isObject(parsed) ? fromAppRole(parsed) : { value: item };
  }
  if (!isObject(item)) return item;
  const { value, ...rest } = item;
  const parsed = typeof value === 'string' ? parseJson(value) : undefined;
  // The element's own primary/type win over the ones inside the JSON string.
  return isObject(parsed) ? { ...fromAppRole(parsed), ...fromAppRole(rest) } : fromAppRole(item);
}

/**
 * Entra sends app roles (seat types) in `roles` in several shapes: proper SCIM roles
 * (`[{"primary":"True","type":"WindowsAzureActiveDirectoryRole","value":"premium"}]`), roles with
 * Entra's `displayName` for SCIM's `display`, the whole list as a JSON string, or — in the default
 * dialect with AppRoleAssignmentsComplex — each app role as a JSON string inside `value`.
 *
 * before: `{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"8ae0…\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]}`
 * after:  `{"op":"Add","path":"roles","value":[{"value":"Admin","display":"Admin"}]}`
 * The same shapes are read in the value of a `remove` that lists the roles to remove.
 */
export const rolesFromEntraShapes: RewriteStep = {
  name: 'rolesFromEntraShapes',
  rewrite(operation, context) {
    if (operation.value === undefined || operation.value === null) return [operation];
    const target = attributeTarget(operation, context);
    if (!isRoles(target, context) || !isWhole(target)) return [operation];
    let value = operation.value;
    if (typeof value === 'string') value = parseJson(value) ?? value;
    return [{ ...operation, value: Array.isArray(value) ? value.map(role) : role(value) }];
  },
};
