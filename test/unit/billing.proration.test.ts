// Proration of seat purchases and renewal lines (SPEC §5). Expected amounts in the tables were
// computed independently (exact fractions); the sweeps check the rule's promises on every day of
// terms that start on awkward dates.
import { addDays } from '../../src/domain/dates.js';
import { DomainError } from '../../src/domain/errors.js';
import { termEndFor } from '../../src/domain/organization.js';
import {
  BillingError, describeProrationRule, describeRoundingRule, describeMonthEndRule, proratePurchase, remainingTerm,
  renewalLine, roundHalfUp, termMonthBoundaries, type BillingErrorReason, type PurchaseInput,
} from '../../src/domain/billing/index.js';

function thrown(fn: () => unknown): unknown {
  try { fn(); } catch (error) { return error; }
  throw new Error('expected a throw');
}

function expectBillingError(fn: () => unknown, reason: BillingErrorReason): void {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(BillingError);
  expect(error).toBeInstanceOf(DomainError);
  expect(error).toMatchObject({ code: 'invalid_input', reason, details: expect.objectContaining({ reason }) });
}

describe('the worked example (SPEC §5)', () => {
  it('term from 1 January, 5 seats added on 1 March → 5 × monthly price × 10', () => {
    const line = proratePurchase({ termStart: '2025-01-01', purchaseDate: '2025-03-01', quantity: 5, monthlyPriceMinor: 3000 });
    expect(line).toEqual({
      kind: 'proration', quantity: 5, unitPriceMinor: 3000, periodStart: '2025-03-01', periodEnd: '2026-01-01',
      wholeMonths: 10, partialDays: 0, partialMonthDays: 0, amountMinor: 5 * 3000 * 10,
      ruleText: '5 seats × 3000 per month × 10 months from 2025-03-01 to 2026-01-01 (exclusive) = 150000',
    });
  });

  it('holds in a leap year too', () => {
    expect(proratePurchase({ termStart: '2024-01-01', purchaseDate: '2024-03-01', quantity: 5, monthlyPriceMinor: 3000 }))
      .toMatchObject({ wholeMonths: 10, partialDays: 0, amountMinor: 150000 });
  });
});

