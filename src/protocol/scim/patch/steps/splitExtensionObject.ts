import { isObject } from '../json.js';
import { tryParsePatchPath } from '../path.js';
import type { RewriteStep } from '../types.js';

/**
 * An add/replace of a whole extension object (scimmy crashes on it) becomes one operation per
 * attribute of the extension. The extension is treated like a complex attribute, RFC 7644
 * §3.5.2.3: "a set of sub-attributes SHALL be specified in the "value" parameter, which replaces
 * any existing values or adds where an attribute did not previously exist. Sub-attributes that
 * are not specified in the "value" parameter are left unchanged."
 *
 * before: `{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
 *           "value":{"employeeNumber":"7","manager":{"value":"m1"}}}`
 * after:  `{"op":"replace","path":"urn:…:enterprise:2.0:User:employeeNumber","value":"7"}`,
 *         `{"op":"replace","path":"urn:…:enterprise:2.0:User:manager","value":{"value":"m1"}}`
 */
export const splitExtensionObject: RewriteStep = {
  name: 'splitExtensionObject',
  rewrite(operation, context) {
    if (!['add', 'replace'].includes(operation.op) || !isObject(operation.value)) return [operation];
    const target = tryParsePatchPath(context.type, operation.path);
    if (target?.kind !== 'extension') return [operation];
    return Object.entries(operation.value).map(([key, value]) => ({
      op: operation.op,
      path: `${target.schema}:${key}`,
      value,
      ...(operation.fromNoPath ? { fromNoPath: true as const } : {}),
    }));
  },
};
