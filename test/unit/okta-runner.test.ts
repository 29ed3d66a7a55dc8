// The Runscope runner used for Okta's spec test, without seatgate: substitution, JSON properties,
// every comparison, variable extraction, scripts, and a whole run against a fake transport and
// a local HTTP server.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  COMPARISONS, assertionName, evaluateAssertion, lookup, parseProperty, runRunscopeTest, runScript, sendHttp, substitute,
  type OutgoingRequest, type RunscopeResponse, type RunscopeTest,
} from '../conformance/okta-runner.js';

const json = (status: number, body: unknown, headers: Record<string, string> = {}): RunscopeResponse =>
  ({ status, headers: { 'content-type': 'application/scim+json', ...headers }, body: JSON.stringify(body), timeMs: 12 });

describe('substitute', () => {
  const vars = new Map([['a', 'x'], ['SCIMBaseURL', 'http://h/scim/v2'], ['empty', '']]);
  it.each([
    ['{{SCIMBaseURL}}/Users/{{a}}', 'http://h/scim/v2/Users/x'],
    ['{{ a }}-{{a}}', 'x-x'],
    ['userName eq "{{unknown}}"', 'userName eq "{{unknown}}"'], // left as written, as Runscope does
    ['[{{empty}}]', '[]'],
    ['no variables', 'no variables'],
    ['{"v":"{{a}}"}', '{"v":"x"}'],
  ])('%s → %s', (template, expected) => {
    expect(substitute(template, vars)).toBe(expected);
  });
});

describe('JSON properties', () => {
  const doc = { Resources: [{ id: 'u1', name: { givenName: 'Ada' }, emails: [{ value: 'a@x' }], active: false }], totalResults: 0, nothing: null };
  it('parses paths with indices', () => {
    expect(parseProperty('Resources[0].emails[1].value')).toEqual(['Resources', 0, 'emails', 1, 'value']);
    expect(parseProperty('totalResults')).toEqual(['totalResults']);
  });
  it.each([
    ['Resources[0].id', { found: true, value: 'u1' }],
    ['Resources[0].name.givenName', { found: true, value: 'Ada' }],
    ['Resources[0].emails[0].value', { found: true, value: 'a@x' }],
    ['Resources[0].active', { found: true, value: false }],
    ['totalResults', { found: true, value: 0 }],
    ['nothing', { found: true, value: null }],
    ['Resources[1].id', { found: false }],
    ['Resources[0].name.familyName', { found: false }],
    ['nothing.deeper', { found: false }],
    ['totalResults[0]', { found: false }],
  ])('%s', (property, expected) => {
    expect(lookup(doc, property)).toEqual(expected);
  });
  it('an empty property is the whole document', () => {
    expect(lookup(doc, null)).toEqual({ found: true, value: doc });
  });
});

