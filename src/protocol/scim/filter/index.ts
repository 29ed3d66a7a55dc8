// SCIM list filters and sorting, for the User and Group handlers:
//   db.selectFrom('members').selectAll().where('members.org_id', '=', orgId)
//     .where(compileFilter('User', filter)).orderBy(sortKey('User', sortBy), 'asc').orderBy('members.id')
// The expressions name the tables unaliased ("members"."user_name"), so select from them
// without an alias. Both functions check everything eagerly and throw before any query runs.
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Database } from '../../../storage/schema.js';
import type { ResourceType } from '../attributes.js';
import { keyOf, leafOf, type ResourceTables } from './columns.js';
import { parseFilter } from './parse.js';
import { sortExpressionFor } from './sort.js';
import { filterToSql } from './sql.js';
import { validateFilter, type CheckedFilter } from './validate.js';

export type { FilterNode, AttrPath, CompareOp, Literal } from './ast.js';
export type { CheckedFilter, Operand } from './validate.js';
export { ScimFilterError, ScimSortError } from './errors.js';
export { parseFilter } from './parse.js';
export { validateFilter } from './validate.js';
export { filterToSql, likePattern } from './sql.js';

/** A where-condition usable only in a query that has the resource type's table in scope. */
export type FilterCondition<T extends ResourceType> = (eb: ExpressionBuilder<Database, ResourceTables[T]>) => Expression<SqlBool>;
/** An order-by expression usable only in a query that has the resource type's table in scope. */
export type SortKey<T extends ResourceType> = (eb: ExpressionBuilder<Database, ResourceTables[T]>) => Expression<unknown>;

/**
 * A filter whose SQL is the same for every value of its one string literal (`userName eq "…"`,
 * what IdPs send most): `key` names the shape, `condition(v)` is the filter with `v` in place of
 * `value`. Storage compiles such a statement once (src/storage/statement-templates.ts).
 */
export interface FilterTemplate<T extends ResourceType> {
  key: string;
  value: string;
  condition(value: string): FilterCondition<T>;
}

/** A compiled filter, and whether it can match at most one resource (an IdP's lookup). */
export type CompiledFilter<T extends ResourceType> = FilterCondition<T> & { atMostOne: boolean; template?: FilterTemplate<T> };

/**
 * Compiled filters by resource type and text: an IdP sends the same few filters again and again
 * (a list page's `active eq true`), and the same object back lets storage keep the page's
 * statement compiled for it (statement-templates.ts fromOwnedTemplate, decision 0034). A compiled
 * filter holds no request state. Bounded: when full it starts again (what it held is rebuilt);
 * a long filter is compiled each time, never held.
 */
const compiled = new Map<string, CompiledFilter<ResourceType>>();
const MAX_COMPILED = 512;
const MAX_HELD_LENGTH = 1024;

/** parse → validate → translate. Throws ScimFilterError (400 invalidFilter) for any filter that
 *  is malformed, names an unknown attribute or compares a value of the wrong type. */
export function compileFilter<T extends ResourceType>(type: T, filter: string): CompiledFilter<T> {
  const lookup = filter.length <= MAX_SHAPE_LENGTH ? PLAIN_COMPARISON.exec(filter) : null;
  if (lookup) {
    const shape = `${type} ${lookup[1]} ${lookup[2]}`;
    const value = lookup[3]!;
    const first = lookupShapes.get(shape);
    if (first) return withValue(first, value) as CompiledFilter<T>;
    if (first === undefined) {
      const made = compileAnew(type, filter); // throws as it would below
      if (lookupShapes.size >= MAX_SHAPES) lookupShapes.clear();
      const fits = made.atMostOne && made.template !== undefined && made.template.value === value;
      lookupShapes.set(shape, fits ? made as CompiledFilter<ResourceType> : null);
      if (fits) return made;
    }
  }
  const key = `${type} ${filter}`;
  const known = compiled.get(key);
  if (known) return known as CompiledFilter<T>;
  const made = compileAnew(type, filter);
  if (filter.length > MAX_HELD_LENGTH) return made;
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(key, made as CompiledFilter<ResourceType>);
  return made;
}