describe('purchase lines', () => {
  type Row = [label: string, termStart: string, purchaseDate: string, quantity: number, price: number,
    wholeMonths: number, partialDays: number, partialMonthDays: number, amountMinor: number];
  const rows: Row[] = [
    // On the term start: exactly 12 months.
    ['term start, 1st', '2025-01-01', '2025-01-01', 5, 1000, 12, 0, 0, 60000],
    ['term start, 31st', '2025-01-31', '2025-01-31', 2, 999, 12, 0, 0, 23976],
    ['term start, 29 Feb', '2024-02-29', '2024-02-29', 1, 1000, 12, 0, 0, 12000],
    // On month boundaries: whole months only.
    ['boundary, 15th', '2025-01-15', '2025-03-15', 1, 2800, 10, 0, 0, 28000],
    ['boundary, last month', '2025-01-01', '2025-12-01', 3, 1000, 1, 0, 0, 3000],
    ['boundary moved to 1 Mar (start 30 Jan)', '2025-01-30', '2025-03-01', 1, 3000, 11, 0, 0, 33000],
    ['boundary moved to 1 Mar (start 31 Jan)', '2025-01-31', '2025-03-01', 1, 2900, 11, 0, 0, 31900],
    ['boundary on 29 Feb (start 29 Jan, leap)', '2024-01-29', '2024-02-29', 1, 2900, 11, 0, 0, 31900],
    ['boundary 29 Jan of a 29 Feb term', '2024-02-29', '2025-01-29', 1, 3100, 1, 0, 0, 3100],
    // Mid-month in 28-, 29-, 30- and 31-day term months.
    ['mid-month, 28-day month', '2025-01-01', '2025-02-15', 1, 2800, 10, 14, 28, 29400],
    ['mid-month, 29-day month (leap Feb)', '2024-01-01', '2024-02-15', 1, 2900, 10, 15, 29, 30500],
    ['mid-month, 30-day month', '2025-01-01', '2025-04-16', 1, 3000, 8, 15, 30, 25500],
    ['mid-month, 31-day month', '2025-01-01', '2025-03-20', 5, 3100, 9, 12, 31, 145500],
    ['day before a boundary, 15th start', '2025-01-15', '2025-03-14', 1, 2800, 10, 1, 28, 28100],
    ['15th start, month spanning leap Feb', '2024-01-15', '2024-02-20', 1, 2900, 10, 24, 29, 31400],
    ['15th start, month spanning common Feb', '2024-11-15', '2025-02-20', 1, 2800, 8, 23, 28, 24700],
    ['28 Feb start, first day after it', '2025-02-28', '2025-03-01', 1, 2800, 11, 27, 28, 33500],
    ['30th start, 28 Feb (month 30 Jan–28 Feb, 30 days)', '2025-01-30', '2025-02-28', 1, 3000, 11, 1, 30, 33100],
    ['31st start, 28 Feb (month 31 Jan–28 Feb, 29 days)', '2025-01-31', '2025-02-28', 1, 2900, 11, 1, 29, 32000],
    ['31st start, leap 29 Feb (30-day month, rounds up)', '2024-01-31', '2024-02-29', 1, 2900, 11, 1, 30, 31997],
    ['29th start, common 28 Feb (31-day month, rounds up)', '2025-01-29', '2025-02-28', 1, 2900, 11, 1, 31, 31994],
    ['across the leap day (Feb 2024 month)', '2023-06-01', '2024-02-15', 1, 2900, 3, 15, 29, 10200],
    ['29 Feb start, 29 Feb of the next year does not exist', '2024-02-29', '2025-02-01', 1, 3100, 0, 28, 31, 2800],
    ['29 Feb start, day after start', '2024-02-29', '2024-03-01', 1, 2900, 11, 28, 29, 34700],
    // Last day of the term (one day before termEnd): 1 day of the last term month.
    ['last day, 1st start', '2025-01-01', '2025-12-31', 1, 3100, 0, 1, 31, 100],
    ['last day, 28 Feb start (31-day last month)', '2025-02-28', '2026-02-27', 1, 2800, 0, 1, 31, 90],
    ['last day, 29 Feb start (ends 1 Mar)', '2024-02-29', '2025-02-28', 1, 3100, 0, 1, 31, 100],
    ['last day, 31 Dec start', '2024-12-31', '2025-12-30', 1, 3000, 0, 1, 30, 100],
    ['last day, 1 Mar 2023 start (leap Feb last)', '2023-03-01', '2024-02-29', 1, 2900, 0, 1, 29, 100],
    // Large: 100,000 seats × 10,000,000 minor units, exact.
    ['large, full term', '2025-01-01', '2025-01-01', 100_000, 10_000_000, 12, 0, 0, 12_000_000_000_000],
    ['large, mid-month', '2025-01-01', '2025-03-15', 100_000, 10_000_000, 9, 17, 31, 9_548_387_096_774],
    ['price 0 (free seats)', '2025-01-01', '2025-03-20', 5, 0, 9, 12, 31, 0],
  ];

  it.each(rows)('%s: term %s, bought %s, %i × %i', (_label, termStart, purchaseDate, quantity, price,
    wholeMonths, partialDays, partialMonthDays, amountMinor) => {
    const line = proratePurchase({ termStart, purchaseDate, quantity, monthlyPriceMinor: price });
    expect(line).toMatchObject({
      kind: 'proration', quantity, unitPriceMinor: price, periodStart: purchaseDate, periodEnd: termEndFor(termStart),
      wholeMonths, partialDays, partialMonthDays, amountMinor,
    });
    expect(Number.isSafeInteger(line.amountMinor)).toBe(true);
  });

  it('accepts a bigint price (the column is bigint) and the stored termEnd', () => {
    expect(proratePurchase({
      termStart: '2025-01-01', termEnd: '2026-01-01', purchaseDate: '2025-03-01', quantity: 5, monthlyPriceMinor: 3000n,
    })).toMatchObject({ unitPriceMinor: 3000, amountMinor: 150000 });
  });

  it('explains partial months in ruleText', () => {
    expect(proratePurchase({ termStart: '2025-01-01', purchaseDate: '2025-03-20', quantity: 5, monthlyPriceMinor: 3000 }).ruleText)
      .toBe('5 seats × 3000 per month × (9 months + 12/31 of a month) from 2025-03-20 to 2026-01-01 (exclusive) = 140806.451… → 140806, rounded half up');
    expect(proratePurchase({ termStart: '2025-10-01', purchaseDate: '2026-09-30', quantity: 1, monthlyPriceMinor: 15 }).ruleText)
      .toBe('1 seat × 15 per month × 1/30 of a month from 2026-09-30 to 2026-10-01 (exclusive) = 0.5 → 1, rounded half up');
  });
});

