// Step 1 of 3: text → syntax tree. A small recursive-descent parser of RFC 7644 §3.4.2.2
// Figure 1, written here rather than taken from scimmy (see docs/decisions/0002).
//
// "Filters MUST be evaluated using the following order of operations, in order of precedence:
//  1. Grouping operators 2. Logical operators - where "not" takes precedence over "and", which
//  takes precedence over "or" 3. Attribute operators" — hence parseOr → parseAnd → parseUnary.
import { COMPARE_OPS, type AttrPath, type CompareNode, type CompareOp, type FilterNode, type Literal, type PresentNode } from './ast.js';
import { ScimFilterError } from './errors.js';

type Token =
  | { kind: '(' | ')' | '[' | ']'; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'word'; text: string; at: number };

// A word runs to the next space, bracket, parenthesis or quote. Attribute paths (with the URN's
// colons and dots), operators, keywords and Entra's unquoted values are all words; their meaning
// depends on where they stand, which the parser knows and the lexer does not.
const WORD_END = /[\s()[\]"]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')' || c === '[' || c === ']') { tokens.push({ kind: c, at: i }); i++; continue; }
    if (c === '"') { const end = scanString(text, i); tokens.push({ kind: 'string', value: decodeString(text.slice(i, end), i), at: i }); i = end; continue; }
    const start = i;
    while (i < text.length && !WORD_END.test(text[i] as string)) i++;
    tokens.push({ kind: 'word', text: text.slice(start, i), at: start });
  }
  return tokens;
}

/** Returns the offset just past the closing quote of the string opened at `start`. */
function scanString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === '\\') { i += 2; continue; }
    if (text[i] === '"') return i + 1;
    i++;
  }
  throw new ScimFilterError(`unterminated string starting at position ${start}`, start);
}

// compValue strings are JSON strings (RFC 7159), escapes included: JSON.parse is the reference.
function decodeString(literal: string, at: number): string {
  let value: string;
  try {
    value = JSON.parse(literal) as string;
  } catch {
    throw new ScimFilterError(`invalid string ${literal} at position ${at} (it must be a JSON string)`, at);
  }
  // PostgreSQL text cannot hold NUL: refuse it here rather than fail the query.
  if (value.includes('\u0000')) throw new ScimFilterError(`the string at position ${at} contains a NUL character`, at);
  return value;
}

const NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;
const URN = /^urn:[A-Za-z0-9()+,\-.:=@;$_!*'%/?#]+$/i;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const MAX_DEPTH = 50;

function describe(token: Token | undefined): string {
  if (!token) return 'the end of the filter';
  if (token.kind === 'word') return `"${token.text}" at position ${token.at}`;
  if (token.kind === 'string') return `the string ${JSON.stringify(token.value)} at position ${token.at}`;
  return `"${token.kind}" at position ${token.at}`;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.parseOr(false);
    const extra = this.peek();
    if (extra) throw this.error(`expected "and", "or" or the end of the filter, found ${describe(extra)}`, extra);
    return node;
  }

  private peek(): Token | undefined { return this.tokens[this.index]; }

  private error(message: string, token: Token | undefined): ScimFilterError {
    return new ScimFilterError(message, token?.at);
  }

  private keyword(token: Token | undefined, word: string): boolean {
    return token?.kind === 'word' && token.text.toLowerCase() === word;
  }

  private expect(kind: ')' | ']' | '(', context: string): void {
    const token = this.peek();
    if (token?.kind !== kind) throw this.error(`expected "${kind}" ${context}, found ${describe(token)}`, token);
    this.index++;
  }

  private parseOr(inBrackets: boolean): FilterNode {
    const filters = [this.parseAnd(inBrackets)];
    while (this.keyword(this.peek(), 'or')) { this.index++; filters.push(this.parseAnd(inBrackets)); }
    return filters.length === 1 ? filters[0] as FilterNode : { kind: 'or', filters };
  }

  private parseAnd(inBrackets: boolean): FilterNode {
    const filters = [this.parseUnary(inBrackets)];
    while (this.keyword(this.peek(), 'and')) { this.index++; filters.push(this.parseUnary(inBrackets)); }
    return filters.length === 1 ? filters[0] as FilterNode : { kind: 'and', filters };
  }

  private parseUnary(inBrackets: boolean): FilterNode {
    const token = this.peek();
    if (token?.kind === '(' || this.keyword(token, 'not')) {
      if (++this.depth > MAX_DEPTH) throw this.error(`the filter is nested more than ${MAX_DEPTH} levels deep`, token);
      const negate = token?.kind === 'word';
      this.index++;
      // RFC grammar: *1"not" "(" FILTER ")" — "not" always takes a parenthesized filter.
      if (negate) this.expect('(', 'after "not" (write not (…))');
      const open = negate ? this.tokens[this.index - 1] : token;
      const inner = this.parseOr(inBrackets);
      this.expect(')', `to close the "(" at position ${open?.at}`);
      this.depth--;
      return negate ? { kind: 'not', filter: inner } : inner;
    }
    if (token?.kind === 'word' && !this.keyword(token, 'and') && !this.keyword(token, 'or')) return this.parseAttributeExpression(inBrackets);
    throw this.error(`expected an attribute name, "not" or "(", found ${describe(token)}`, token);
  }

  private parseAttributeExpression(inBrackets: boolean): FilterNode {
    const token = this.tokens[this.index++] as Extract<Token, { kind: 'word' }>;
    const path = parsePath(token.text, token.at, inBrackets);
    const next = this.peek();
    if (next?.kind === '[') {
      if (inBrackets) throw this.error(`value filters cannot be nested ("[" at position ${next.at})`, next);
      if (path.subAttribute) throw this.error(`a value filter "[…]" must follow a complex attribute, not the sub-attribute "${path.text}"`, next);
      this.index++;
      const filter = this.parseOr(true);
      this.expect(']', `to close the "[" at position ${next.at}`);
      const after = this.peek();
      if (after?.kind === 'word' && after.text.startsWith('.')) {
        // Entra's form: emails[type eq "work"].value eq "x" — a comparison on the same element.
        this.index++;
        const name = after.text.slice(1);
        if (!NAME.test(name)) throw this.error(`invalid sub-attribute name "${after.text}" at position ${after.at}`, after);
        const then = this.parseOperation({ text: name, attribute: name }, after.at + 1);
        return { kind: 'valuePath', path, filter, then, at: token.at };
      }
      return { kind: 'valuePath', path, filter, at: token.at };
    }
    return this.parseOperation(path, token.at);
  }

  private parseOperation(path: AttrPath, at: number): CompareNode | PresentNode {
    const token = this.peek();
    if (token?.kind !== 'word') throw this.error(`expected an operator after "${path.text}", found ${describe(token)}`, token);
    const op = token.text.toLowerCase();
    this.index++;
    if (op === 'pr') return { kind: 'present', path, at };
    if (!(COMPARE_OPS as readonly string[]).includes(op)) {
      throw this.error(`unknown operator "${token.text}" at position ${token.at} (expected eq, ne, co, sw, ew, gt, lt, ge, le or pr)`, token);
    }
    return { kind: 'compare', path, op: op as CompareOp, value: this.parseValue(op), at };
  }

  private parseValue(op: string): Literal {
    const token = this.peek();
    if (token?.kind === 'string') { this.index++; return { type: 'string', value: token.value, quoted: true }; }
    if (token?.kind !== 'word' || token.text.startsWith('.') || ['and', 'or'].includes(token.text.toLowerCase())) {
      throw this.error(`expected a value after "${op}", found ${describe(token)}`, token);
    }
    this.index++;
    const text = token.text;
    if (text === 'true' || text === 'false') return { type: 'boolean', value: text === 'true' };
    if (text === 'null') return { type: 'null' };
    if (NUMBER.test(text)) return { type: 'number', value: Number(text), raw: text };
    // Entra sends unquoted values (`externalId eq jyoung`): a bare word is a string.
    return { type: 'string', value: text, quoted: false };
  }
}

/** `[URI ":"] ATTRNAME *1subAttr`; inside "[…]" only a sub-attribute name is allowed. */
function parsePath(text: string, at: number, inBrackets: boolean): AttrPath {
  const invalid = (why: string) => new ScimFilterError(`invalid attribute path "${text}" at position ${at}: ${why}`, at);
  let uri: string | undefined;
  let rest = text;
  if (/^urn:/i.test(text)) {
    if (inBrackets) throw invalid('inside "[…]" name a sub-attribute of the filtered attribute');
    const colon = text.lastIndexOf(':');
    uri = text.slice(0, colon);
    rest = text.slice(colon + 1);
    if (!URN.test(uri)) throw invalid('malformed schema URN');
  }
  const parts = rest.split('.');
  if (parts.length > 2 || !parts.every((part) => NAME.test(part))) {
    throw invalid('expected a name such as userName, name.givenName or a schema URN followed by ":" and a name');
  }
  if (inBrackets && parts.length > 1) throw invalid('inside "[…]" name a sub-attribute of the filtered attribute');
  const [attribute, subAttribute] = parts as [string, string | undefined];
  return { text, ...(uri ? { uri } : {}), attribute, ...(subAttribute ? { subAttribute } : {}) };
}

/** Parses a SCIM filter into its syntax tree; throws ScimFilterError on any syntax error. */
export function parseFilter(text: string): FilterNode {
  if (text.trim() === '') throw new ScimFilterError('the filter is empty', 0);
  // PostgreSQL text cannot hold NUL: refuse it here rather than fail the query.
  const nul = text.indexOf('\u0000');
  if (nul >= 0) throw new ScimFilterError(`the filter contains a NUL character at position ${nul}`, nul);
  return new Parser(tokenize(text)).parse();
}
