import type { RewriteStep } from '../types.js';
import { derive } from './shared.js';

/**
 * Entra's legacy bodies carry nulls. A null value means "unset this attribute", never a stored
 * null (RFC 7643 §2.5: "Unassigned attributes, the null value, or empty array ... SHALL be
 * considered to be equivalent in "state"").
 *
 * before: `{"op":"replace","path":"nickName","value":null}`
 * after:  `{"op":"remove","path":"nickName"}`
 */
export const nullMeansUnset: RewriteStep = {
  name: 'nullMeansUnset',
  rewrite: (operation) =>
    operation.value === null && operation.path !== undefined && operation.op !== 'remove'
      ? [derive(operation, 'remove', operation.path)]
      : [operation],
};
