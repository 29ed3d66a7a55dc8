// Conditions on User.emails, read from the `members.email_keys` column (migration 0007) where
// possible instead of walking each member's JSON.
//
// PostgreSQL keeps, per member, one key per email element, in array order:
//   \x01 <type> \x02 <value> \x03
// both lowercased; a type or value that is absent or not a string is the single character \x04,
// and the characters \x01–\x05 inside a type or value are written \x06. So, for a type T and a
// value V in which none of \x01–\x06 occurs, the comparisons below are exact (a LIKE on the
// keys matches exactly the members whose emails satisfy the filter; case rules as for
// `caseExact: false`):
//   emails[type eq T]                  %\x01T\x02%
//   emails.value eq V                  %\x02V\x03%
//   emails.value sw V                  %\x02V%
//   emails[type eq T and value eq V]   %\x01T\x02V\x03%      (and `emails[type eq T].value eq V`)
//   emails[type eq T and value sw V]   %\x01T\x02V%
// `ew` and `co` cannot be exact (a wildcard could cross into the next element), nor can other
// sub-attributes: there, a key pattern implied by the filter is put in front of the exact EXISTS
// over the JSON, as an indexable necessary condition. The keys are trigram-indexed when pg_trgm is
// available (Entra matches users by `emails[type eq "work"].value eq "…"`).
import { sql, type SqlBool } from 'kysely';
import { CORE_USER_SCHEMA, type ResourceType } from '../attributes.js';
import type { Bool } from './columns.js';
import type { CheckedFilter } from './validate.js';

const START = '\x01';
const TYPE_END = '\x02';
const VALUE_END = '\x03';
/** Types and values holding one of these are never turned into a key pattern. */
const RESERVED = /[\x01-\x06]/;

type Op = 'eq' | 'sw' | 'ew' | 'co';
interface Comparison { op: Op; value: string }

/** LIKE-escaped: the client's %, _ and \ are literal characters. */
const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The string comparisons of an element condition, when it is only an and of such comparisons. */
function conjuncts(filter: CheckedFilter): { sub: string; comparison: Comparison }[] | undefined {
  if (filter.kind === 'and') {
    const parts = filter.filters.map(conjuncts);
    return parts.every((part) => part !== undefined) ? parts.flat() : undefined;
  }
  if (filter.kind !== 'compare' || filter.value.type !== 'string' || !filter.target.subAttribute) return undefined;
  if (!['eq', 'sw', 'ew', 'co'].includes(filter.op)) return undefined;
  return [{ sub: filter.target.subAttribute.name, comparison: { op: filter.op as Op, value: filter.value.value } }];
}

/** The key pattern for a type and a value comparison; `exact` when it says exactly the same. */
function keyPattern(type: string | undefined, value: Comparison | undefined): { pattern: string; exact: boolean } {
  const head = type === undefined ? TYPE_END : `${START}${literal(type)}${TYPE_END}`;
  if (!value) return { pattern: `%${head}%`, exact: true };
  const v = literal(value.value);
  switch (value.op) {
    case 'eq': return { pattern: `%${head}${v}${VALUE_END}%`, exact: true };
    case 'sw': return { pattern: `%${head}${v}%`, exact: true };
    case 'ew': return { pattern: `%${v}${VALUE_END}%`, exact: false };
    case 'co': return { pattern: `%${v}%`, exact: false };
  }
}

/**
 * The condition on User.emails whose exact form over the JSON is `exists` and whose element
 * condition is `element`: the key comparison alone when it is exact, the key comparison in front
 * of `exists` when it is only implied, or `exists` itself.
 */
export function emailsCondition(
  type: ResourceType, schema: string, attribute: string, element: CheckedFilter, exists: Bool,
): Bool {
  if (type !== 'User' || schema !== CORE_USER_SCHEMA || attribute !== 'emails') return exists;
  const parts = conjuncts(element);
  const anyPart = parts ?? impliedComparisons(element);
  const types = anyPart.filter((p) => p.sub === 'type' && p.comparison.op === 'eq' && !RESERVED.test(p.comparison.value));
  const values = anyPart.filter((p) => p.sub === 'value' && !RESERVED.test(p.comparison.value));
  const typeValue = types[0]?.comparison.value;
  const valueComparison = values[0]?.comparison;
  if (typeValue === undefined && !valueComparison) return exists;
  const { pattern, exact } = keyPattern(typeValue, valueComparison);
  const keys = sql<SqlBool>`"members"."email_keys" like lower(${pattern})`;
  // Exact only when the condition is nothing but these (at most one type, one value comparison).
  const alone = parts !== undefined && parts.length === types.length + values.length && types.length <= 1 && values.length <= 1;
  return exact && alone ? keys : sql<SqlBool>`(${keys} and ${exists})`;
}

/** Comparisons that every matching element satisfies, in a condition with other parts too. */
function impliedComparisons(filter: CheckedFilter): { sub: string; comparison: Comparison }[] {
  if (filter.kind === 'and') return filter.filters.flatMap(impliedComparisons);
  return conjuncts(filter) ?? [];
}
