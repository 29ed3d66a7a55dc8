import type { RewriteStep } from '../types.js';

const ECHOED = new Set(['schemas', 'meta']);

/**
 * IdPs echo what they read (Okta's rename sends `{"id":…,"displayName":…}`; some clients send
 * `schemas` and `meta` back). In a no-path value these are not requests to change anything:
 * `schemas` is derived by the server from the extensions present and `meta` is server-managed,
 * so they are dropped. (`id` is kept: the applier checks it equals the resource's id, and answers
 * `mutability` when it does not.) An explicit `"path":"meta"` still fails with `mutability`.
 *
 * before: `{"op":"replace","path":"meta","value":{…},"fromNoPath":true}`
 * after:  (nothing)
 */
export const dropEchoedServerAttributes: RewriteStep = {
  name: 'dropEchoedServerAttributes',
  rewrite: (operation) => (operation.fromNoPath && ECHOED.has(operation.path?.toLowerCase() ?? '') ? [] : [operation]),
};
