// Statements compiled by Kysely once per shape, not once per request (issue 14, decision 0023).
// Building and compiling a query (frozen operation nodes, then a visitor over them) was about a
// tenth of the server's CPU for an IdP's `userName eq` lookup, whose SQL text is the same every
// time: only its parameters change.
//
// A template is built once with placeholder values, each a string no request can carry (it holds
// NUL, which the input checks refuse and PostgreSQL cannot store); each placeholder must then
// appear exactly once, as itself, among the compiled parameters, and nowhere in the SQL text. A
// shape where that does not hold (a value transformed on its way into SQL, or one that changes
// the SQL) is never templated: it is built and compiled every time, as before.
import { createQueryId, type Compilable, type CompiledQuery } from 'kysely';

const placeholder = (index: number) => `\u0000seatgate-slot-${index}\u0000`;

type Template = { query: CompiledQuery; slots: number[] } | null;

const MAX_TEMPLATES = 256;
const templates = new Map<string, Template>();

/**
 * The compiled statement of shape `key` with `values` in its slots: `build(slot)` makes the
 * query, using `slot(i)` wherever `values[i]` goes; it is called once per key (or every time for a
 * shape that cannot be templated). `key` must name everything but the values that decides the SQL.
 */
export function fromTemplate(key: string, values: readonly unknown[], build: (slot: (index: number) => never) => Compilable): CompiledQuery {
  let template = templates.get(key);
  if (template === undefined) {
    template = makeTemplate(build(placeholder as (index: number) => never).compile(), values.length);
    // Keys are shapes (few); the bound only guards against a caller that puts a value in a key.
    if (templates.size < MAX_TEMPLATES) templates.set(key, template);
  }
  if (template === null) return build(((index: number) => values[index]) as (index: number) => never).compile();
  const parameters = template.query.parameters.slice();
  for (let i = 0; i < values.length; i += 1) parameters[template.slots[i]!] = values[i];
  return { query: template.query.query, queryId: createQueryId(), sql: template.query.sql, parameters };
}

function makeTemplate(query: CompiledQuery, count: number): Template {
  const slots: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const marker = placeholder(i);
    const at = query.parameters.indexOf(marker);
    if (at < 0 || query.parameters.indexOf(marker, at + 1) >= 0 || query.sql.includes(marker)) return null;
    slots.push(at);
  }
  // Any other parameter holding a placeholder (inside a transformed value) would be left behind.
  if (query.parameters.some((p, i) => typeof p === 'string' && p.includes('\u0000seatgate-slot-') && !slots.includes(i))) return null;
  return { query, slots };
}

/** For tests: whether `key` is held as a template (true), known not to be one (false), or unseen. */
export function templateState(key: string): boolean | undefined {
  const template = templates.get(key);
  return template === undefined ? undefined : template !== null;
}
