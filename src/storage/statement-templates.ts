// Statements compiled by Kysely once per shape, not once per request (issue 14, decision 0023).
// Building and compiling a query (frozen operation nodes, then a visitor over them) was about a
// tenth of the server's CPU for an IdP's `userName eq` lookup, whose SQL text is the same every
// time: only its parameters change.
//
// A template is built once with placeholder values, each a string no request can carry (it holds
// NUL, which the input checks refuse and PostgreSQL cannot store); each placeholder must then
// appear at least once, as itself, among the compiled parameters (a value used in several places
// of a statement, such as the organization, fills each of them), and nowhere in the SQL text. A
// shape where that does not hold (a value transformed on its way into SQL, or one that changes
// the SQL) is never templated: it is built and compiled every time, as before.
import { createQueryId, type Compilable, type CompiledQuery } from 'kysely';

const placeholder = (index: number) => `\u0000seatgate-slot-${index}\u0000`;

type Template = { query: CompiledQuery; slots: number[][] } | null;

const MAX_TEMPLATES = 256;
const templates = new Map<string, Template>();

/**
 * The compiled statement of shape `key` with `values` in its slots: `build(slot)` makes the
 * query, using `slot(i)` wherever `values[i]` goes; it is called once per key (or every time for a
 * shape that cannot be templated). `key` must name everything but the values that decides the SQL.
 */
export function fromTemplate(key: string, values: readonly unknown[], build: (slot: (index: number) => never) => Compilable): CompiledQuery {
  return fromTemplateIn(templates, MAX_TEMPLATES, key, values, build);
}

/**
 * Templates of statements built around `owner` (a compiled filter, which protocol/scim/filter
 * keeps per filter text): `key` names the rest of the shape, and the owner's own values are part
 * of the template. Held as long as the owner lives, so that filters with values in them (`active
 * eq true`) are compiled once without their texts filling the shared keys above.
 */
export function fromOwnedTemplate(
  owner: object, key: string, values: readonly unknown[], build: (slot: (index: number) => never) => Compilable,
): CompiledQuery {
  let store = owned.get(owner);
  if (store === undefined) owned.set(owner, store = new Map());
  return fromTemplateIn(store, MAX_OWNED_TEMPLATES, key, values, build);
}

const owned = new WeakMap<object, Map<string, Template>>();
const MAX_OWNED_TEMPLATES = 32;

function fromTemplateIn(
  store: Map<string, Template>, max: number, key: string, values: readonly unknown[], build: (slot: (index: number) => never) => Compilable,
): CompiledQuery {
  let template = store.get(key);
  if (template === undefined) {
    template = makeTemplate(build(placeholder as (index: number) => never).compile(), values.length);
    // Keys are shapes (few); the bound only guards against a caller that puts a value in a key.
    if (store.size < max) store.set(key, template);
  }
  if (template === null) return build(((index: number) => values[index]) as (index: number) => never).compile();
  const parameters = template.query.parameters.slice();
  for (let i = 0; i < values.length; i += 1) for (const at of template.slots[i]!) parameters[at] = values[i];
  return { query: template.query.query, queryId: createQueryId(), sql: template.query.sql, parameters };
}

function makeTemplate(query: CompiledQuery, count: number): Template {
  const slots: number[][] = [];
  for (let i = 0; i < count; i += 1) {
    const marker = placeholder(i);
    const at: number[] = [];
    query.parameters.forEach((p, index) => { if (p === marker) at.push(index); });
    if (at.length === 0 || query.sql.includes(marker)) return null;
    slots.push(at);
  }
  // Any other parameter holding a placeholder (inside a transformed value) would be left behind.
  if (query.parameters.some((p, i) => typeof p === 'string' && p.includes('\u0000seatgate-slot-') && !slots.some((s) => s.includes(i)))) return null;
  return { query, slots };
}

/** For tests: whether `key` is held as a template (true), known not to be one (false), or unseen. */
export function templateState(key: string): boolean | undefined {
  const template = templates.get(key);
  return template === undefined ? undefined : template !== null;
}
