// Step 2 of 3: syntax tree → checked tree. Every attribute is resolved against the catalog and
// every comparison value is coerced to the attribute's type, so the SQL step never guesses.
// Unknown attributes are an error, never ignored: a filter that silently matches everything (or
// nothing) is what makes an IdP create duplicates or quarantine a job.
import { resolveAttributePath, type AttributeMeta, type ResolvedAttribute, type ResourceType } from '../attributes.js';
import type { AttrPath, CompareNode, CompareOp, FilterNode, Literal, PresentNode } from './ast.js';
import { ScimFilterError } from './errors.js';

/** A comparison value already coerced to its attribute's type. dateTime keeps its text (checked
 *  ISO 8601, with a zone) so PostgreSQL keeps its full precision. */
export type Operand =
  | { type: 'string'; value: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'number'; value: number }
  | { type: 'dateTime'; value: string };

export interface CheckedCompare { kind: 'compare'; target: ResolvedAttribute; op: CompareOp; value: Operand }
export interface CheckedPresent { kind: 'present'; target: ResolvedAttribute }
export interface CheckedLogical { kind: 'and' | 'or'; filters: CheckedFilter[] }
export interface CheckedNot { kind: 'not'; filter: CheckedFilter }
/** All conditions of `filter` apply to the same value of `target` (a complex attribute); their
 *  targets name sub-attributes of it. */
export interface CheckedValuePath { kind: 'valuePath'; target: ResolvedAttribute; filter: CheckedFilter }

export type CheckedFilter = CheckedCompare | CheckedPresent | CheckedLogical | CheckedNot | CheckedValuePath;

const ORDERING: readonly CompareOp[] = ['gt', 'ge', 'lt', 'le'];
const SUBSTRING: readonly CompareOp[] = ['co', 'sw', 'ew'];

/** The attribute a comparison actually reads: the sub-attribute when there is one. */
export const leafOf = (target: ResolvedAttribute): AttributeMeta => target.subAttribute ?? target.attribute;

function resolve(type: ResourceType, path: AttrPath): ResolvedAttribute {
  const resolved = resolveAttributePath(type, path.text);
  if (!resolved) throw new ScimFilterError(`unknown attribute "${path.text}" for resource type ${type}`);
  return resolved;
}

function resolveInside(parent: ResolvedAttribute, path: AttrPath): ResolvedAttribute {
  const wanted = path.attribute.toLowerCase();
  const subAttribute = parent.attribute.subAttributes.find((sub) => sub.name.toLowerCase() === wanted);
  if (!subAttribute) throw new ScimFilterError(`"${parent.attribute.name}" has no sub-attribute "${path.attribute}"`);
  return { ...parent, subAttribute };
}

function checkReadable(target: ResolvedAttribute, label: string): void {
  // A never-returned attribute (password) must not be probed one filter at a time.
  if (target.attribute.returned === 'never' || target.subAttribute?.returned === 'never') {
    throw new ScimFilterError(`"${label}" cannot be used in a filter`);
  }
}

// RFC 7644 §3.4.2.2: "If the specified attribute in a filter expression is a multi-valued
// attribute, the filter matches if any of the values of the specified attribute match". A
// comparison on a complex attribute itself (`emails eq "a@x"`) reads its `value` sub-attribute;
// without one there is nothing to compare ("a fully qualified sub-attribute MUST be specified").
function comparable(target: ResolvedAttribute, label: string): ResolvedAttribute {
  if (target.subAttribute || target.attribute.type !== 'complex') return target;
  const value = target.attribute.subAttributes.find((sub) => sub.name === 'value');
  if (!value) throw new ScimFilterError(`"${label}" is complex: compare one of its sub-attributes, e.g. ${label}.${target.attribute.subAttributes[0]?.name ?? 'value'}`);
  return { ...target, subAttribute: value };
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))?$/i;

/** Checks xsd:dateTime strictly enough that PostgreSQL can never reject what passes. */
function dateTimeOperand(text: string, label: string): Operand {
  const match = ISO_DATE_TIME.exec(text);
  const fail = () => new ScimFilterError(`"${label}" is a dateTime: ${JSON.stringify(text)} is not an ISO 8601 date-time such as "2024-05-01T12:00:00Z"`);
  if (!match) throw fail();
  const [, y, mo, d, h, mi, s, , zone, zh, zm] = match;
  const year = Number(y), month = Number(mo), day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth) throw fail();
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) throw fail();
  if (zh !== undefined && (Number(zh) > 14 || Number(zm) > 59)) throw fail();
  // No zone: read it as UTC rather than the database session's zone.
  return { type: 'dateTime', value: zone ? text : `${text}Z` };
}

