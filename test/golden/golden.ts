// Golden IdP traffic (STYLE habit 9): one scenario per JSON file under test/golden/<idp>/, each a
// sequence of requests as the identity provider sends them and what seatgate must answer.
// test/golden/README.md describes the format; this module loads, substitutes and matches.
//
// Patterns (in expected bodies and headers):
//   "{{id:NAME}}"   the first time: captures the value as NAME; afterwards: must equal it. Also
//                   usable inside a longer string ("{{any}}/Users/{{id:ada}}") and, once captured,
//                   in later requests (path, headers, body).
//   "{{any}}"       present and not null (inside a longer string: any text)
//   "{{absent}}"    missing or null (RFC 7643 §2.5: equivalent states)
//   "{{empty}}"     missing, null or []
//   {"$length": n}            an array of n elements
//   {"$unordered": [p, …]}    an array of exactly these elements, in any order
//   {"$contains": [p, …]}     an array holding (at least) elements matching each pattern
//   objects match as subsets (keys not in the pattern are ignored; an object whose keys must all
//   be absent also matches a missing object); arrays in order, same length;
//   anything else must be equal (===).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface GoldenRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query under /scim/v2, exactly as the IdP puts them on the wire (already encoded). */
  path: string;
  /** Extra or overriding headers; a null value removes a default (Authorization, Content-Type). */
  headers?: Record<string, string | null>;
  /** A JSON body, or a string sent as is. */
  body?: unknown;
}

export interface GoldenResponse {
  status: number | number[];
  headers?: Record<string, string>;
  /** A pattern; "" means an empty body. */
  body?: unknown;
}

export interface GoldenStep { name: string; request: GoldenRequest; response: GoldenResponse }

export interface GoldenScenario {
  title: string;
  /** The IDP-COMPAT.md lines this scenario replays (quoted). */
  covers: string[];
  /** Where the traffic comes from. */
  source: string;
  organization?: { seats?: Record<string, number>; settings?: Record<string, unknown> };
  steps: GoldenStep[];
}

export interface GoldenFile { file: string; idp: string; scenario: GoldenScenario }

export const GOLDEN_DIR = path.resolve('test/golden');

export function loadGoldenFiles(dir = GOLDEN_DIR): GoldenFile[] {
  const files: GoldenFile[] = [];
  for (const idp of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const name of readdirSync(path.join(dir, idp)).filter((f) => f.endsWith('.json')).sort()) {
      const file = path.join(idp, name);
      files.push({ file, idp, scenario: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as GoldenScenario });
    }
  }
  return files;
}

/** Problems with a scenario's shape (a malformed file must fail loudly, not replay nothing). */
export function validateScenario(s: GoldenScenario): string[] {
  const problems: string[] = [];
  if (typeof s.title !== 'string' || !s.title) problems.push('no title');
  if (!Array.isArray(s.covers) || s.covers.length === 0) problems.push('no "covers" (IDP-COMPAT lines)');
  if (typeof s.source !== 'string' || !s.source) problems.push('no source');
  if (!Array.isArray(s.steps) || s.steps.length === 0) problems.push('no steps');
  for (const [i, step] of (s.steps ?? []).entries()) {
    if (!step.name) problems.push(`step ${i + 1}: no name`);
    if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(step.request?.method)) problems.push(`step ${i + 1}: bad method`);
    if (typeof step.request?.path !== 'string' || !step.request.path.startsWith('/')) problems.push(`step ${i + 1}: path must start with /`);
    if (/[\s"]/.test(step.request?.path ?? '')) problems.push(`step ${i + 1}: the path must be encoded as on the wire`);
    const status = step.response?.status;
    if (!(typeof status === 'number' || (Array.isArray(status) && status.length > 0))) problems.push(`step ${i + 1}: no status`);
  }
  return problems;
}

// ---- substitution into requests -----------------------------------------------------------

export type Captures = Map<string, unknown>;

export class UncapturedError extends Error {}

export function substituteString(text: string, captures: Captures): string {
  return text.replace(/\{\{id:([^}]+)\}\}/g, (_whole, name: string) => {
    if (!captures.has(name)) throw new UncapturedError(`{{id:${name}}} is used before it was captured`);
    const value = captures.get(name);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

export function substituteDeep(value: unknown, captures: Captures): unknown {
  if (typeof value === 'string') {
    // A string that is only a capture keeps the captured value's type.
    const whole = /^\{\{id:([^}]+)\}\}$/.exec(value);
    if (whole && captures.has(whole[1]!)) return captures.get(whole[1]!);
    return substituteString(value, captures);
  }
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, captures));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [substituteString(k, captures), substituteDeep(v, captures)]));
  }
  return value;
}

// ---- matching -----------------------------------------------------------------------------

export interface Mismatch { at: string; expected: string; actual: string }

