// Replays every golden IdP scenario (test/golden/okta/*.json, test/golden/entra/*.json) against
// the in-process app, each in a fresh, empty organization. A scenario fails with every step that
// went wrong: the request as sent, what was expected, and what came back.
import request from 'supertest';
import { openTestApp, type TestApp } from '../support/http.js';
import { createEmptyOrganization } from '../conformance/harness.js';
import {
  loadGoldenFiles, matchPattern, substituteDeep, substituteString, UncapturedError, validateScenario,
  type Captures, type GoldenFile, type GoldenStep, type Mismatch,
} from './golden.js';

const SCIM_BASE = '/scim/v2';

let t: TestApp;
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

const golden = loadGoldenFiles();

interface StepFailure { step: number; name: string; sent: string; status?: number; body?: string; problems: Mismatch[] }

const clip = (text: string, max = 1200) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);

async function replayStep(step: GoldenStep, token: string, captures: Captures): Promise<Omit<StepFailure, 'step' | 'name'> | undefined> {
  let path: string;
  let body: string | undefined;
  let headers: Record<string, string>;
  try {
    path = substituteString(step.request.path, captures);
    const payload = step.request.body === undefined ? undefined : substituteDeep(step.request.body, captures);
    body = payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload);
    const merged: Record<string, string | null> = {
      Authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}),
      ...step.request.headers,
    };
    headers = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== null)
      .map(([k, v]) => [k, substituteString(v, captures)]));
  } catch (error) {
    if (!(error instanceof UncapturedError)) throw error;
    return { sent: `${step.request.method} ${step.request.path}`, problems: [{ at: 'request', expected: 'captured ids', actual: error.message }] };
  }
  const sent = `${step.request.method} ${SCIM_BASE}${path}${body !== undefined ? `\n      ${clip(body, 800)}` : ''}`;

  const agent = request(t.app);
  const method = step.request.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  let pending = agent[method](`${SCIM_BASE}${path}`).set(headers);
  // Bodies go out as the exact bytes of the golden file (superagent must not re-serialize them).
  if (body !== undefined) pending = pending.send(body);
  const res = await pending.buffer(true).parse((response, done) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => { text += chunk; });
    response.on('end', () => done(null, text));
  });
  const text = typeof res.body === 'string' ? res.body : '';

  const problems: Mismatch[] = [];
  const statuses = Array.isArray(step.response.status) ? step.response.status : [step.response.status];
  if (!statuses.includes(res.status)) problems.push({ at: 'status', expected: statuses.join(' or '), actual: String(res.status) });
  for (const [name, pattern] of Object.entries(step.response.headers ?? {})) {
    matchPattern(pattern, res.headers[name.toLowerCase()], `header ${name}`, captures, problems);
  }
  if (step.response.body !== undefined) {
    if (step.response.body === '') {
      if (text !== '') problems.push({ at: 'body', expected: '(empty)', actual: clip(text, 300) });
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined) problems.push({ at: 'body', expected: 'a JSON body', actual: clip(text, 300) || '(empty)' });
      else matchPattern(step.response.body, parsed, 'body', captures, problems);
    }
  }
  return problems.length === 0 ? undefined : { sent, status: res.status, body: text, problems };
}

function describeFailures(file: GoldenFile, failures: StepFailure[]): string {
  const lines = [`${file.file} — ${file.scenario.title}: ${failures.length} of ${file.scenario.steps.length} steps failed`];
  for (const f of failures) {
    lines.push(`  step ${f.step} "${f.name}"`, `    sent: ${f.sent}`);
    if (f.status !== undefined) lines.push(`    got:  ${f.status} ${clip(f.body ?? '')}`);
    for (const p of f.problems) lines.push(`    ✗ ${p.at}: expected ${p.expected}, got ${p.actual}`);
  }
  return lines.join('\n');
}

describe('golden files', () => {
  it('exist for both identity providers and are well-formed', () => {
    expect(new Set(golden.map((g) => g.idp))).toEqual(new Set(['entra', 'okta']));
    expect(golden.flatMap((g) => validateScenario(g.scenario).map((p) => `${g.file}: ${p}`))).toEqual([]);
  });
});

describe.each(['okta', 'entra'])('%s traffic', (idp) => {
  const files = golden.filter((g) => g.idp === idp);
  it.each(files.map((g) => [g.file, g] as const))('%s', async (_name, file) => {
    const org = await createEmptyOrganization(t.ctx, `Golden ${file.file}`, {
      seats: file.scenario.organization?.seats,
      settings: file.scenario.organization?.settings,
    });
    const captures: Captures = new Map();
    const failures: StepFailure[] = [];
    for (const [i, step] of file.scenario.steps.entries()) {
      const failure = await replayStep(step, org.scimToken, captures);
      if (failure) failures.push({ step: i + 1, name: step.name, ...failure });
    }
    if (failures.length > 0) throw new Error(describeFailures(file, failures));
  });
});

