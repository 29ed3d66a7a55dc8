// Term months: anniversaries of the term start, with the month-end rule shared with addYears
// (a day the month lacks becomes the 1st of the next month). Tables pin the rule on named
// dates; the sweep checks its promises (12 months, non-empty, ending at termEnd) on every
// start date of several years against an independent day-by-day formulation.
import { termEndFor } from '../../src/domain/organization.js';
import { addDays } from '../../src/domain/dates.js';
import { DomainError } from '../../src/domain/errors.js';
import {
  BillingError, daysBetween, termMonthBoundaries, termMonthContaining, termMonthStart,
} from '../../src/domain/billing/index.js';

describe('term month boundaries', () => {
  it.each([
    ['1st', '2025-01-01', ['2025-01-01', '2025-02-01', '2025-03-01', '2025-04-01', '2025-05-01', '2025-06-01',
      '2025-07-01', '2025-08-01', '2025-09-01', '2025-10-01', '2025-11-01', '2025-12-01', '2026-01-01']],
    ['15th', '2025-01-15', ['2025-01-15', '2025-02-15', '2025-03-15', '2025-04-15', '2025-05-15', '2025-06-15',
      '2025-07-15', '2025-08-15', '2025-09-15', '2025-10-15', '2025-11-15', '2025-12-15', '2026-01-15']],
    ['28th of February', '2025-02-28', ['2025-02-28', '2025-03-28', '2025-04-28', '2025-05-28', '2025-06-28',
      '2025-07-28', '2025-08-28', '2025-09-28', '2025-10-28', '2025-11-28', '2025-12-28', '2026-01-28', '2026-02-28']],
    ['29 February (leap start, ends 1 March)', '2024-02-29', ['2024-02-29', '2024-03-29', '2024-04-29', '2024-05-29',
      '2024-06-29', '2024-07-29', '2024-08-29', '2024-09-29', '2024-10-29', '2024-11-29', '2024-12-29', '2025-01-29',
      '2025-03-01']],
    ['29 January, leap year (29 Feb exists)', '2024-01-29', ['2024-01-29', '2024-02-29', '2024-03-29', '2024-04-29',
      '2024-05-29', '2024-06-29', '2024-07-29', '2024-08-29', '2024-09-29', '2024-10-29', '2024-11-29', '2024-12-29',
      '2025-01-29']],
    ['29 January, common year', '2025-01-29', ['2025-01-29', '2025-03-01', '2025-03-29', '2025-04-29', '2025-05-29',
      '2025-06-29', '2025-07-29', '2025-08-29', '2025-09-29', '2025-10-29', '2025-11-29', '2025-12-29', '2026-01-29']],
    ['30th', '2025-01-30', ['2025-01-30', '2025-03-01', '2025-03-30', '2025-04-30', '2025-05-30', '2025-06-30',
      '2025-07-30', '2025-08-30', '2025-09-30', '2025-10-30', '2025-11-30', '2025-12-30', '2026-01-30']],
    ['30th, leap year', '2024-01-30', ['2024-01-30', '2024-03-01', '2024-03-30', '2024-04-30', '2024-05-30',
      '2024-06-30', '2024-07-30', '2024-08-30', '2024-09-30', '2024-10-30', '2024-11-30', '2024-12-30', '2025-01-30']],
    ['31st, common year', '2025-01-31', ['2025-01-31', '2025-03-01', '2025-03-31', '2025-05-01', '2025-05-31',
      '2025-07-01', '2025-07-31', '2025-08-31', '2025-10-01', '2025-10-31', '2025-12-01', '2025-12-31', '2026-01-31']],
    ['31st, leap year', '2024-01-31', ['2024-01-31', '2024-03-01', '2024-03-31', '2024-05-01', '2024-05-31',
      '2024-07-01', '2024-07-31', '2024-08-31', '2024-10-01', '2024-10-31', '2024-12-01', '2024-12-31', '2025-01-31']],
    ['31 December (crosses February of a common year)', '2024-12-31', ['2024-12-31', '2025-01-31', '2025-03-01',
      '2025-03-31', '2025-05-01', '2025-05-31', '2025-07-01', '2025-07-31', '2025-08-31', '2025-10-01', '2025-10-31',
      '2025-12-01', '2025-12-31']],
    ['31 August (30-day months follow)', '2025-08-31', ['2025-08-31', '2025-10-01', '2025-10-31', '2025-12-01',
      '2025-12-31', '2026-01-31', '2026-03-01', '2026-03-31', '2026-05-01', '2026-05-31', '2026-07-01', '2026-07-31',
      '2026-08-31']],
  ])('a term starting on the %s (%s)', (_label, termStart, expected) => {
    const boundaries = termMonthBoundaries(termStart);
    expect(boundaries).toEqual(expected);
    expect(boundaries[12]).toBe(termEndFor(termStart));
  });

  it('computes each anniversary from the term start, not from the previous month', () => {
    // Chaining 31 Jan → 1 Mar → 1 Apr would lose the 31st; the rule comes back to it.
    expect(termMonthStart('2025-01-31', 2)).toBe('2025-03-31');
    expect(termMonthStart('2025-01-31', 0)).toBe('2025-01-31');
    expect(termMonthStart('2025-01-31', 12)).toBe('2026-01-31');
    expect(() => termMonthStart('2025-01-31', 13)).toThrow(RangeError);
    expect(() => termMonthStart('2025-01-31', 1.5)).toThrow(RangeError);
    expect(() => termMonthStart('2025-02-31', 1)).toThrow(BillingError);
  });
});

