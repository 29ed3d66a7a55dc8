// SCIM list filters and sorting, for the User and Group handlers:
//   db.selectFrom('members').selectAll().where('members.org_id', '=', orgId)
//     .where(compileFilter('User', filter)).orderBy(sortKey('User', sortBy), 'asc').orderBy('members.id')
// The expressions name the tables unaliased ("members"."user_name"), so select from them
// without an alias. Both functions check everything eagerly and throw before any query runs.
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Database } from '../../../storage/schema.js';
import type { ResourceType } from '../attributes.js';
import type { ResourceTables } from './columns.js';
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

/** A compiled filter, and whether it can match at most one resource (an IdP's lookup). */
export type CompiledFilter<T extends ResourceType> = FilterCondition<T> & { atMostOne: boolean };

/** parse → validate → translate. Throws ScimFilterError (400 invalidFilter) for any filter that
 *  is malformed, names an unknown attribute or compares a value of the wrong type. */
export function compileFilter<T extends ResourceType>(type: T, filter: string): CompiledFilter<T> {
  const checked = validateFilter(type, parseFilter(filter));
  const condition = filterToSql(type, checked);
  return Object.assign(() => condition, { atMostOne: atMostOne(type, checked) });
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
