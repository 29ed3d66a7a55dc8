// A runner for Runscope test exports, enough for Okta's "SCIM 2.0 SPEC Test"
// (test/conformance/okta/Okta-SCIM-20-SPEC-Test.json, unmodified). Runscope itself is gone and
// no runner is published, so this one follows Runscope's documented behaviour:
//
// - steps run in order; `pause` steps wait `duration` seconds (scaled by `pauseScale`: they pace
//   Okta's hosted runs, they test nothing);
// - `{{name}}` in URLs, header values, bodies and assertion values is replaced by the variable's
//   value; an unknown variable is left as written (as Runscope does), so the request still runs
//   and fails visibly;
// - assertions read a source (status, JSON body property, text body, header, response time or
//   size) and compare it with one of Runscope's comparisons; JSON properties are paths such as
//   `Resources[0].emails[0].value`;
// - variables are extracted from responses after the assertions;
// - scripts (the environment's initial script, then each step's `before_scripts` and `scripts`)
//   run in a sandbox with Runscope's globals: `variables`, `request`, `response`, `assert`, `log`.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import nodeAssert from 'node:assert';
import vm from 'node:vm';
import type { AssertionOutcome, Exchange, SuiteReport } from './report.js';

// ---- the export's shape -------------------------------------------------------------------

export type AssertionSource =
  | 'response_status' | 'response_json' | 'response_text' | 'response_headers' | 'response_time' | 'response_size';

export interface RunscopeAssertion {
  source: AssertionSource;
  comparison: string;
  property?: string | null;
  value?: string | null;
}

export interface RunscopeVariable {
  source: AssertionSource;
  name: string;
  property?: string | null;
}

export interface RequestStep {
  step_type: 'request';
  skipped?: boolean;
  note?: string;
  method: string;
  url: string;
  headers?: Record<string, string[]>;
  body?: string | null;
  assertions?: RunscopeAssertion[];
  variables?: RunscopeVariable[];
  scripts?: string[];
  before_scripts?: string[];
}

export interface PauseStep { step_type: 'pause'; skipped?: boolean; duration: number }

export type RunscopeStep = RequestStep | PauseStep | { step_type: string; skipped?: boolean };

export interface RunscopeTest { name: string; steps: RunscopeStep[] }

// ---- variables and substitution -----------------------------------------------------------

export type Variables = Map<string, string>;

/** Replaces `{{name}}` by the variable's value; unknown names stay as written. */
export function substitute(template: string, variables: ReadonlyMap<string, string>): string {
  return template.replace(/\{\{\s*([^{}]+?)\s*\}\}/g, (whole, name: string) => variables.get(name) ?? whole);
}

// ---- JSON properties ----------------------------------------------------------------------

/** `a.b[0].c` → ['a', 'b', 0, 'c'] */
export function parseProperty(property: string): (string | number)[] {
  const parts: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  for (const match of property.matchAll(re)) {
    if (match[1] !== undefined) parts.push(match[1]);
    else parts.push(Number(match[2]));
  }
  return parts;
}

export type Lookup = { found: true; value: unknown } | { found: false };

export function lookup(document: unknown, property: string | null | undefined): Lookup {
  if (property === null || property === undefined || property === '') return { found: true, value: document };
  let current: unknown = document;
  for (const part of parseProperty(property)) {
    if (typeof part === 'number') {
      if (!Array.isArray(current) || part >= current.length) return { found: false };
      current = current[part];
    } else {
      if (typeof current !== 'object' || current === null || Array.isArray(current) || !(part in current)) return { found: false };
      current = (current as Record<string, unknown>)[part];
    }
  }
  return { found: true, value: current };
}

// ---- comparisons --------------------------------------------------------------------------

/** Runscope compares as text: the JSON value `true` equals "true", `0` equals "0". */
export function asText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

const isEmpty = (value: unknown) =>
  value === undefined || value === null || value === '' ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && value !== null && Object.keys(value).length === 0);

const asNumber = (value: unknown): number | undefined => {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
};

function numeric(actual: unknown, expected: string | null | undefined, test: (a: number, e: number) => boolean): boolean {
  const a = asNumber(actual);
  const e = asNumber(expected);
  return a !== undefined && e !== undefined && test(a, e);
}

function contains(actual: unknown, expected: string): boolean {
  if (Array.isArray(actual)) return actual.some((item) => asText(item) === expected || asText(item).includes(expected));
  return asText(actual).includes(expected);
}

function hasValue(actual: unknown, expected: string): boolean {
  if (Array.isArray(actual)) return actual.some((item) => asText(item) === expected);
  if (typeof actual === 'object' && actual !== null) return Object.values(actual).some((item) => asText(item) === expected);
  return false;
}