describe('comparisons', () => {
  it.each([
    ['equal', 'abc', 'abc', true], ['equal', true, 'true', true], ['equal', 0, '0', true], ['equal', 'abc', 'abd', false],
    ['equal', undefined, '0', false],
    ['not_equal', 'abc', 'abd', true], ['not_equal', 1, '1', false],
    ['empty', '', null, true], ['empty', [], null, true], ['empty', {}, null, true], ['empty', null, null, true],
    ['empty', undefined, null, true], ['empty', 'x', null, false], ['empty', 0, null, false],
    ['not_empty', 'x', null, true], ['not_empty', false, null, true], ['not_empty', [1], null, true],
    ['not_empty', undefined, null, false], ['not_empty', '', null, false], ['not_empty', [], null, false],
    ['contains', ['urn:a', 'urn:b:User'], 'urn:b:User', true], ['contains', 'hello world', 'lo w', true],
    ['contains', ['urn:a'], 'urn:b', false], ['contains', undefined, 'x', false],
    ['does_not_contain', 'hello', 'xyz', true], ['does_not_contain', ['a'], 'a', false],
    ['is_a_number', 3, null, true], ['is_a_number', '3.5', null, true], ['is_a_number', 'x', null, false],
    ['is_a_number', undefined, null, false], ['is_a_number', '', null, false],
    ['equal_number', 200, '200', true], ['equal_number', '0', '0', true], ['equal_number', 404, '200', false],
    ['equal_number', undefined, '0', false],
    ['is_less_than', 120, '600', true], ['is_less_than', 600, '600', false],
    ['is_less_than_or_equal', 600, '600', true], ['is_greater_than', 7, '6', true], ['is_greater_than', 6, '6', false],
    ['is_greater_than_or_equal', 6, '6', true],
    ['has_key', { a: 1 }, 'a', true], ['has_key', { a: 1 }, 'b', false], ['has_key', ['a'], '0', false],
    ['has_value', ['urn:x:ListResponse'], 'urn:x:ListResponse', true], ['has_value', ['urn:x:ListResponse2'], 'urn:x:ListResponse', false],
    ['has_value', { k: 'v' }, 'v', true], ['has_value', 'v', 'v', false],
    ['is_null', null, null, true], ['is_null', undefined, null, false], ['is_null', 0, null, false],
  ] as [string, unknown, string | null, boolean][])('%s(%j, %j) = %s', (comparison, actual, expected, result) => {
    expect(COMPARISONS[comparison]!(actual, expected)).toBe(result);
  });

  it('covers every comparison the Okta export uses', () => {
    const test = JSON.parse(readFileSync(path.resolve('test/conformance/okta/Okta-SCIM-20-SPEC-Test.json'), 'utf8')) as RunscopeTest;
    const used = new Set(test.steps.flatMap((s) => ('assertions' in s ? (s.assertions as { comparison: string }[]).map((a) => a.comparison) : [])));
    expect([...used].filter((c) => !(c in COMPARISONS))).toEqual([]);
    expect(used.size).toBeGreaterThanOrEqual(7);
  });
});

describe('evaluateAssertion', () => {
  const vars = new Map([['id', 'u1'], ['family', 'Lovelace']]);
  const res = json(200, { id: 'u1', name: { familyName: 'Lovelace' }, schemas: ['urn:core:User'] }, { location: 'http://h/Users/u1' });

  it('reads status, JSON, text, headers, time and size', () => {
    expect(evaluateAssertion({ source: 'response_status', comparison: 'equal_number', value: '200' }, res, vars).passed).toBe(true);
    expect(evaluateAssertion({ source: 'response_json', comparison: 'equal', property: 'id', value: '{{id}}' }, res, vars).passed).toBe(true);
    expect(evaluateAssertion({ source: 'response_json', comparison: 'equal', property: 'name.familyName', value: '{{family}}' }, res, vars).passed).toBe(true);
    expect(evaluateAssertion({ source: 'response_text', comparison: 'contains', value: 'Lovelace' }, res, vars).passed).toBe(true);
    expect(evaluateAssertion({ source: 'response_headers', comparison: 'contains', property: 'Location', value: '/Users/u1' }, res, vars).passed).toBe(true);
    expect(evaluateAssertion({ source: 'response_time', comparison: 'is_less_than', value: '600' }, res, vars).passed).toBe(true);
    expect(evaluateAssertion({ source: 'response_size', comparison: 'is_greater_than', value: '10' }, res, vars).passed).toBe(true);
  });

  it('reports expected and actual on failure, and an absent property as absent', () => {
    expect(evaluateAssertion({ source: 'response_status', comparison: 'equal_number', value: '201' }, res, vars))
      .toEqual({ passed: false, expected: 'equal_number 201', actual: '200' });
    expect(evaluateAssertion({ source: 'response_json', comparison: 'not_empty', property: 'emails[0].value', value: null }, res, vars))
      .toEqual({ passed: false, expected: 'not_empty', actual: '(absent)' });
  });

  it('treats a body that is not JSON as having no properties', () => {
    const text: RunscopeResponse = { status: 404, headers: {}, body: '<html>', timeMs: 1 };
    expect(evaluateAssertion({ source: 'response_json', comparison: 'not_empty', property: 'detail' }, text, vars).passed).toBe(false);
  });

  it('names assertions from the export, before substitution (stable for the allowlist)', () => {
    expect(assertionName({ source: 'response_json', comparison: 'equal', property: 'id', value: '{{ISVUserid}}' })).toBe('response_json id equal {{ISVUserid}}');
    expect(assertionName({ source: 'response_status', comparison: 'equal_number', value: '404' })).toBe('response_status equal_number 404');
    expect(assertionName({ source: 'response_json', comparison: 'not_empty', property: 'detail', value: null })).toBe('response_json detail not_empty');
  });

  it('refuses an unknown comparison rather than passing it', () => {
    expect(() => evaluateAssertion({ source: 'response_status', comparison: 'is_fancy', value: '1' }, res, vars)).toThrow(/unknown comparison/);
  });
});

