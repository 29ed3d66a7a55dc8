// The edge's JSON check (src/interfaces/http/input.ts), without HTTP: depth, NUL, surrogates.
import { checkJson, InputRejected, MAX_JSON_DEPTH, unstorableText } from '../../src/interfaces/http/input.js';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? { a: value } : [value];
  return value;
};

const rejection = (value: unknown) => {
  try {
    checkJson(value, 'body');
    return undefined;
  } catch (error) {
    if (!(error instanceof InputRejected)) throw error;
    return { problem: error.problem, message: error.message };
  }
};

describe('checkJson', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels of objects and arrays and refuses one more, however deep`, () => {
    expect(rejection(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(rejection(nested(MAX_JSON_DEPTH + 1))).toEqual({ problem: 'syntax', message: `The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.` });
    // far past the stack: the walk is iterative
    expect(rejection(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)))?.problem).toBe('syntax');
  });

  it('refuses NUL and unpaired surrogates in values and keys, naming where', () => {
    expect(rejection({ userName: 'a\u0000b' })).toEqual({ problem: 'value', message: 'body.userName contains a NUL character (U+0000).' });
    expect(rejection({ emails: [{ value: 'x\ud800' }] })).toEqual({ problem: 'value', message: 'body.emails[0].value is not valid Unicode (an unpaired surrogate).' });
    expect(rejection({ ext: { 'k\u0000': 1 } })?.message).toMatch(/^The key "k\\u0000" in body.ext contains a NUL/);
    expect(rejection({ ['\udc00']: 1 })?.problem).toBe('value');
  });

  it('accepts every other string: emoji (paired surrogates), control characters, the escaped text \\u0000', () => {
    expect(rejection({ a: '🙂 e\u0301 \u202e \u0001\t', b: '\\u0000', c: ['', null, true, 1e300] })).toBeUndefined();
  });
});

describe('unstorableText', () => {
  it.each([
    ['plain', undefined], ['a\u0000', 'contains a NUL character (U+0000)'], ['\ud83d', 'is not valid Unicode (an unpaired surrogate)'],
    ['\ude00\ud83d', 'is not valid Unicode (an unpaired surrogate)'], ['\ud83d\ude00', undefined],
  ])('%j → %s', (text, problem) => {
    expect(unstorableText(text)).toBe(problem);
  });
});