describe('the golden matcher', () => {
  const match = (pattern: unknown, actual: unknown, captures: Captures = new Map()) => {
    const out: Mismatch[] = [];
    matchPattern(pattern, actual, 'body', captures, out);
    return out;
  };

  it('matches objects as subsets and arrays in order', () => {
    expect(match({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2], c: 3 })).toEqual([]);
    expect(match({ b: [1, 2] }, { b: [2, 1] })).toHaveLength(2);
    expect(match({ b: [1] }, { b: [1, 2] })).toHaveLength(1);
    expect(match({ a: 'x' }, { a: 'X' })).toEqual([{ at: 'body.a', expected: '"x"', actual: '"X"' }]);
    expect(match({ a: true }, { a: 'true' })).toHaveLength(1);
  });

  it('captures on first sight, compares afterwards, and works inside templates', () => {
    const captures: Captures = new Map();
    expect(match({ id: '{{id:u}}' }, { id: 'abc' }, captures)).toEqual([]);
    expect(captures.get('u')).toBe('abc');
    expect(match({ id: '{{id:u}}' }, { id: 'abd' }, captures)).toHaveLength(1);
    expect(match('{{any}}/Users/{{id:u}}', 'http://h/scim/v2/Users/abc', captures)).toEqual([]);
    expect(match('{{any}}/Users/{{id:u}}', 'http://h/scim/v2/Users/zzz', captures)).toHaveLength(1);
    expect(match('{{any}}/Groups/{{id:g}}', 'http://h/Groups/g-1', captures)).toEqual([]);
    expect(captures.get('g')).toBe('g-1');
    expect(match({ id: '{{id:missing}}' }, {}, captures)).toHaveLength(1);
  });

  it('knows any, absent and empty', () => {
    expect(match({ a: '{{any}}' }, { a: 0 })).toEqual([]);
    expect(match({ a: '{{any}}' }, {})).toHaveLength(1);
    expect(match({ a: '{{absent}}' }, { a: null })).toEqual([]);
    expect(match({ a: '{{absent}}' }, { a: 'x' })).toHaveLength(1);
    expect(match({ a: '{{empty}}' }, { a: [] })).toEqual([]);
    expect(match({ a: '{{empty}}' }, { a: [1] })).toHaveLength(1);
    expect(match({ ext: { manager: '{{absent}}' } }, {})).toEqual([]);
    expect(match({ ext: { manager: '{{absent}}' } }, { ext: {} })).toEqual([]);
    expect(match({ ext: { manager: '{{absent}}' } }, { ext: { manager: { value: 'x' } } })).toHaveLength(1);
  });

  it('knows $length, $unordered and $contains', () => {
    expect(match({ $length: 2 }, [1, 2])).toEqual([]);
    expect(match({ $length: 2 }, [1])).toHaveLength(1);
    expect(match({ $unordered: [{ value: 'b' }, { value: 'a' }] }, [{ value: 'a' }, { value: 'b' }])).toEqual([]);
    expect(match({ $unordered: [{ value: 'a' }, { value: 'a' }] }, [{ value: 'a' }, { value: 'b' }])).toHaveLength(1);
    expect(match({ $unordered: [{ value: 'a' }] }, [{ value: 'a' }, { value: 'b' }])).toHaveLength(1);
    expect(match({ $contains: [{ value: 'b' }] }, [{ value: 'a' }, { value: 'b' }])).toEqual([]);
    const captures: Captures = new Map([['x', 'b']]);
    expect(match({ $contains: [{ value: '{{id:x}}' }] }, [{ value: 'a' }, { value: 'b' }], captures)).toEqual([]);
    expect(match({ $contains: [{ value: '{{id:x}}' }] }, [{ value: 'a' }], captures)).toHaveLength(1);
  });

  it('substitutes captures into requests, keeping a lone capture typed, and refuses unknown ones', () => {
    const captures: Captures = new Map<string, unknown>([['u', 'abc'], ['n', 3]]);
    expect(substituteString('/Users/{{id:u}}?x', captures)).toBe('/Users/abc?x');
    expect(substituteDeep({ path: 'members[value eq "{{id:u}}"]', v: '{{id:n}}', list: [{ value: '{{id:u}}' }] }, captures))
      .toEqual({ path: 'members[value eq "abc"]', v: 3, list: [{ value: 'abc' }] });
    expect(() => substituteString('/Users/{{id:nope}}', captures)).toThrow(UncapturedError);
  });
});