describe('scripts', () => {
  it("runs Okta's initial script unmodified: random names, e-mail, upper-case user name", () => {
    const variables = new Map<string, string>();
    runScript(readFileSync(path.resolve('test/conformance/okta/Initial_Script_Spec.txt'), 'utf8'), { variables, logs: [] });
    const email = variables.get('randomEmail')!;
    expect(variables.get('randomGivenName')).toMatch(/^Runscope\d{3}$/);
    expect(variables.get('randomFamilyName')).toMatch(/^[A-Z][a-z]{8}\d{3}$/);
    expect(email).toBe(`${variables.get('randomGivenName')}${variables.get('randomFamilyName')}@atko.com`);
    expect(variables.get('randomUsername')).toBe(email);
    expect(variables.get('randomUsernameCaps')).toBe(email.toUpperCase());
    expect(variables.get('InvalidUserEmail')).toBe('abcdefgh@atko.com');
    expect(variables.get('UserIdThatDoesNotExist')).toBe('010101001010101011001010101011');
  });

  it('gives post-response scripts response, variables, assert and log; a failed assert throws', () => {
    const variables = new Map<string, string>();
    const logs: string[] = [];
    const response = json(200, { totalResults: 2, Resources: [{}, {}] });
    runScript('var d = JSON.parse(response.body); variables.set("n", d.totalResults); assert.ok(Array.isArray(d.Resources), "array"); assert("x", "truthy"); log(true, response.status);',
      { variables, response, logs });
    expect(variables.get('n')).toBe('2');
    expect(logs).toEqual(['true 200']);
    expect(() => runScript('assert.ok(false, "no groups")', { variables, response, logs })).toThrow('no groups');
    expect(() => runScript('assert(0, "zero")', { variables, response, logs })).toThrow('zero');
  });
});