/**
 * An IdP's lookup, `userName eq "…"`: a word, a word and a string with no escape, quote or control
 * character (its JSON value is its text), separated by spaces. Every such filter of one shape
 * (type, attribute and operator as written) parses and validates alike: only the string differs,
 * and a string compared with a string attribute is taken as it is (validate.ts coerce). So the
 * shape is compiled once, from its first filter, and each lookup puts its value in place, without
 * the parse and validation (about 2–3 % of a lookup's server CPU) and without filling the cache by
 * text above with filters that never come back (each a different user). Held only for shapes
 * that compile to a template matching at most one resource; any other shape (and a filter that
 * fails) goes through the cache by text as before.
 */
const PLAIN_COMPARISON = /^ *([^\s()[\]"]+) +([^\s()[\]"]+) +"([^"\\\u0000-\u001f]*)" *$/;
const lookupShapes = new Map<string, CompiledFilter<ResourceType> | null>();
const MAX_SHAPES = 64;
const MAX_SHAPE_LENGTH = 1024;

/** For tests: how many filters are held by text, and how many lookup shapes. */
export function heldFilters(): { byText: number; shapes: number } {
  return { byText: compiled.size, shapes: lookupShapes.size };
}

/** `first` (a templated lookup) with `value` in place of its string. */
function withValue<T extends ResourceType>(first: CompiledFilter<T>, value: string): CompiledFilter<T> {
  const template = first.template!;
  let lazy: FilterCondition<T> | undefined;
  const condition: FilterCondition<T> = (eb) => (lazy ??= template.condition(value))(eb);
  return Object.assign(condition, { atMostOne: first.atMostOne, template: { key: template.key, value, condition: template.condition } });
}

function compileAnew<T extends ResourceType>(type: T, filter: string): CompiledFilter<T> {
  const checked = validateFilter(type, parseFilter(filter));
  const template = templateOf(type, checked);
  if (template) {
    // A templated shape (a column `eq` a string) cannot fail to translate: built when a query
    // other than the template's asks for it.
    let lazy: ReturnType<typeof filterToSql> | undefined;
    return Object.assign(() => (lazy ??= filterToSql(type, checked)), { atMostOne: atMostOne(type, checked), template });
  }
  const condition = filterToSql(type, checked);
  return Object.assign(() => condition, { atMostOne: atMostOne(type, checked) });
}

/**
 * `eq` with a string on an attribute with its own text column (userName, externalId, a group's
 * displayName): the value goes into SQL as one bound parameter, untouched. Storage checks that
 * again when it builds the template, and compiles every time when it does not hold.
 */
function templateOf<T extends ResourceType>(type: T, checked: CheckedFilter): FilterTemplate<T> | undefined {
  if (checked.kind !== 'compare' || checked.op !== 'eq' || checked.value.type !== 'string') return undefined;
  const leaf = leafOf(type, checked.target);
  if (leaf.kind !== 'column' || leaf.uuid) return undefined;
  return {
    key: `${type} ${keyOf(checked.target)} eq`,
    value: checked.value.value,
    condition: (value) => {
      const sqlCondition = filterToSql(type, { ...checked, value: { type: 'string', value } });
      return () => sqlCondition;
    },
  };
}

/** The attributes kept unique per organization by the database (see the unique indexes);
 *  externalId is not one (RFC 7643 §3.1, migration 0009). */
const UNIQUE: Record<ResourceType, readonly string[]> = { User: ['id', 'userName'], Group: ['id', 'displayName'] };

/** `eq` on a unique attribute, alone or and-ed with other conditions. */
function atMostOne(type: ResourceType, filter: CheckedFilter): boolean {
  if (filter.kind === 'and') return filter.filters.some((part) => atMostOne(type, part));
  return filter.kind === 'compare' && filter.op === 'eq' && !filter.target.extension && !filter.target.subAttribute
    && UNIQUE[type].includes(filter.target.attribute.name);
}

/** Throws ScimSortError (400 invalidValue) for an unknown or unsortable sortBy. */
export function sortKey<T extends ResourceType>(type: T, sortBy: string): SortKey<T> {
  const expression = sortExpressionFor(type, sortBy);
  return () => expression;
}
