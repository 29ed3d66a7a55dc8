// What a conformance run found, judged against the explicit allowlist of the suites' own errors
// (known-deviations.json). A failing assertion that is not on the list fails the jest test; an
// entry of the list that no longer matches a failure fails it too (a stale excuse hides nothing
// today but would hide a regression tomorrow).
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type SuiteName = 'microsoft' | 'okta';

/** One HTTP exchange, trimmed for reports. */
export interface Exchange {
  method: string;
  url: string;
  requestBody?: string;
  status?: number;
  responseBody?: string;
}

export interface AssertionOutcome {
  /** The request's name as the suite spells it (Microsoft: "Folder / Request"; Okta: the step note). */
  request: string;
  /** The assertion's name as the suite spells it. */
  assertion: string;
  passed: boolean;
  expected?: string;
  actual?: string;
  /** The assertion library's own message, when there is one. */
  message?: string;
  exchange?: Exchange;
}

export interface SuiteReport {
  suite: SuiteName;
  requests: number;
  outcomes: AssertionOutcome[];
}

export interface Deviation {
  suite: SuiteName;
  request: string;
  assertion: string;
  justification: string;
  reference: string;
}

export interface Judgement {
  passed: number;
  failed: number;
  allowed: AssertionOutcome[];
  unexpected: AssertionOutcome[];
  stale: Deviation[];
}

export const DEVIATIONS_FILE = path.resolve('test/conformance/known-deviations.json');

export function loadDeviations(file = DEVIATIONS_FILE): Deviation[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { deviations: Deviation[] };
  for (const d of parsed.deviations) {
    for (const key of ['suite', 'request', 'assertion', 'justification', 'reference'] as const) {
      if (typeof d[key] !== 'string' || d[key].trim() === '') throw new Error(`${file}: a deviation lacks "${key}": ${JSON.stringify(d)}`);
    }
  }
  return parsed.deviations;
}

const matches = (d: Deviation, suite: SuiteName, o: AssertionOutcome) =>
  d.suite === suite && d.request === o.request && d.assertion === o.assertion;

export function judge(report: SuiteReport, deviations: Deviation[]): Judgement {
  const failures = report.outcomes.filter((o) => !o.passed);
  const allowed = failures.filter((o) => deviations.some((d) => matches(d, report.suite, o)));
  const unexpected = failures.filter((o) => !allowed.includes(o));
  const stale = deviations.filter((d) => d.suite === report.suite && !failures.some((o) => matches(d, report.suite, o)));
  return { passed: report.outcomes.length - failures.length, failed: failures.length, allowed, unexpected, stale };
}

const clip = (text: string | undefined, max = 1500) =>
  text === undefined ? '' : text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;

export function describeOutcome(o: AssertionOutcome): string {
  const lines = [`✗ [${o.request}] ${o.assertion}`];
  if (o.expected !== undefined) lines.push(`    expected: ${o.expected}`);
  if (o.actual !== undefined) lines.push(`    actual:   ${o.actual}`);
  if (o.message) lines.push(`    message:  ${o.message}`);
  if (o.exchange && (/\/null(\?|$)/.test(o.exchange.url) || o.exchange.requestBody?.includes('"null"'))) {
    lines.push('    note:     uses an id an earlier request failed to create ("null"): probably a consequence');
  }
  if (o.exchange) {
    const x = o.exchange;
    lines.push(`    request:  ${x.method} ${x.url}`);
    if (x.requestBody) lines.push(`    body:     ${clip(x.requestBody.replace(/\s+/g, ' '), 600)}`);
    lines.push(`    response: ${x.status ?? '(none)'} ${clip(x.responseBody)}`);
  }
  return lines.join('\n');
}

/** The human summary printed by each suite's jest test (and pasted into docs/conformance.md). */
export function formatJudgement(report: SuiteReport, j: Judgement): string {
  const out = [
    `${report.suite}: ${report.requests} requests, ${report.outcomes.length} assertions: ` +
      `${j.passed} passed, ${j.failed} failed (${j.allowed.length} known deviations, ${j.unexpected.length} unexpected)`,
  ];
  for (const o of j.allowed) out.push(`  allowed: [${o.request}] ${o.assertion}`);
  if (j.unexpected.length > 0) out.push('', 'Unexpected failures:', ...j.unexpected.map(describeOutcome));
  if (j.stale.length > 0) {
    out.push('', 'Stale known deviations (they no longer fail; remove them from known-deviations.json):',
      ...j.stale.map((d) => `  [${d.request}] ${d.assertion}`));
  }
  return out.join('\n');
}