describe('rounding: exact rational, rounded once per line, half up', () => {
  // A purchase on 30 Sep 2026 in a term starting 1 Oct 2025 is 1 day of a 30-day term month.
  const oneDayOf30 = (quantity: number, monthlyPriceMinor: number) =>
    proratePurchase({ termStart: '2025-10-01', purchaseDate: '2026-09-30', quantity, monthlyPriceMinor }).amountMinor;
  // And on 28 Feb 2026 in a term starting 1 Mar 2025, 1 day of a 28-day term month.
  const oneDayOf28 = (quantity: number, monthlyPriceMinor: number) =>
    proratePurchase({ termStart: '2025-03-01', purchaseDate: '2026-02-28', quantity, monthlyPriceMinor }).amountMinor;

  it.each([
    ['price 1 → 0.033… → 0', 1, 1, 0],
    ['price 14 → 0.466… → 0', 1, 14, 0],
    ['price 15 → 0.5 → 1 (half goes up)', 1, 15, 1],
    ['price 16 → 0.533… → 1', 1, 16, 1],
    ['price 44 → 1.466… → 1', 1, 44, 1],
    ['price 45 → 1.5 → 2', 1, 45, 2],
    ['price 75 → 2.5 → 3', 1, 75, 3],
    ['3 seats × 15 → 1.5 → 2 (per-seat rounding would give 3)', 3, 15, 2],
    ['2 seats × 10 → 0.666… → 1 (per-seat rounding would give 0)', 2, 10, 1],
    ['30 seats × 1 → exactly 1', 30, 1, 1],
  ])('1 day of a 30-day month: %s', (_label, quantity, price, expected) => {
    expect(oneDayOf30(quantity, price)).toBe(expected);
  });

  it.each([
    ['price 14 → 0.5 → 1', 1, 14, 1],
    ['price 13 → 0.464… → 0', 1, 13, 0],
    ['price 42 → 1.5 → 2', 1, 42, 2],
  ])('1 day of a 28-day month: %s', (_label, quantity, price, expected) => {
    expect(oneDayOf28(quantity, price)).toBe(expected);
  });

  it('roundHalfUp rounds to nearest with halves up, and refuses what it was not made for', () => {
    // Compared as strings: jest workers cannot serialize a failing BigInt comparison.
    const cases: Array<[bigint, bigint, bigint]> = [
      [0n, 7n, 0n], [1n, 2n, 1n], [3n, 2n, 2n], [49n, 100n, 0n], [50n, 100n, 1n], [149n, 100n, 1n],
      [10n ** 30n + 1n, 2n, 5n * 10n ** 29n + 1n],
    ];
    for (const [num, den, expected] of cases) expect(`${num}/${den} → ${roundHalfUp(num, den)}`).toBe(`${num}/${den} → ${expected}`);
    expect(() => roundHalfUp(-1n, 2n)).toThrow(RangeError);
    expect(() => roundHalfUp(1n, 0n)).toThrow(RangeError);
  });
});

