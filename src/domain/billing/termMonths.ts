// Term months: the 12 anniversaries of the term start that cut an annual term [termStart,
// termEnd) into months. Pure calendar arithmetic in UTC on ISO dates (YYYY-MM-DD).
import { isIsoDate, toIsoDate } from '../dates.js';
import { termEndFor } from '../organization.js';
import { BillingError } from './errors.js';

export const MONTHS_PER_TERM = 12;

const MS_PER_DAY = 86_400_000;

/**
 * The month-end rule, shared with `addYears` (29 Feb → 1 Mar): when the target month has no
 * day with the term start's day-of-month, the anniversary is the 1st of the following month.
 * Because the year rule is the same, the 12th anniversary is always exactly termEnd.
 */
export const describeMonthEndRule =
  'Term months start on the anniversaries of the term start (a term starting on the 15th has months ' +
  'from the 15th to the 14th). When a month has no such day (the 29th, 30th or 31st in a shorter month), ' +
  'that term month starts on the 1st of the following month instead: a term starting 31 January has months ' +
  'starting 31 Jan, 1 Mar, 31 Mar, 1 May, 31 May, 1 Jul, 31 Jul, 31 Aug, 1 Oct, 31 Oct, 1 Dec, 31 Dec. ' +
  'This is the rule the term end already follows (a term starting 29 February ends on 1 March), so the ' +
  '12th anniversary is always the term end, every term has exactly 12 term months, and every term month ' +
  'has 28 to 31 days.';

interface Ymd { y: number; m: number; d: number }

function parse(isoDate: string): Ymd {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return { y, m, d };
}

/** Throws a typed error unless `value` is a real calendar date in YYYY-MM-DD form. */
export function requireIsoDate(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isIsoDate(value)) {
    throw new BillingError('invalid_date', `${field} must be a date (YYYY-MM-DD), got ${JSON.stringify(String(value))}`,
      { field });
  }
  return value;
}

/** Days since 1970-01-01 (UTC); differences of these are day counts without DST surprises. */
export function epochDay(isoDate: string): number {
  const { y, m, d } = parse(isoDate);
  return Date.UTC(y, m - 1, d) / MS_PER_DAY;
}

/** The number of days in [from, to). */
export function daysBetween(from: string, to: string): number {
  return epochDay(to) - epochDay(from);
}

function daysInMonth(y: number, m: number): number {
  // Day 0 of the next month is the last day of month m (1-based m = 0-based next month).
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * The start of term month `k` (0 ≤ k ≤ 12) of a term starting `termStart`: the k-th monthly
 * anniversary, moved to the 1st of the next month when the day does not exist (see the rule).
 * Always computed from termStart itself, never chained, so a 31st start returns to the 31st.
 */
export function termMonthStart(termStart: string, k: number): string {
  requireIsoDate(termStart, 'termStart');
  if (!Number.isInteger(k) || k < 0 || k > MONTHS_PER_TERM) {
    throw new RangeError(`term month index must be an integer in 0..${MONTHS_PER_TERM}, got ${k}`);
  }
  const { y, m, d } = parse(termStart);
  const monthIndex = m - 1 + k;
  const year = y + Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  if (d <= daysInMonth(year, month)) return toIsoDate(new Date(Date.UTC(year, month - 1, d)));
  return toIsoDate(new Date(Date.UTC(year, month, 1)));
}

/** Validates termStart (and termEnd when given) and returns the term's end, exclusive. */
export function requireTerm(termStart: unknown, termEnd?: unknown): { termStart: string; termEnd: string } {
  const start = requireIsoDate(termStart, 'termStart');
  const end = termEndFor(start);
  // addYears past year 9999 yields an expanded ISO year that is not a date we can store.
  if (!isIsoDate(end)) {
    throw new BillingError('invalid_date', `a term starting ${start} ends beyond year 9999`, { field: 'termStart' });
  }
  if (termEnd !== undefined && termEnd !== end) {
    throw new BillingError('invalid_term',
      `termEnd ${JSON.stringify(String(termEnd))} is not one year after termStart ${start} (expected ${end})`,
      { termStart: start, termEnd: String(termEnd), expectedTermEnd: end });
  }
  return { termStart: start, termEnd: end };
}

/** The 13 boundaries of a term: boundaries[k] starts term month k, boundaries[12] is termEnd. */
export function termMonthBoundaries(termStart: string): string[] {
  const { termStart: start, termEnd } = requireTerm(termStart);
  const boundaries: string[] = [];
  for (let k = 0; k <= MONTHS_PER_TERM; k += 1) boundaries.push(termMonthStart(start, k));
  // The rule guarantees this; checking it keeps a future change to addYears from silently
  // splitting the last term month from the term end.
  if (boundaries[MONTHS_PER_TERM] !== termEnd) {
    throw new Error(`term month boundaries of ${start} end at ${boundaries[MONTHS_PER_TERM]}, not at ${termEnd}`);
  }
  return boundaries;
}

export interface TermMonth {
  /** 0 for the first term month, 11 for the last. */
  index: number;
  /** First day of the term month. */
  start: string;
  /** First day of the next term month (exclusive end). */
  end: string;
  /** Days in [start, end). */
  days: number;
}

/** The term month containing `date`; throws `outside_term` unless termStart ≤ date < termEnd. */
export function termMonthContaining(termStart: string, date: string): TermMonth {
  const boundaries = termMonthBoundaries(termStart);
  requireIsoDate(date, 'date');
  const termEnd = boundaries[MONTHS_PER_TERM] as string;
  // ISO dates of four-digit years compare correctly as strings.
  if (date < termStart || date >= termEnd) {
    throw new BillingError('outside_term', `${date} is outside the term [${termStart}, ${termEnd})`,
      { date, termStart, termEnd });
  }
  let index = 0;
  while ((boundaries[index + 1] as string) <= date) index += 1;
  const start = boundaries[index] as string;
  const end = boundaries[index + 1] as string;
  return { index, start, end, days: daysBetween(start, end) };
}
