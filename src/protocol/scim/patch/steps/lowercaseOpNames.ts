import type { RewriteStep } from '../types.js';

/**
 * Entra's default dialect capitalizes operation names.
 *
 * before: `{"op":"Replace","path":"active","value":"False"}`
 * after:  `{"op":"replace","path":"active","value":"False"}`
 */
export const lowercaseOpNames: RewriteStep = {
  name: 'lowercaseOpNames',
  rewrite: (operation) => [{ ...operation, op: operation.op.toLowerCase() }],
};