describe('every purchase day of awkward terms', () => {
  const starts = ['2025-01-01', '2024-01-01', '2025-01-15', '2025-02-28', '2024-02-28', '2024-02-29', '2025-01-29',
    '2024-01-29', '2025-01-30', '2025-01-31', '2024-01-31', '2024-12-31', '2025-08-31', '2023-03-01'];
  const quantity = 7;
  const price = 12_345;

  it.each(starts)('term starting %s', (termStart) => {
    const termEnd = termEndFor(termStart);
    const boundaries = new Set(termMonthBoundaries(termStart));
    const failures: string[] = [];
    let previous = Number.POSITIVE_INFINITY;
    let days = 0;
    for (let date = termStart; date < termEnd; date = addDays(date, 1), days += 1) {
      const line = proratePurchase({ termStart, purchaseDate: date, quantity, monthlyPriceMinor: price });
      // Independent oracle: count term months from the end of the term by walking back over
      // the boundaries, then the exact amount with BigInt and half-up rounding.
      const later = [...boundaries].filter((b) => b > date);
      const monthEnd = later[0] as string;
      const isBoundary = boundaries.has(date);
      const wholeMonths = isBoundary ? later.length : later.length - 1;
      const partialDays = isBoundary ? 0 : Math.round((Date.parse(monthEnd) - Date.parse(date)) / 86_400_000);
      const monthStart = [...boundaries].filter((b) => b <= date).pop() as string;
      const partialMonthDays = isBoundary ? 0 : Math.round((Date.parse(monthEnd) - Date.parse(monthStart)) / 86_400_000);
      const den = BigInt(partialMonthDays || 1);
      const num = BigInt(quantity) * BigInt(price) * (BigInt(wholeMonths) * den + BigInt(partialDays));
      const expected = Number((num * 2n + den) / (den * 2n));
      const ok = line.wholeMonths === wholeMonths && line.partialDays === partialDays
        && line.partialMonthDays === partialMonthDays && line.amountMinor === expected
        && line.periodStart === date && line.periodEnd === termEnd
        && line.amountMinor <= previous
        && (isBoundary ? line.amountMinor === quantity * price * wholeMonths
          : partialDays >= 1 && partialDays < partialMonthDays && wholeMonths <= 11);
      if (!ok) failures.push(`${date}: ${JSON.stringify(line)} expected ${wholeMonths}/${partialDays}/${partialMonthDays}/${expected}`);
      previous = line.amountMinor;
    }
    expect(failures).toEqual([]);
    expect(days).toBe(Math.round((Date.parse(termEnd) - Date.parse(termStart)) / 86_400_000));
    expect(proratePurchase({ termStart, purchaseDate: termStart, quantity, monthlyPriceMinor: price }).amountMinor)
      .toBe(12 * quantity * price);
    const lastDay = proratePurchase({ termStart, purchaseDate: addDays(termEnd, -1), quantity, monthlyPriceMinor: price });
    expect(lastDay).toMatchObject({ wholeMonths: 0, partialDays: 1 });
  });
});

describe('remainingTerm', () => {
  it('gives the breakdown without prices', () => {
    expect(remainingTerm('2025-01-01', '2025-03-20')).toEqual({
      periodStart: '2025-03-20', periodEnd: '2026-01-01', wholeMonths: 9, partialDays: 12, partialMonthDays: 31,
    });
  });
});

describe('renewal lines', () => {
  it('charges 12 × quantity × price for the new term', () => {
    expect(renewalLine(105, 3000, '2026-01-01')).toEqual({
      kind: 'renewal', quantity: 105, unitPriceMinor: 3000, periodStart: '2026-01-01', periodEnd: '2027-01-01',
      wholeMonths: 12, partialDays: 0, partialMonthDays: 0, amountMinor: 12 * 105 * 3000,
      ruleText: '105 seats × 3000 per month × 12 months from 2026-01-01 to 2027-01-01 (exclusive) = 3780000',
    });
  });

  it('works without a term date (amount only) and for a 29 Feb renewal', () => {
    expect(renewalLine(5, 1000)).toEqual({
      kind: 'renewal', quantity: 5, unitPriceMinor: 1000, wholeMonths: 12, partialDays: 0, partialMonthDays: 0,
      amountMinor: 60000, ruleText: '5 seats × 1000 per month × 12 months = 60000',
    });
    expect(renewalLine(1, 1000, '2028-02-29')).toMatchObject({ periodEnd: '2029-03-01', amountMinor: 12000 });
  });

  it('accepts 0 seats (a 0 line the caller may drop) and large exact amounts', () => {
    expect(renewalLine(0, 1000).amountMinor).toBe(0);
    expect(renewalLine(100_000, 10_000_000n).amountMinor).toBe(12_000_000_000_000);
  });

  it.each([
    ['negative quantity', () => renewalLine(-1, 1000), 'invalid_quantity'],
    ['fractional quantity', () => renewalLine(1.5, 1000), 'invalid_quantity'],
    ['negative price', () => renewalLine(1, -1), 'invalid_price'],
    ['bad term start', () => renewalLine(1, 1000, '2026-02-29'), 'invalid_date'],
  ] as const)('refuses %s', (_label, fn, reason) => {
    expectBillingError(fn, reason);
  });
});

