// Where each SCIM attribute lives in PostgreSQL (src/storage/migrations/0001_initial.ts): a few
// have their own column, `groups`/`members` are rows of group_members, and everything else sits
// in the `attributes` jsonb under its canonical name (extension attributes under their schema
// URN). Attribute names reach SQL only from this map and the catalog — never from the client.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { SEATGATE_USER_SCHEMA, type AttributeMeta, type ResolvedAttribute, type ResourceType } from '../attributes.js';
import { ScimFilterError } from './errors.js';

export type Bool = RawBuilder<SqlBool>;
export const TRUE: Bool = sql<SqlBool>`true`;
export const FALSE: Bool = sql<SqlBool>`false`;

/** How to read one simple (non-complex) attribute value. */
export type Leaf =
  | { kind: 'column'; expr: RawBuilder<unknown>; meta: AttributeMeta; nullable: boolean; uuid: boolean }
  | { kind: 'json'; container: RawBuilder<unknown>; key: string; meta: AttributeMeta }
  | { kind: 'const'; value: string; meta: AttributeMeta };

/** The values of a complex attribute: how to read a sub-attribute of one value, and how to ask
 *  whether any value satisfies a condition (RFC 7644 §3.4.2.2: "the filter matches if any of the
 *  values of the specified attribute match"). */
export interface Scope {
  leaf(sub: AttributeMeta): Leaf;
  any(condition: Bool): Bool;
  present(): Bool;
  /** The jsonb array behind a multi-valued attribute stored in `attributes` (for sorting). */
  array?: RawBuilder<unknown>;
}

export const TABLES = { User: 'members', Group: 'groups' } as const;
export type ResourceTables = typeof TABLES;

interface ColumnSpec { column: string; nullable?: boolean; uuid?: boolean }

// Keys: attribute path in canonical spelling, extension attributes prefixed with their URN.
const COLUMNS: Record<ResourceType, Record<string, ColumnSpec>> = {
  User: {
    id: { column: 'id', uuid: true },
    userName: { column: 'user_name' },
    externalId: { column: 'external_id', nullable: true },
    active: { column: 'active' },
    'meta.created': { column: 'created_at' },
    'meta.lastModified': { column: 'updated_at' },
    [`${SEATGATE_USER_SCHEMA}:seatType`]: { column: 'seat_type', nullable: true },
    [`${SEATGATE_USER_SCHEMA}:seatState`]: { column: 'seat_state' },
  },
  Group: {
    id: { column: 'id', uuid: true },
    displayName: { column: 'display_name' },
    externalId: { column: 'external_id', nullable: true },
    'meta.created': { column: 'created_at' },
    'meta.lastModified': { column: 'updated_at' },
  },
};

// Attributes the server computes when it renders a resource; there is nothing stored to compare.
const NOT_STORED = new Set(['meta.location', 'meta.version', `${SEATGATE_USER_SCHEMA}:seatReason`]);

export function keyOf(target: ResolvedAttribute): string {
  const name = target.subAttribute ? `${target.attribute.name}.${target.subAttribute.name}` : target.attribute.name;
  return target.extension ? `${target.schema}:${name}` : name;
}

const notFilterable = (label: string) => new ScimFilterError(`filtering on "${label}" is not supported`);

const column = (type: ResourceType, name: string) => sql.ref(`${TABLES[type]}.${name}`);

/** `attributes`, or `attributes -> '<schema URN>'` for an extension attribute. */
function containerOf(type: ResourceType, target: ResolvedAttribute): RawBuilder<unknown> {
  const attributes = column(type, 'attributes');
  return target.extension ? sql`${attributes} -> ${sql.lit(target.schema)}` : attributes;
}

// No parentheses needed: -> and ->> bind tighter than every comparison, IN, LIKE and IS.
export const jsonValue = (leaf: { container: RawBuilder<unknown>; key: string }) => sql`${leaf.container} -> ${sql.lit(leaf.key)}`;
export const jsonText = (leaf: { container: RawBuilder<unknown>; key: string }) => sql`${leaf.container} ->> ${sql.lit(leaf.key)}`;

/** RFC 7644 Table 3, pr: "If the attribute has a non-empty or non-null value, or if it contains a
 *  non-empty node for complex attributes, there is a match." */