/** Runscope's comparisons (every one its editor offers), by their export names. */
export const COMPARISONS: Record<string, (actual: unknown, expected: string | null | undefined) => boolean> = {
  equal: (a, e) => asText(a) === (e ?? ''),
  not_equal: (a, e) => asText(a) !== (e ?? ''),
  empty: (a) => isEmpty(a),
  not_empty: (a) => !isEmpty(a),
  contains: (a, e) => contains(a, e ?? ''),
  does_not_contain: (a, e) => !contains(a, e ?? ''),
  is_a_number: (a) => asNumber(a) !== undefined,
  equal_number: (a, e) => numeric(a, e, (x, y) => x === y),
  is_less_than: (a, e) => numeric(a, e, (x, y) => x < y),
  is_less_than_or_equal: (a, e) => numeric(a, e, (x, y) => x <= y),
  is_greater_than: (a, e) => numeric(a, e, (x, y) => x > y),
  is_greater_than_or_equal: (a, e) => numeric(a, e, (x, y) => x >= y),
  has_key: (a, e) => typeof a === 'object' && a !== null && !Array.isArray(a) && (e ?? '') in a,
  has_value: (a, e) => hasValue(a, e ?? ''),
  is_null: (a) => a === null,
};

// ---- responses and sources ----------------------------------------------------------------

export interface RunscopeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  timeMs: number;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** What an assertion or a variable reads from a response. */
export function readSource(response: RunscopeResponse, source: AssertionSource, property: string | null | undefined): Lookup {
  switch (source) {
    case 'response_status': return { found: true, value: response.status };
    case 'response_time': return { found: true, value: response.timeMs };
    case 'response_size': return { found: true, value: Buffer.byteLength(response.body) };
    case 'response_text': return { found: true, value: response.body };
    case 'response_headers': {
      const name = (property ?? '').toLowerCase();
      return name in response.headers ? { found: true, value: response.headers[name] } : { found: false };
    }
    case 'response_json': {
      const parsed = parseJson(response.body);
      return parsed.ok ? lookup(parsed.value, property) : { found: false };
    }
    default: throw new Error(`unknown assertion source "${String(source)}"`);
  }
}

/** A stable name for an assertion: written from the export, before substitution. */
export function assertionName(a: RunscopeAssertion): string {
  return [a.source, a.property, a.comparison, a.value].filter((part) => part !== null && part !== undefined && part !== '').join(' ');
}

export function evaluateAssertion(a: RunscopeAssertion, response: RunscopeResponse, variables: ReadonlyMap<string, string>) {
  const compare = COMPARISONS[a.comparison];
  if (!compare) throw new Error(`unknown comparison "${a.comparison}"`);
  const expected = a.value === null || a.value === undefined ? a.value : substitute(a.value, variables);
  const read = readSource(response, a.source, a.property ? substitute(a.property, variables) : a.property);
  const actual = read.found ? read.value : undefined;
  const passed = compare(actual, expected);
  return {
    passed,
    expected: `${a.comparison}${expected === null || expected === undefined ? '' : ` ${expected}`}`,
    actual: read.found ? asText(actual) : '(absent)',
  };
}

// ---- scripts ------------------------------------------------------------------------------

export interface ScriptGlobals {
  variables: Variables;
  request?: { method: string; url: string; headers: Record<string, string>; body: string | null };
  response?: RunscopeResponse;
  logs: string[];
}

/** Runs a Runscope script; throws what the script throws (a failed `assert` included). */
export function runScript(code: string, globals: ScriptGlobals): void {
  const sandbox = {
    variables: {
      get: (name: string) => globals.variables.get(name),
      set: (name: string, value: unknown) => { globals.variables.set(name, String(value)); },
    },
    request: globals.request,
    response: globals.response && {
      status: globals.response.status,
      headers: globals.response.headers,
      body: globals.response.body,
      response_time_ms: globals.response.timeMs,
      size_bytes: Buffer.byteLength(globals.response.body),
    },
    // Runscope's `assert` is chai's: assert(expression, message), assert.ok, assert.equal, …
    // node:assert has the same call forms for everything the Okta test uses.
    assert: nodeAssert,
    log: (...args: unknown[]) => { globals.logs.push(args.map(asText).join(' ')); },
    JSON, Math, Array, Object, String, Number, Date,
  };
  vm.runInNewContext(code, sandbox, { timeout: 2000, filename: 'runscope-script.js' });
}

// ---- HTTP ---------------------------------------------------------------------------------

export interface OutgoingRequest { method: string; url: string; headers: Record<string, string>; body: string | null }

export type Send = (request: OutgoingRequest) => Promise<RunscopeResponse>;

/** node:http, so that every header is sent as written (fetch drops some, e.g. Accept-Charset). */
export const sendHttp: Send = (req) => new Promise((resolve, reject) => {
  const url = new URL(req.url);
  const started = performance.now();
  const body = req.body === null ? undefined : Buffer.from(req.body);
  const headers = { ...req.headers, ...(body ? { 'Content-Length': String(body.length) } : {}) };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const outgoing = send(url, { method: req.method, headers }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', reject);
    res.on('end', () => {
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks).toString('utf8'), timeMs: performance.now() - started });
    });
  });
  outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('no response within 30 s')));
  outgoing.on('error', reject);
  outgoing.end(body);
});