describe('invalid purchases are refused with typed errors', () => {
  const valid: PurchaseInput = { termStart: '2025-01-01', purchaseDate: '2025-03-01', quantity: 5, monthlyPriceMinor: 1000 };
  const bad = (patch: Record<string, unknown>) => () => proratePurchase({ ...valid, ...patch } as PurchaseInput);

  it.each([
    ['quantity 0 (nothing to invoice)', { quantity: 0 }, 'invalid_quantity'],
    ['negative quantity', { quantity: -5 }, 'invalid_quantity'],
    ['fractional quantity', { quantity: 2.5 }, 'invalid_quantity'],
    ['NaN quantity', { quantity: Number.NaN }, 'invalid_quantity'],
    ['infinite quantity', { quantity: Number.POSITIVE_INFINITY }, 'invalid_quantity'],
    ['quantity as a string', { quantity: '5' }, 'invalid_quantity'],
    ['quantity as a bigint', { quantity: 5n }, 'invalid_quantity'],
    ['unsafe quantity', { quantity: 2 ** 53 }, 'invalid_quantity'],
    ['negative price', { monthlyPriceMinor: -1 }, 'invalid_price'],
    ['negative bigint price', { monthlyPriceMinor: -1n }, 'invalid_price'],
    ['fractional price', { monthlyPriceMinor: 10.5 }, 'invalid_price'],
    ['NaN price', { monthlyPriceMinor: Number.NaN }, 'invalid_price'],
    ['price as a string', { monthlyPriceMinor: '1000' }, 'invalid_price'],
    ['unsafe bigint price', { monthlyPriceMinor: 2n ** 60n }, 'invalid_price'],
    ['purchase before the term', { purchaseDate: '2024-12-31' }, 'outside_term'],
    ['purchase on termEnd', { purchaseDate: '2026-01-01' }, 'outside_term'],
    ['purchase after the term', { purchaseDate: '2027-06-01' }, 'outside_term'],
    ['purchase not a date (30 Feb)', { purchaseDate: '2025-02-30' }, 'invalid_date'],
    ['purchase not a date (month 13)', { purchaseDate: '2025-13-01' }, 'invalid_date'],
    ['purchase unpadded', { purchaseDate: '2025-3-1' }, 'invalid_date'],
    ['purchase timestamp', { purchaseDate: '2025-03-01T00:00:00Z' }, 'invalid_date'],
    ['purchase empty', { purchaseDate: '' }, 'invalid_date'],
    ['purchase undefined', { purchaseDate: undefined }, 'invalid_date'],
    ['term start 29 Feb of a common year', { termStart: '2025-02-29' }, 'invalid_date'],
    ['term start garbage', { termStart: 'soon' }, 'invalid_date'],
    ['term ending past year 9999', { termStart: '9999-06-01', purchaseDate: '9999-07-01' }, 'invalid_date'],
    ['termEnd not termStart + 1 year', { termEnd: '2025-12-31' }, 'invalid_term'],
    ['amount beyond exact numbers', { quantity: 1_000_000, monthlyPriceMinor: 1_000_000_000_000 }, 'amount_too_large'],
  ] as const)('%s', (_label, patch, reason) => {
    expectBillingError(bad(patch), reason);
  });

  it('says what was wrong', () => {
    expect(thrown(bad({ purchaseDate: '2026-01-01' }))).toMatchObject({
      message: '2026-01-01 is outside the term [2025-01-01, 2026-01-01)',
      details: { reason: 'outside_term', date: '2026-01-01', termStart: '2025-01-01', termEnd: '2026-01-01' },
    });
  });
});

describe('describeProrationRule', () => {
  it('documents proration, the month-end rule and the rounding rule in one text', () => {
    expect(describeProrationRule).toContain(describeMonthEndRule);
    expect(describeProrationRule).toContain(describeRoundingRule);
    expect(describeProrationRule).toMatch(/5 × monthly price × 10/);
    expect(describeProrationRule).toMatch(/half up/);
  });
});
