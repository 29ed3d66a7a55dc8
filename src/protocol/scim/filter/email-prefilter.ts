// An index-friendly necessary condition for comparisons on the values of User.emails.
//
// Entra matches users by `emails[type eq "work"].value eq "…"`; as an EXISTS over
// jsonb_array_elements that reads every member. The text of all email values,
// lower(jsonb_path_query_array(attributes, '$.emails[*].value')::text), e.g.
// `["alice@x.com", "bob@y.com"]`, contains `"alice@x.com"` whenever some value equals
// "alice@x.com" (and a prefix, suffix or substring likewise), so the LIKE below is implied by the
// exact condition: adding it (anywhere, even under `not`) changes no result, while a trigram
// index on that expression (migration 0005) finds the candidate rows.
import { sql, type SqlBool } from 'kysely';
import { CORE_USER_SCHEMA, type ResourceType } from '../attributes.js';
import type { Bool } from './columns.js';
import type { CheckedFilter } from './validate.js';

type Substring = 'eq' | 'sw' | 'ew' | 'co';

/** The positive string comparisons on emails.value that every matching element must satisfy. */
function valueConjuncts(filter: CheckedFilter): { op: Substring; value: string }[] {
  if (filter.kind === 'and') return filter.filters.flatMap(valueConjuncts);
  if (filter.kind !== 'compare' || filter.value.type !== 'string') return [];
  if (filter.target.subAttribute?.name !== 'value') return [];
  return ['eq', 'sw', 'ew', 'co'].includes(filter.op) ? [{ op: filter.op as Substring, value: filter.value.value }] : [];
}

const isUserEmails = (type: ResourceType, schema: string, name: string) =>
  type === 'User' && schema === CORE_USER_SCHEMA && name === 'emails';

/** The pattern of one email value inside the JSON text of the array: escaped as jsonb prints it. */
function pattern(op: Substring, value: string): string {
  const json = JSON.stringify(value).slice(1, -1).replace(/[\\%_]/g, (c) => `\\${c}`);
  switch (op) {
    case 'eq': return `%"${json}"%`;
    case 'sw': return `%"${json}%`;
    case 'ew': return `%${json}"%`;
    case 'co': return `%${json}%`;
  }
}

/**
 * The prefilter for an element condition on `emails` (a value path, or `emails.value …`), or
 * undefined when the condition has no positive comparison on `value` to derive one from.
 */
export function emailPrefilter(type: ResourceType, schema: string, attribute: string, elementCondition: CheckedFilter): Bool | undefined {
  if (!isUserEmails(type, schema, attribute)) return undefined;
  const [first] = valueConjuncts(elementCondition);
  if (!first) return undefined;
  return sql<SqlBool>`lower(jsonb_path_query_array("members"."attributes", '$.emails[*].value')::text) like lower(${pattern(first.op, first.value)})`;
}
