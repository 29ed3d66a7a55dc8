import { schemasOf } from '../../attributes.js';
import { isObject } from '../json.js';
import type { RawOperation, RewriteStep } from '../types.js';

/**
 * A no-path add/replace becomes one operation per key of its `value`. RFC 7644 §3.5.2.3: "If the
 * "path" parameter is omitted, the target is assumed to be the resource itself. In this case, the
 * "value" attribute SHALL contain a list of one or more attributes that are to be replaced." —
 * and §3.5.2.1 for add: "The "value" parameter contains a set of attributes to be added to the
 * resource". Replacing or adding each attribute in turn is the same thing, so plain attribute
 * names keep their merge semantics (`name` merges its sub-attributes, `emails` is replaced).
 *
 * Entra's `aadOptscim062020` dialect writes paths as keys (`"name.givenName"`, full URN paths,
 * `emails[type eq "work"].value`): taken one by one they are ordinary paths. No real attribute
 * name contains ".", "[" or ":", so such keys are read as paths in every dialect.
 *
 * before: `{"op":"replace","value":{"active":false,"name.givenName":"Ann",
 *           "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"7"}}`
 * after:  `{"op":"replace","path":"active","value":false}`,
 *         `{"op":"replace","path":"name.givenName","value":"Ann"}`,
 *         `{"op":"replace","path":"urn:…:enterprise:2.0:User:employeeNumber","value":"7"}`
 * (each marked `fromNoPath`, which lets the applier tolerate an echoed `id`).
 *
 * A key naming the core schema URN (`{"urn:…:core:2.0:User":{"userName":"a"}}`) is unwrapped.
 */
export const splitNoPathValue: RewriteStep = {
  name: 'splitNoPathValue',
  rewrite(operation, context) {
    if (operation.path !== undefined || !isObject(operation.value) || !['add', 'replace'].includes(operation.op)) return [operation];
    const core = schemasOf(context.type)[0]?.schema.toLowerCase();
    const split = (value: Record<string, unknown>): RawOperation[] =>
      Object.entries(value).flatMap(([key, item]) =>
        key.toLowerCase() === core && isObject(item) ? split(item) : [{ op: operation.op, path: key, value: item, fromNoPath: true as const }]);
    return split(operation.value);
  },
};