// ---- the run ------------------------------------------------------------------------------

export interface RunOptions {
  /** Environment variables (Okta's: SCIMBaseURL, auth). */
  variables: Record<string, string>;
  /** The environment's initial script (Okta's Initial_Script_Spec.txt). */
  initialScript?: string;
  /** Milliseconds waited per second of a pause step: 1000 = as exported, 0 = no wait. */
  pauseScale?: number;
  send?: Send;
}

export interface StepResult {
  name: string;
  exchange: Exchange;
  outcomes: AssertionOutcome[];
  logs: string[];
}

export interface RunscopeReport extends SuiteReport {
  steps: StepResult[];
  variables: Variables;
}

export async function runRunscopeTest(test: RunscopeTest, options: RunOptions): Promise<RunscopeReport> {
  const variables: Variables = new Map(Object.entries(options.variables));
  const send = options.send ?? sendHttp;
  const pauseScale = options.pauseScale ?? 1000;
  const steps: StepResult[] = [];
  const outcomes: AssertionOutcome[] = [];
  if (options.initialScript) runScript(options.initialScript, { variables, logs: [] });

  const names = new Map<string, number>();
  for (const step of test.steps) {
    if (step.skipped) continue;
    if (step.step_type === 'pause') {
      const ms = (step as PauseStep).duration * pauseScale;
      if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
      continue;
    }
    if (step.step_type !== 'request') throw new Error(`unsupported Runscope step type "${step.step_type}"`);
    const r = step as RequestStep;
    const base = r.note?.trim() || `${r.method} ${r.url}`;
    const n = (names.get(base) ?? 0) + 1;
    names.set(base, n);
    const name = n === 1 ? base : `${base} #${n}`;
    const logs: string[] = [];
    const stepOutcomes: AssertionOutcome[] = [];
    // Pre-request scripts run first: what they set (variables, or the request itself) is used
    // when the request is substituted, as in Runscope.
    const draft: OutgoingRequest = {
      method: r.method,
      url: r.url,
      headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, v.join(', ')])),
      body: r.body === undefined || r.body === null || r.body === '' ? null : r.body,
    };
    for (const [i, code] of (r.before_scripts ?? []).entries()) {
      if (code.trim() === '') continue;
      try {
        runScript(code, { variables, request: draft, logs });
        stepOutcomes.push({ request: name, assertion: `before script #${i + 1}`, passed: true });
      } catch (error) {
        stepOutcomes.push({ request: name, assertion: `before script #${i + 1}`, passed: false, message: (error as Error).message });
      }
    }
    const outgoing: OutgoingRequest = {
      method: draft.method,
      url: substitute(draft.url, variables),
      headers: Object.fromEntries(Object.entries(draft.headers).map(([k, v]) => [k, substitute(v, variables)])),
      body: draft.body === null ? null : substitute(draft.body, variables),
    };
    const exchange: Exchange = { method: outgoing.method, url: outgoing.url, requestBody: outgoing.body ?? undefined };
    let response: RunscopeResponse | undefined;
    try {
      response = await send(outgoing);
      exchange.status = response.status;
      exchange.responseBody = response.body;
    } catch (error) {
      stepOutcomes.push({ request: name, assertion: '(request)', passed: false, message: (error as Error).message, exchange });
    }
    if (response) {
      for (const a of r.assertions ?? []) {
        const result = evaluateAssertion(a, response, variables);
        stepOutcomes.push({
          request: name, assertion: assertionName(a), passed: result.passed,
          ...(result.passed ? {} : { expected: result.expected, actual: result.actual, exchange }),
        });
      }
      for (const v of r.variables ?? []) {
        const read = readSource(response, v.source, v.property);
        // A variable that cannot be extracted makes the later steps meaningless: it is reported
        // as a failure of the step that should have provided it.
        if (read.found && read.value !== undefined && read.value !== null) variables.set(v.name, asText(read.value));
        else stepOutcomes.push({
          request: name, assertion: `variable ${v.name} from ${[v.source, v.property].filter(Boolean).join(' ')}`,
          passed: false, expected: 'a value', actual: '(absent)', exchange,
        });
      }
      for (const [i, code] of (r.scripts ?? []).entries()) {
        if (code.trim() === '') continue;
        try {
          runScript(code, { variables, request: outgoing, response, logs });
          stepOutcomes.push({ request: name, assertion: `script #${i + 1}`, passed: true });
        } catch (error) {
          stepOutcomes.push({ request: name, assertion: `script #${i + 1}`, passed: false, message: (error as Error).message, exchange });
        }
      }
    }
    steps.push({ name, exchange, outcomes: stepOutcomes, logs });
    outcomes.push(...stepOutcomes);
  }
  return { suite: 'okta', requests: steps.length, outcomes, steps, variables };
}
