// Value-path filters evaluated in memory against ONE element of a multi-valued (or complex)
// attribute: the `type eq "work"` of `emails[type eq "work"].value`. The text is parsed by the
// shared SCIM filter parser (../filter/parse.js); this module resolves the names against the
// attribute's sub-attributes and evaluates the tree. Operators are case-insensitive (the parser
// lower-cases them); string comparisons follow the sub-attribute's caseExact, so
// `type eq "Work"` matches "work" (RFC 7644 §3.4.2.2: "... the comparison is performed according
// to the attribute's "caseExact" characteristic").
import type { AttributeMeta } from '../attributes.js';
import type { CompareOp, FilterNode, Literal } from '../filter/ast.js';
import { ScimFilterError } from '../filter/errors.js';
import { parseFilter } from '../filter/parse.js';
import { invalidFilter } from './errors.js';
import type { JsonObject } from './json.js';

export type ElementFilter =
  | { kind: 'compare'; sub: AttributeMeta; op: CompareOp; value: Literal }
  | { kind: 'present'; sub: AttributeMeta }
  | { kind: 'and' | 'or'; filters: ElementFilter[] }
  | { kind: 'not'; filter: ElementFilter };

const ORDERED: ReadonlySet<CompareOp> = new Set(['gt', 'ge', 'lt', 'le']);
const SUBSTRING: ReadonlySet<CompareOp> = new Set(['co', 'sw', 'ew']);
const STRING_TYPES: ReadonlySet<AttributeMeta['type']> = new Set(['string', 'reference', 'binary']);

/** Parses the text between "[" and "]" and resolves it against `attribute`'s sub-attributes. */
export function parseElementFilter(attribute: AttributeMeta, text: string): ElementFilter {
  let node: FilterNode;
  try {
    node = parseFilter(text);
  } catch (error) {
    if (error instanceof ScimFilterError) throw invalidFilter(`invalid value filter [${text}]: ${error.message}`);
    throw error;
  }
  return resolve(attribute, node, text);
}

function resolve(attribute: AttributeMeta, node: FilterNode, text: string): ElementFilter {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, filters: node.filters.map((inner) => resolve(attribute, inner, text)) };
    case 'not':
      return { kind: 'not', filter: resolve(attribute, node.filter, text) };
    case 'valuePath':
      throw invalidFilter(`value filters cannot be nested: [${text}]`);
    case 'present':
    case 'compare': {
      const { path } = node;
      const wanted = path.attribute.toLowerCase();
      const sub = path.uri || path.subAttribute ? undefined : attribute.subAttributes.find((candidate) => candidate.name.toLowerCase() === wanted);
      if (!sub) throw invalidFilter(`"${path.text}" is not a sub-attribute of ${attribute.name} (in [${text}])`);
      if (node.kind === 'present') return { kind: 'present', sub };
      checkOperator(sub, node.op, node.value, text);
      return { kind: 'compare', sub, op: node.op, value: node.value };
    }
  }
}

function checkOperator(sub: AttributeMeta, op: CompareOp, value: Literal, text: string): void {
  const bad = (why: string) => invalidFilter(`${op} ${why} (${sub.name} in [${text}])`);
  if (value.type === 'null' && op !== 'eq' && op !== 'ne') throw bad('cannot compare with null');
  if (sub.type === 'boolean') {
    if (op !== 'eq' && op !== 'ne') throw bad('is not defined for a boolean');
    if (value.type !== 'null' && booleanOf(value) === undefined) throw bad('needs true or false');
  }
  if ((sub.type === 'integer' || sub.type === 'decimal')) {
    if (SUBSTRING.has(op)) throw bad('is not defined for a number');
    if (value.type !== 'null' && numberOf(value) === undefined) throw bad('needs a number');
  }
  if (sub.type === 'complex') throw bad('cannot compare a complex sub-attribute');
}

/** RFC 7644 §3.4.2.2 allows `True`/`"True"` only as JSON booleans; Entra sends `primary eq "True"`. */
function booleanOf(value: Literal): boolean | undefined {
  if (value.type === 'boolean') return value.value;
  if (value.type === 'string' && /^(true|false)$/i.test(value.value)) return value.value.toLowerCase() === 'true';
  return undefined;
}