export function jsonPresent(value: RawBuilder<unknown>): Bool {
  return sql<SqlBool>`coalesce(jsonb_typeof(${value}) <> 'null' and ${value} not in ('""'::jsonb, '[]'::jsonb, '{}'::jsonb), false)`;
}

/** A simple attribute at the top level of the resource, or a sub-attribute of a single-valued one. */
export function leafOf(type: ResourceType, target: ResolvedAttribute): Leaf {
  const key = keyOf(target);
  const meta = target.subAttribute ?? target.attribute;
  const spec = COLUMNS[type][key];
  if (spec) return { kind: 'column', expr: column(type, spec.column), meta, nullable: spec.nullable === true, uuid: spec.uuid === true };
  if (key === 'meta.resourceType') return { kind: 'const', value: type, meta };
  if (NOT_STORED.has(key)) throw notFilterable(key);
  if (!target.subAttribute) return { kind: 'json', container: containerOf(type, target), key: target.attribute.name, meta };
  return { kind: 'json', container: jsonValue({ container: containerOf(type, target), key: target.attribute.name }), key: target.subAttribute.name, meta };
}

const uuidColumn = (sub: AttributeMeta, expr: RawBuilder<unknown>): Leaf => ({ kind: 'column', expr, meta: sub, nullable: false, uuid: true });

/** The values of a complex attribute (`target.subAttribute` is ignored). */
export function scopeOf(type: ResourceType, target: ResolvedAttribute): Scope {
  const name = target.attribute.name;
  const label = keyOf({ ...target, subAttribute: undefined });
  if (!target.extension && type === 'Group' && name === 'members') {
    // Members are rows of group_members, not JSON: one EXISTS per condition set.
    return {
      leaf(sub) {
        if (sub.name === 'value') return uuidColumn(sub, sql`gm.member_id`);
        if (sub.name === 'type') return { kind: 'const', value: 'User', meta: sub };
        throw notFilterable(`members.${sub.name}`);
      },
      any: (condition) => sql<SqlBool>`exists (select 1 from group_members as gm where gm.org_id = ${column(type, 'org_id')} and gm.group_id = ${column(type, 'id')} and ${condition})`,
      present() { return this.any(TRUE); },
    };
  }
  if (!target.extension && type === 'User' && name === 'groups') {
    return {
      leaf(sub) {
        if (sub.name === 'value') return uuidColumn(sub, sql`gm.group_id`);
        if (sub.name === 'display') return { kind: 'column', expr: sql`g.display_name`, meta: sub, nullable: false, uuid: false };
        if (sub.name === 'type') return { kind: 'const', value: 'direct', meta: sub };
        throw notFilterable(`groups.${sub.name}`);
      },
      any: (condition) => sql<SqlBool>`exists (select 1 from group_members as gm join groups as g on g.org_id = gm.org_id and g.id = gm.group_id where gm.org_id = ${column(type, 'org_id')} and gm.member_id = ${column(type, 'id')} and ${condition})`,
      present() { return this.any(TRUE); },
    };
  }
  if (!target.extension && name === 'meta') {
    return { leaf: (sub) => leafOf(type, { ...target, subAttribute: sub }), any: (condition) => condition, present: () => TRUE };
  }
  if (NOT_STORED.has(label)) throw notFilterable(label);
  const value = jsonValue({ container: containerOf(type, target), key: name });
  if (!target.attribute.multiValued) {
    // A single-valued complex attribute (name, manager): its one value is the stored object.
    return {
      leaf: (sub) => ({ kind: 'json', container: value, key: sub.name, meta: sub }),
      any: (condition) => condition,
      present: () => jsonPresent(value),
    };
  }
  // jsonb_array_elements raises on a non-array, so anything else stored there reads as "no values".
  const array = sql`(case when jsonb_typeof(${value}) = 'array' then ${value} else '[]'::jsonb end)`;
  return {
    leaf: (sub) => ({ kind: 'json', container: sql`e.value`, key: sub.name, meta: sub }),
    any: (condition) => sql<SqlBool>`exists (select 1 from jsonb_array_elements(${array}) as e where ${condition})`,
    present: () => jsonPresent(value),
    array,
  };
}
