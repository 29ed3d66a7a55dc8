// Decision 0021: the timestamptz fast path gives the Date that pg-types' parser gives, on every
// form PostgreSQL sends (and hands every other form to it).
import pg from 'pg';
import { timestamptzParser } from '../../src/storage/timestamps.js';

const general = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => unknown;
let generalCalls = 0;
const fast = timestamptzParser((text) => { generalCalls += 1; return general(text); });

const same = (text: string) => {
  const a = fast(text), b = general(text);
  expect(a instanceof Date ? a.getTime() : a).toEqual(b instanceof Date ? b.getTime() : b);
};
const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('timestamptzParser', () => {
  it('equals the general parser on UTC timestamps with 0 to 6 fraction digits, without calling it', () => {
    let seed = 7;
    const random = (max: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % max; };
    generalCalls = 0;
    for (let i = 0; i < 20000; i++) {
      const digits = i % 7;
      const fraction = digits === 0 ? '' : `.${pad(random(10 ** digits), digits)}`;
      const text = `${pad(100 + random(9900), 4)}-${pad(1 + random(12), 2)}-${pad(1 + random(28), 2)} ${pad(random(24), 2)}:${pad(random(60), 2)}:${pad(random(60), 2)}${fraction}+00`;
      same(text);
    }
    for (const text of ['2026-12-06 13:44:12.785123+00', '2026-12-06 13:44:12.999999+00', '2026-12-06 13:44:12.000001+00', '1970-01-01 00:00:00+00', '2000-02-29 23:59:59.5+00']) same(text);
    expect(generalCalls).toBe(0);
  });

  it('hands other forms to the general parser', () => {
    const others = ['infinity', '-infinity', '2026-12-06 13:44:12.785+01', '2026-12-06 13:44:12-05:30', '0099-01-01 00:00:00+00',
      '0001-01-01 00:00:00+00 BC', '12026-01-01 00:00:00+00', '2026-12-06 13:44:12.+00', '2026-12-06T13:44:12+00', '2026-12-06 13:44:1x+00'];
    generalCalls = 0;
    for (const text of others) same(text);
    expect(generalCalls).toBe(others.length);
  });
});