function numberOf(value: Literal): number | undefined {
  if (value.type === 'number') return value.value;
  if (value.type === 'string' && value.value.trim() !== '' && Number.isFinite(Number(value.value))) return Number(value.value);
  return undefined;
}

function textOf(value: Literal): string | undefined {
  switch (value.type) {
    case 'string': return value.value;
    case 'number': return value.raw;
    case 'boolean': return String(value.value);
    case 'null': return undefined;
  }
}

/** The literal as a value of `sub`'s type, e.g. to create the element `[type eq "work"]` names. */
export function literalAs(sub: AttributeMeta, value: Literal): unknown {
  if (sub.type === 'boolean') return booleanOf(value);
  if (sub.type === 'integer' || sub.type === 'decimal') return numberOf(value);
  return textOf(value);
}

function present(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function compare(filter: Extract<ElementFilter, { kind: 'compare' }>, actual: unknown): boolean {
  const { sub, op, value } = filter;
  if (value.type === 'null') return op === 'eq' ? !present(actual) : present(actual);
  if (actual === undefined || actual === null) return op === 'ne';
  let left: string | number | boolean;
  let right: string | number | boolean;
  if (sub.type === 'boolean') {
    if (typeof actual !== 'boolean') return op === 'ne';
    left = actual;
    right = booleanOf(value) as boolean;
  } else if (sub.type === 'integer' || sub.type === 'decimal') {
    if (typeof actual !== 'number') return op === 'ne';
    left = actual;
    right = numberOf(value) as number;
  } else if (sub.type === 'dateTime' && ORDERED.has(op)) {
    const a = typeof actual === 'string' ? Date.parse(actual) : Number.NaN;
    const b = Date.parse(textOf(value) ?? '');
    if (Number.isNaN(a) || Number.isNaN(b)) return false;
    left = a;
    right = b;
  } else {
    if (typeof actual !== 'string') return op === 'ne';
    const exact = sub.caseExact && STRING_TYPES.has(sub.type);
    left = exact ? actual : actual.toLowerCase();
    const text = textOf(value) ?? '';
    right = exact ? text : text.toLowerCase();
  }
  switch (op) {
    case 'eq': return left === right;
    case 'ne': return left !== right;
    case 'co': return String(left).includes(String(right));
    case 'sw': return String(left).startsWith(String(right));
    case 'ew': return String(left).endsWith(String(right));
    case 'gt': return left > right;
    case 'ge': return left >= right;
    case 'lt': return left < right;
    case 'le': return left <= right;
  }
}

/** Whether one element (canonical sub-attribute names) satisfies the filter. */
export function matchesElement(filter: ElementFilter, element: JsonObject): boolean {
  switch (filter.kind) {
    case 'and': return filter.filters.every((inner) => matchesElement(inner, element));
    case 'or': return filter.filters.some((inner) => matchesElement(inner, element));
    case 'not': return !matchesElement(filter.filter, element);
    case 'present': return present(element[filter.sub.name]);
    case 'compare': return compare(filter, element[filter.sub.name]);
  }
}

/**
 * The sub-attribute values a filter pins down when it is only `eq` comparisons joined by `and`
 * (`type eq "work"`, `type eq "work" and primary eq true`); undefined for any other filter —
 * there is then no single element it describes.
 */
export function equalityValues(filter: ElementFilter): JsonObject | undefined {
  if (filter.kind === 'compare') {
    if (filter.op !== 'eq' || filter.value.type === 'null') return undefined;
    const value = literalAs(filter.sub, filter.value);
    return value === undefined ? undefined : { [filter.sub.name]: value };
  }
  if (filter.kind !== 'and') return undefined;
  const result: JsonObject = {};
  for (const inner of filter.filters) {
    const values = equalityValues(inner);
    if (!values) return undefined;
    for (const [key, value] of Object.entries(values)) {
      if (Object.hasOwn(result, key) && result[key] !== value) return undefined;
      result[key] = value;
    }
  }
  return result;
}
