// Decision 0021: the timestamptz fast path gives the Date that pg-types' parser gives, on every
// form PostgreSQL sends (and hands every other form to it).
import pg from 'pg';
import { isoOfTimestamptz, timestamptzParser } from '../../src/storage/timestamps.js';

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

// Decision 0038: a listed user's created/lastModified are written from PostgreSQL's text.
describe('isoOfTimestamptz', () => {
  const iso = (text: string) => (fast(text) as Date).toISOString();

  it('is the Date\'s toISOString() on UTC timestamps with 0 to 6 fraction digits, days past the month included', () => {
    let seed = 11;
    const random = (max: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % max; };
    let written = 0;
    for (let i = 0; i < 10000; i++) {
      const digits = i % 7;
      const fraction = digits === 0 ? '' : `.${pad(random(10 ** digits), digits)}`;
      const text = `${pad(100 + random(9900), 4)}-${pad(1 + random(12), 2)}-${pad(1 + random(31), 2)} ${pad(random(24), 2)}:${pad(random(60), 2)}:${pad(random(60), 2)}${fraction}+00`;
      const mine = isoOfTimestamptz(text);
      // Undefined only where Date.UTC carries a day over into the next month.
      if (mine === undefined) expect(iso(text).slice(0, 10)).not.toBe(text.slice(0, 10));
      else { expect([text, mine]).toEqual([text, iso(text)]); written += 1; }
    }
    expect(written).toBeGreaterThan(9000);
    for (const text of ['2024-02-29 00:00:00+00', '2000-02-29 23:59:59.5+00', '1900-02-28 12:00:00.000001+00', '9999-12-31 23:59:59.999999+00', '0100-01-01 00:00:00+00']) {
      expect(isoOfTimestamptz(text)).toBe(iso(text));
    }
    for (const text of ['2023-02-29 00:00:00+00', '1900-02-29 00:00:00+00', '2026-04-31 00:00:00+00', '2026-13-01 00:00:00+00', '2026-00-10 00:00:00+00']) {
      expect(isoOfTimestamptz(text)).toBeUndefined();
    }
  });

  it('has the Date\'s milliseconds for 6-digit fractions: every millisecond\'s edges, and every 7th between', () => {
    for (let f = 0; f < 1000000; f += 1) {
      const m = f % 1000;
      if (m !== 0 && m !== 1 && m !== 999 && f % 7 !== 0) continue;
      const text = `2026-12-06 13:44:12.${pad(f, 6)}+00`;
      const ms = Number(isoOfTimestamptz(text)!.slice(20, 23));
      if (ms !== (fast(text) as Date).getUTCMilliseconds()) expect([text, ms]).toEqual([text, (fast(text) as Date).getUTCMilliseconds()]);
    }
  });

  it('leaves every other form to the Date', () => {
    for (const text of ['infinity', '-infinity', '2026-12-06 13:44:12.785+01', '2026-12-06 13:44:12-05:30', '0099-01-01 00:00:00+00',
      '0001-01-01 00:00:00+00 BC', '12026-01-01 00:00:00+00', '2026-12-06 13:44:12.+00', '2026-12-06T13:44:12+00', '2026-12-06 13:44:1x+00',
      '2026-12-06 24:00:00+00', '2026-12-06 23:60:00+00', '2026-12-06 23:59:60+00']) {
      expect(isoOfTimestamptz(text)).toBeUndefined();
    }
  });
});