/** Independent formulation: walk the term day by day; a day starts a term month when it carries
 * the start's day-of-month, or when it is the 1st and the previous month had no such day. */
function boundariesByWalking(termStart: string): string[] {
  const startDay = Number(termStart.slice(8));
  const termEnd = termEndFor(termStart);
  const found = [termStart];
  for (let day = addDays(termStart, 1); day < termEnd; day = addDays(day, 1)) {
    const dom = Number(day.slice(8));
    const previousMonthLength = Number(addDays(`${day.slice(0, 8)}01`, -1).slice(8));
    if (dom === startDay || (dom === 1 && previousMonthLength < startDay)) found.push(day);
  }
  found.push(termEnd);
  return found;
}

describe('term month boundaries on every start date of 2023–2028', () => {
  const starts: string[] = [];
  for (let day = '2023-01-01'; day <= '2028-12-31'; day = addDays(day, 1)) starts.push(day);

  it('gives exactly 12 non-empty months of 28–31 days ending at termEnd, as the day-by-day walk does', () => {
    const failures: string[] = [];
    for (const termStart of starts) {
      const boundaries = termMonthBoundaries(termStart);
      const lengths = boundaries.slice(1).map((end, i) => daysBetween(boundaries[i] as string, end));
      const ok = boundaries.length === 13
        && boundaries[0] === termStart
        && boundaries[12] === termEndFor(termStart)
        && lengths.every((n) => n >= 28 && n <= 31)
        && lengths.reduce((a, b) => a + b, 0) === daysBetween(termStart, termEndFor(termStart))
        && JSON.stringify(boundaries) === JSON.stringify(boundariesByWalking(termStart));
      if (!ok) failures.push(`${termStart}: ${boundaries.join(' ')}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('the term month containing a date', () => {
  it.each([
    // termStart, date, index, start, end, days
    ['2025-01-01', '2025-01-01', 0, '2025-01-01', '2025-02-01', 31],
    ['2025-01-01', '2025-02-14', 1, '2025-02-01', '2025-03-01', 28],
    ['2024-01-01', '2024-02-29', 1, '2024-02-01', '2024-03-01', 29],
    ['2025-01-15', '2025-02-14', 0, '2025-01-15', '2025-02-15', 31],
    ['2025-01-15', '2025-02-15', 1, '2025-02-15', '2025-03-15', 28],
    ['2024-01-15', '2024-03-14', 1, '2024-02-15', '2024-03-15', 29],
    ['2025-01-31', '2025-02-28', 0, '2025-01-31', '2025-03-01', 29],
    ['2024-01-31', '2024-02-29', 0, '2024-01-31', '2024-03-01', 30],
    ['2024-02-29', '2025-02-28', 11, '2025-01-29', '2025-03-01', 31],
    ['2025-01-01', '2025-12-31', 11, '2025-12-01', '2026-01-01', 31],
  ])('term %s, %s → month %i [%s, %s), %i days', (termStart, date, index, start, end, days) => {
    expect(termMonthContaining(termStart, date)).toEqual({ index, start, end, days });
  });

  it.each([
    ['2025-01-01', '2024-12-31'],
    ['2025-01-01', '2026-01-01'],
    ['2024-02-29', '2025-03-01'],
  ])('refuses a date outside the term (%s, %s)', (termStart, date) => {
    expect(() => termMonthContaining(termStart, date)).toThrow(
      expect.objectContaining({ name: 'BillingError', reason: 'outside_term', code: 'invalid_input' }));
  });

  it('refuses dates that are not dates, with a typed domain error', () => {
    for (const [start, date] of [['2025-02-29', '2025-03-01'], ['2025-01-01', '2025-01-32'], ['20250101', '2025-01-02']]) {
      let error: unknown;
      try { termMonthContaining(start as string, date as string); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(BillingError);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as BillingError).reason).toBe('invalid_date');
    }
  });
});