function coerce(literal: Literal, attribute: AttributeMeta, label: string, op: CompareOp): Operand {
  const found = literal.type === 'string' ? JSON.stringify(literal.value) : literal.type === 'number' ? literal.raw : literal.type === 'null' ? 'null' : String(literal.value);
  const mismatch = (expected: string) => new ScimFilterError(`"${label}" is ${expected}: cannot compare it with ${found} using "${op}"`);
  switch (attribute.type) {
    case 'string':
    case 'reference':
    case 'binary':
      // Bare words are strings (Entra: `externalId eq jyoung`), and so are bare numbers and
      // booleans given to a string attribute (`externalId eq 12345`): compare their spelling.
      if (literal.type === 'string') return { type: 'string', value: literal.value };
      if (literal.type === 'number') return { type: 'string', value: literal.raw };
      if (literal.type === 'boolean') return { type: 'string', value: String(literal.value) };
      throw mismatch('a string');
    case 'boolean':
      if (literal.type === 'boolean') return { type: 'boolean', value: literal.value };
      // Entra sends booleans as strings ("True", "False").
      if (literal.type === 'string' && /^(true|false)$/i.test(literal.value)) return { type: 'boolean', value: literal.value.toLowerCase() === 'true' };
      throw mismatch('a boolean (true or false)');
    case 'integer':
    case 'decimal': {
      const number = literal.type === 'number' ? literal.value : literal.type === 'string' && /^-?\d+(\.\d+)?$/.test(literal.value) ? Number(literal.value) : undefined;
      if (number === undefined || !Number.isFinite(number) || (attribute.type === 'integer' && !Number.isInteger(number))) {
        throw mismatch(attribute.type === 'integer' ? 'an integer' : 'a number');
      }
      return { type: 'number', value: number };
    }
    case 'dateTime':
      if (literal.type !== 'string') throw mismatch('a dateTime');
      return dateTimeOperand(literal.value, label);
    case 'complex':
      throw mismatch('complex');
  }
}

function checkCompare(node: CompareNode, target: ResolvedAttribute, label: string): CheckedFilter {
  checkReadable(target, label);
  if (node.value.type === 'null') {
    // `attr eq null` asks whether the attribute is absent; `attr ne null` whether it is present.
    if (node.op === 'eq') return { kind: 'not', filter: { kind: 'present', target } };
    if (node.op === 'ne') return { kind: 'present', target };
    throw new ScimFilterError(`"${node.op}" cannot compare "${label}" with null (only eq and ne can)`);
  }
  const compared = comparable(target, label);
  const attribute = leafOf(compared);
  // RFC 7644 Table 3 (gt, ge, lt, le): "Boolean and Binary attributes SHALL cause a failed
  // response (HTTP status code 400) with "scimType" of "invalidFilter"."
  if (ORDERING.includes(node.op) && (attribute.type === 'boolean' || attribute.type === 'binary')) {
    throw new ScimFilterError(`"${node.op}" cannot be used on the ${attribute.type} attribute "${label}"`);
  }
  // co/sw/ew are substring tests; on a boolean, number or date they have no meaning.
  if (SUBSTRING.includes(node.op) && !['string', 'reference', 'binary'].includes(attribute.type)) {
    throw new ScimFilterError(`"${node.op}" cannot be used on the ${attribute.type} attribute "${label}"`);
  }
  return { kind: 'compare', target: compared, op: node.op, value: coerce(node.value, attribute, label, node.op) };
}

function checkPresent(_node: PresentNode, target: ResolvedAttribute, label: string): CheckedFilter {
  checkReadable(target, label);
  return { kind: 'present', target };
}

function check(type: ResourceType, node: FilterNode, parent?: ResolvedAttribute): CheckedFilter {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, filters: node.filters.map((filter) => check(type, filter, parent)) };
    case 'not':
      return { kind: 'not', filter: check(type, node.filter, parent) };
    case 'compare':
    case 'present': {
      const target = parent ? resolveInside(parent, node.path) : resolve(type, node.path);
      const label = parent ? `${parent.attribute.name}.${leafOf(target).name}` : node.path.text;
      return node.kind === 'compare' ? checkCompare(node, target, label) : checkPresent(node, target, label);
    }
    case 'valuePath': {
      const target = resolve(type, node.path);
      if (target.attribute.type !== 'complex') {
        throw new ScimFilterError(`"${node.path.text}" is not a complex attribute: "[…]" filters apply to complex attributes such as emails`);
      }
      checkReadable(target, node.path.text);
      const inner = check(type, node.filter, target);
      // `emails[type eq "work"].value eq "x"`: the trailing comparison is one more condition on
      // the same element.
      const filter = node.then ? { kind: 'and' as const, filters: [inner, check(type, node.then, target)] } : inner;
      return { kind: 'valuePath', target, filter };
    }
  }
}

/** Resolves and type-checks a parsed filter for a resource type; throws ScimFilterError. */
export function validateFilter(type: ResourceType, node: FilterNode): CheckedFilter {
  return check(type, node);
}