describe('runRunscopeTest', () => {
  const test: RunscopeTest = {
    name: 't',
    steps: [
      {
        step_type: 'request', note: 'list', method: 'GET', url: '{{base}}/Users?filter=userName eq "{{who}}"',
        headers: { Authorization: ['{{auth}}'], 'Accept-Charset': ['utf-8'] },
        assertions: [
          { source: 'response_status', comparison: 'equal_number', value: '200' },
          { source: 'response_json', comparison: 'not_empty', property: 'Resources[0].id', value: null },
        ],
        variables: [
          { source: 'response_json', name: 'uid', property: 'Resources[0].id' },
          { source: 'response_json', name: 'missing', property: 'Resources[5].id' },
        ],
        scripts: ['', 'assert.ok(JSON.parse(response.body).totalResults === 1, "one user")'],
      },
      { step_type: 'pause', duration: 30 },
      {
        step_type: 'request', note: 'create', method: 'POST', url: '{{base}}/Users',
        headers: { 'Content-Type': ['application/json'] }, body: '{"userName":"{{who}}","ref":"{{uid}}"}',
        assertions: [{ source: 'response_status', comparison: 'equal_number', value: '201' }],
        before_scripts: ['variables.set("who", "changed")'],
      },
      { step_type: 'request', note: 'skipped', method: 'GET', url: '{{base}}/never', skipped: true },
      { step_type: 'request', note: 'list', method: 'DELETE', url: '{{base}}/Users/{{uid}}' },
    ],
  };

  it('runs steps in order with substitution, extraction, scripts and stable names', async () => {
    const sent: OutgoingRequest[] = [];
    const send = async (req: OutgoingRequest): Promise<RunscopeResponse> => {
      sent.push(req);
      if (req.method === 'GET') return json(200, { totalResults: 1, Resources: [{ id: 'u-42' }] });
      if (req.method === 'POST') return json(409, { detail: 'exists' });
      return { status: 204, headers: {}, body: '', timeMs: 1 };
    };
    const started = Date.now();
    const report = await runRunscopeTest(test, { variables: { base: 'http://h/scim/v2', auth: 'Bearer t', who: 'ada@x' }, pauseScale: 0, send });
    expect(Date.now() - started).toBeLessThan(1000); // pause scaled away
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET http://h/scim/v2/Users?filter=userName eq "ada@x"',
      'POST http://h/scim/v2/Users',
      'DELETE http://h/scim/v2/Users/u-42',
    ]);
    expect(sent[0]!.headers).toEqual({ Authorization: 'Bearer t', 'Accept-Charset': 'utf-8' });
    // The pre-request script ran before substitution, as in Runscope.
    expect(sent[1]!.body).toBe('{"userName":"changed","ref":"u-42"}');
    expect(report.requests).toBe(3);
    expect(report.steps.map((s) => s.name)).toEqual(['list', 'create', 'list #2']);
    expect(report.outcomes.map((o) => [o.request, o.assertion, o.passed])).toEqual([
      ['list', 'response_status equal_number 200', true],
      ['list', 'response_json Resources[0].id not_empty', true],
      ['list', 'variable missing from response_json Resources[5].id', false],
      ['list', 'script #2', true],
      ['create', 'before script #1', true],
      ['create', 'response_status equal_number 201', false],
    ]);
    const failed = report.outcomes.find((o) => o.assertion === 'response_status equal_number 201')!;
    expect(failed).toMatchObject({ expected: 'equal_number 201', actual: '409', exchange: { method: 'POST', status: 409, responseBody: '{"detail":"exists"}' } });
    expect(report.variables.get('uid')).toBe('u-42');
    expect(report.variables.get('who')).toBe('changed');
  });

  it('reports a transport error as a failure of the step', async () => {
    const report = await runRunscopeTest({ name: 't', steps: [test.steps[4]!] }, {
      variables: { base: 'http://h' }, pauseScale: 0, send: async () => { throw new Error('ECONNREFUSED'); },
    });
    expect(report.outcomes).toEqual([expect.objectContaining({ assertion: '(request)', passed: false, message: 'ECONNREFUSED' })]);
  });

  it('refuses step types it does not know rather than skipping them', async () => {
    await expect(runRunscopeTest({ name: 't', steps: [{ step_type: 'condition' }] }, { variables: {}, pauseScale: 0 }))
      .rejects.toThrow(/unsupported Runscope step type "condition"/);
  });
});

describe('sendHttp', () => {
  let server: Server;
  let seen: IncomingMessage & { body?: string };
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += String(c); });
      req.on('end', () => {
        seen = Object.assign(req, { body });
        res.writeHead(201, { 'Content-Type': 'application/scim+json; charset=utf-8', Location: '/x' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends every header as written, encodes the query and returns status, headers, body and time', async () => {
    const { port } = server.address() as AddressInfo;
    const res = await sendHttp({
      method: 'POST', url: `http://127.0.0.1:${port}/scim/v2/Users?filter=userName eq "A@X"`,
      headers: { 'Accept-Charset': 'utf-8', 'User-Agent': 'OKTA SCIM Integration', 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    expect(seen.url).toBe('/scim/v2/Users?filter=userName%20eq%20%22A@X%22');
    expect(seen.headers['accept-charset']).toBe('utf-8');
    expect(seen.headers['user-agent']).toBe('OKTA SCIM Integration');
    expect(seen.body).toBe('{"a":1}');
    expect(res).toMatchObject({ status: 201, body: '{"ok":true}', headers: { location: '/x', 'content-type': 'application/scim+json; charset=utf-8' } });
    expect(res.timeMs).toBeGreaterThan(0);
  });
});