const show = (value: unknown) => (value === undefined ? '(absent)' : JSON.stringify(value));
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function matchString(pattern: string, actual: unknown, at: string, captures: Captures, out: Mismatch[]): void {
  if (pattern === '{{any}}') {
    if (actual === undefined || actual === null) out.push({ at, expected: 'a value', actual: show(actual) });
    return;
  }
  if (pattern === '{{absent}}') {
    if (actual !== undefined && actual !== null) out.push({ at, expected: '(absent)', actual: show(actual) });
    return;
  }
  if (pattern === '{{empty}}') {
    if (!(actual === undefined || actual === null || (Array.isArray(actual) && actual.length === 0))) {
      out.push({ at, expected: '(absent or empty)', actual: show(actual) });
    }
    return;
  }
  const whole = /^\{\{id:([^}]+)\}\}$/.exec(pattern);
  if (whole) {
    const name = whole[1]!;
    if (actual === undefined || actual === null) out.push({ at, expected: `{{id:${name}}}`, actual: show(actual) });
    else if (!captures.has(name)) captures.set(name, actual);
    else if (JSON.stringify(captures.get(name)) !== JSON.stringify(actual)) {
      out.push({ at, expected: `${show(captures.get(name))} ({{id:${name}}})`, actual: show(actual) });
    }
    return;
  }
  if (!pattern.includes('{{')) {
    if (actual !== pattern) out.push({ at, expected: show(pattern), actual: show(actual) });
    return;
  }
  // A template: literal text, known captures, new captures and {{any}}.
  const newNames: string[] = [];
  let source = '';
  for (const part of pattern.split(/(\{\{(?:id:[^}]+|any)\}\})/)) {
    const capture = /^\{\{id:([^}]+)\}\}$/.exec(part);
    if (part === '{{any}}') source += '.*';
    else if (capture && captures.has(capture[1]!)) source += escapeRegExp(String(captures.get(capture[1]!)));
    else if (capture) { newNames.push(capture[1]!); source += '(.+?)'; }
    else source += escapeRegExp(part);
  }
  const match = typeof actual === 'string' ? new RegExp(`^${source}$`, 's').exec(actual) : null;
  if (!match) {
    out.push({ at, expected: pattern, actual: show(actual) });
    return;
  }
  newNames.forEach((name, i) => captures.set(name, match[i + 1]));
}

/** Whether `actual` matches `pattern`, with captures committed only when it does. */
function tryMatch(pattern: unknown, actual: unknown, captures: Captures): boolean {
  const trial = new Map(captures);
  const out: Mismatch[] = [];
  matchPattern(pattern, actual, '', trial, out);
  if (out.length > 0) return false;
  for (const [k, v] of trial) captures.set(k, v);
  return true;
}

export function matchPattern(pattern: unknown, actual: unknown, at: string, captures: Captures, out: Mismatch[]): void {
  if (typeof pattern === 'string') return matchString(pattern, actual, at, captures, out);
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual) || actual.length !== pattern.length) {
      out.push({ at, expected: `an array of ${pattern.length}: ${show(pattern)}`, actual: show(actual) });
      return;
    }
    pattern.forEach((p, i) => matchPattern(p, actual[i], `${at}[${i}]`, captures, out));
    return;
  }
  if (isObject(pattern)) {
    if ('$length' in pattern) {
      if (!Array.isArray(actual) || actual.length !== pattern.$length) out.push({ at, expected: `an array of ${String(pattern.$length)}`, actual: show(actual) });
      return;
    }
    if ('$unordered' in pattern || '$contains' in pattern) {
      const items = (pattern.$unordered ?? pattern.$contains) as unknown[];
      const exact = '$unordered' in pattern;
      if (!Array.isArray(actual) || (exact && actual.length !== items.length)) {
        out.push({ at, expected: `${exact ? 'exactly' : 'at least'}, in any order: ${show(items)}`, actual: show(actual) });
        return;
      }
      const used = new Set<number>();
      for (const item of items) {
        const index = actual.findIndex((candidate, i) => !used.has(i) && tryMatch(item, candidate, captures));
        if (index < 0) {
          out.push({ at, expected: `an element matching ${show(item)}`, actual: show(actual) });
          return;
        }
        used.add(index);
      }
      return;
    }
    // An object whose keys must all be absent also matches no object at all.
    if ((actual === undefined || actual === null) && Object.values(pattern).every((p) => p === '{{absent}}' || p === '{{empty}}')) return;
    if (!isObject(actual)) {
      out.push({ at, expected: show(pattern), actual: show(actual) });
      return;
    }
    for (const [key, p] of Object.entries(pattern)) matchPattern(p, actual[key], at ? `${at}.${key}` : key, captures, out);
    return;
  }
  if (pattern !== actual) out.push({ at, expected: show(pattern), actual: show(actual) });
}
