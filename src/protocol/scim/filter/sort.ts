// sortBy (RFC 7644 §3.4.2.3) → an orderable SQL expression on `members` / `groups`.
//
// "If the "sortBy" attribute corresponds to a singular attribute, resources are sorted according
// to that attribute's value; if it's a multi-valued attribute, resources are sorted by the value
// of the primary attribute (see Section 2.4 of [RFC7643]), if any, or else the first value in the
// list, if any." Missing data yields NULL, and PostgreSQL's default NULL placement is what the
// RFC asks: "they are ordered last if ascending and first if descending."
import { sql, type RawBuilder } from 'kysely';
import { resolveAttributePath, type ResolvedAttribute, type ResourceType } from '../attributes.js';
import { jsonText, jsonValue, leafOf, scopeOf, type Leaf } from './columns.js';
import { ScimFilterError, ScimSortError } from './errors.js';

// "String type attributes are case insensitive by default, unless the attribute type is defined
// as a case-exact string."
function sortValue(leaf: Leaf): RawBuilder<unknown> {
  const text = leaf.meta.type === 'string' || leaf.meta.type === 'reference';
  if (leaf.kind === 'const') return sql`${sql.lit(leaf.value)}`;
  if (leaf.kind === 'column') return text && !leaf.meta.caseExact && !leaf.uuid ? sql`lower(${leaf.expr})` : leaf.expr;
  const value = jsonValue(leaf);
  if (text || leaf.meta.type === 'binary') {
    const read = leaf.meta.caseExact ? jsonText(leaf) : sql`lower(${jsonText(leaf)})`;
    return sql`(case when jsonb_typeof(${value}) = 'string' then ${read} end)`;
  }
  if (leaf.meta.type === 'boolean' || leaf.meta.type === 'integer' || leaf.meta.type === 'decimal') {
    // jsonb orders booleans and numbers naturally within one JSON type.
    const json = leaf.meta.type === 'boolean' ? 'boolean' : 'number';
    return sql`(case when jsonb_typeof(${value}) = ${sql.lit(json)} then ${value} end)`;
  }
  throw new ScimSortError(`sorting by the ${leaf.meta.type} attribute "${leaf.meta.name}" is not supported`);
}

function sortExpression(type: ResourceType, target: ResolvedAttribute, sortBy: string): RawBuilder<unknown> {
  const { attribute } = target;
  if (attribute.returned === 'never' || target.subAttribute?.returned === 'never') throw new ScimSortError(`cannot sort by "${sortBy}"`);
  if (attribute.type !== 'complex') return sortValue(leafOf(type, target));
  // A multi-valued attribute named alone (`emails`) sorts by its `value`.
  const sub = target.subAttribute ?? (attribute.multiValued ? attribute.subAttributes.find((s) => s.name === 'value') : undefined);
  if (!sub) throw new ScimSortError(`"${sortBy}" is complex: sort by one of its sub-attributes, e.g. ${attribute.name}.${attribute.subAttributes[0]?.name ?? 'value'}`);
  const values = scopeOf(type, target);
  if (!attribute.multiValued) return sortValue(values.leaf(sub));
  if (!values.array) throw new ScimSortError(`sorting by "${sortBy}" is not supported`);
  return sql`(select ${sortValue(values.leaf(sub))} from jsonb_array_elements(${values.array}) with ordinality as e(value, n) order by case when lower(e.value ->> 'primary') = 'true' then 0 else 1 end, e.n limit 1)`;
}

/** The expression to order `type`'s table by for `sortBy`; throws ScimSortError (400
 *  invalidValue) for an unknown or unsortable attribute. */
export function sortExpressionFor(type: ResourceType, sortBy: string): RawBuilder<unknown> {
  const target = resolveAttributePath(type, sortBy.trim());
  if (!target) throw new ScimSortError(`unknown sortBy attribute "${sortBy}" for resource type ${type}`);
  try {
    return sortExpression(type, target, sortBy);
  } catch (error) {
    // The storage map speaks in filter errors; for sortBy they are sort errors.
    if (error instanceof ScimFilterError) throw new ScimSortError(error.message.replace('filtering on', 'sorting by'));
    throw error;
  }
}
