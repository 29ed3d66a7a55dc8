// Step 3 of 3: checked tree → SQL boolean expression (PostgreSQL), values always bound.
//
// Every condition compiled here is two-valued — true or false, never NULL — so that `not (…)`
// and `ne` stay right when an attribute is absent: SQL's `not (NULL)` is NULL and would drop the
// row, while for SCIM an absent attribute simply does not equal anything ("ne" matches it).
// Stored JSON of an unexpected type never reaches a cast: each read is guarded by jsonb_typeof
// or compares jsonb values (which never raise), so no filter can make the query fail.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { ResourceType } from '../attributes.js';
import type { CompareOp } from './ast.js';
import { FALSE, TRUE, jsonPresent, jsonText, jsonValue, leafOf, scopeOf, type Bool, type Leaf, type Scope } from './columns.js';
import { ScimFilterError } from './errors.js';
import { emailsCondition } from './email-keys.js';
import type { CheckedCompare, CheckedFilter, CheckedPresent, Operand } from './validate.js';

const SQL_OPERATORS: Record<'eq' | 'gt' | 'ge' | 'lt' | 'le', string> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };

/** The SQL operator of a non-substring comparison (the validator keeps co/sw/ew to strings). */
function operator(op: Exclude<CompareOp, 'ne'>): RawBuilder<unknown> {
  if (op === 'co' || op === 'sw' || op === 'ew') throw new Error(`"${op}" reached a non-string comparison`);
  return sql.raw(SQL_OPERATORS[op]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** LIKE pattern for co/sw/ew: the client's %, _ and \ are literal characters. */
export function likePattern(op: 'co' | 'sw' | 'ew', value: string): string {
  const escaped = value.replace(/[\\%_]/g, (c) => `\\${c}`);
  return op === 'sw' ? `${escaped}%` : op === 'ew' ? `%${escaped}` : `%${escaped}%`;
}

// RFC 7644 §3.4.2.2: "the case sensitivity for String type attributes SHALL be determined by the
// attribute's "caseExact" characteristic" — lower() on both sides when it is false (which is
// also the expression the (org_id, lower(user_name)) index is built on).
function compareText(text: RawBuilder<unknown>, op: Exclude<CompareOp, 'ne'>, value: string, caseExact: boolean): Bool {
  const side = (expr: RawBuilder<unknown>) => (caseExact ? expr : sql`lower(${expr})`);
  if (op === 'co' || op === 'sw' || op === 'ew') return sql<SqlBool>`${side(text)} like ${side(sql`${likePattern(op, value)}`)}`;
  return sql<SqlBool>`${side(text)} ${operator(op)} ${side(sql`${value}`)}`;
}

function compareConst(actual: string, op: Exclude<CompareOp, 'ne'>, operand: Operand, caseExact: boolean): Bool {
  if (operand.type !== 'string') return FALSE;
  const a = caseExact ? actual : actual.toLowerCase();
  const b = caseExact ? operand.value : operand.value.toLowerCase();
  const result = { eq: a === b, co: a.includes(b), sw: a.startsWith(b), ew: a.endsWith(b), gt: a > b, ge: a >= b, lt: a < b, le: a <= b }[op];
  return result ? TRUE : FALSE;
}

function compareColumn(leaf: Extract<Leaf, { kind: 'column' }>, op: Exclude<CompareOp, 'ne'>, operand: Operand): Bool {
  const { expr } = leaf;
  let condition: Bool;
  if (leaf.uuid && operand.type === 'string') {
    // `id eq "not-a-uuid"` matches nothing rather than failing the uuid cast; a real UUID is
    // compared as a uuid so the primary key serves the lookup.
    if (op === 'eq') return UUID.test(operand.value) ? sql<SqlBool>`${expr} = cast(${operand.value.toLowerCase()} as uuid)` : FALSE;
    return compareText(sql`cast(${expr} as text)`, op, operand.value, false);
  }
  switch (operand.type) {
    case 'string': condition = compareText(expr, op, operand.value, leaf.meta.caseExact); break;
    case 'dateTime': condition = sql<SqlBool>`${expr} ${operator(op)} cast(${operand.value} as timestamptz)`; break;
    default: condition = sql<SqlBool>`${expr} ${operator(op)} ${operand.value}`;
  }
  return leaf.nullable ? sql<SqlBool>`(${expr} is not null and ${condition})` : condition;
}

function compareJson(leaf: Extract<Leaf, { kind: 'json' }>, op: Exclude<CompareOp, 'ne'>, operand: Operand): Bool {
  const value = jsonValue(leaf);
  switch (operand.type) {
    case 'string': {
      // The comparison stands outside the coalesce, so that an expression index such as
      // lower(attributes -> 'name' ->> 'familyName') can serve it (migration 0004).
      // Never NULL: an absent attribute makes the comparison NULL and the type test false.
      const text = compareText(jsonText(leaf), op, operand.value, leaf.meta.caseExact);
      return sql<SqlBool>`(${text} and coalesce(jsonb_typeof(${value}) = 'string', false))`;
    }
    case 'boolean':
      // Stored booleans may be JSON booleans or Entra's strings "True"/"False".
      return sql<SqlBool>`coalesce(jsonb_typeof(${value}) in ('boolean', 'string') and lower(${jsonText(leaf)}) = ${String(operand.value)}, false)`;
    case 'number':
      // jsonb comparison orders numbers numerically and never raises, whatever is stored.
      return sql<SqlBool>`coalesce(jsonb_typeof(${value}) = 'number' and ${value} ${operator(op)} cast(${JSON.stringify(operand.value)} as jsonb), false)`;
    case 'dateTime':
      throw new ScimFilterError(`filtering on the dateTime attribute "${leaf.key}" is not supported`);
  }
}

function compareLeaf(leaf: Leaf, op: Exclude<CompareOp, 'ne'>, operand: Operand): Bool {
  if (leaf.kind === 'const') return compareConst(leaf.value, op, operand, leaf.meta.caseExact);
  return leaf.kind === 'column' ? compareColumn(leaf, op, operand) : compareJson(leaf, op, operand);
}

function presentLeaf(leaf: Leaf): Bool {
  if (leaf.kind === 'json') return jsonPresent(jsonValue(leaf));
  if (leaf.kind === 'const' || leaf.uuid) return TRUE;
  const text = leaf.meta.type === 'string' || leaf.meta.type === 'reference';
  if (leaf.nullable) return text ? sql<SqlBool>`(${leaf.expr} is not null and ${leaf.expr} <> '')` : sql<SqlBool>`(${leaf.expr} is not null)`;
  return text ? sql<SqlBool>`(${leaf.expr} <> '')` : TRUE;
}

class Compiler {
  constructor(private readonly type: ResourceType) {}

  compile(node: CheckedFilter, scope?: Scope): Bool {
    switch (node.kind) {
      case 'and':
      case 'or':
        return sql<SqlBool>`(${sql.join(node.filters.map((filter) => this.compile(filter, scope)), sql.raw(` ${node.kind} `))})`;
      case 'not': {
        const inner = this.compile(node.filter, scope);
        // and/or already come parenthesized.
        return node.filter.kind === 'and' || node.filter.kind === 'or' ? sql<SqlBool>`not ${inner}` : sql<SqlBool>`not (${inner})`;
      }
      case 'valuePath': {
        // RFC 7644 Table 5, "[ ]": "expressions MUST be applied to the same value of a parent
        // attribute" — one EXISTS over the values, with every condition inside it.
        const inner = scopeOf(this.type, node.target);
        return emailsCondition(this.type, node.target.schema, node.target.attribute.name, node.filter, inner.any(this.compile(node.filter, inner)));
      }
      case 'present':
      case 'compare':
        // "ne" is the negation of "eq": an absent attribute is "not equal", and on a multi-valued
        // attribute `emails.value ne "x"` means no value equals "x" (the RFC leaves it open).
        if (node.kind === 'compare' && node.op === 'ne') return sql<SqlBool>`not (${this.compile({ ...node, op: 'eq' }, scope)})`;
        return this.attributeCondition(node, scope);
    }
  }

  private attributeCondition(node: CheckedCompare | CheckedPresent, scope: Scope | undefined): Bool {
    const test = (leaf: Leaf) => (node.kind === 'present' ? presentLeaf(leaf) : compareLeaf(leaf, node.op as Exclude<CompareOp, 'ne'>, node.value));
    const { target } = node;
    if (scope) {
      if (!target.subAttribute) throw new Error('a condition inside a value filter names no sub-attribute');
      return test(scope.leaf(target.subAttribute));
    }
    if (target.subAttribute) {
      const values = scopeOf(this.type, target);
      return emailsCondition(this.type, target.schema, target.attribute.name, node, values.any(test(values.leaf(target.subAttribute))));
    }
    if (target.attribute.type === 'complex') {
      // Only `pr` reaches here: the validator turns comparisons on a complex attribute into
      // comparisons on its `value` sub-attribute.
      return scopeOf(this.type, target).present();
    }
    return test(leafOf(this.type, target));
  }
}

/** The SQL condition for a checked filter on `members` (User) or `groups` (Group). */
export function filterToSql(type: ResourceType, filter: CheckedFilter): Bool {
  return new Compiler(type).compile(filter);
}
