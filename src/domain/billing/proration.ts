// Proration of seat purchases and renewal lines (SPEC §5). Pure: no clock, no storage; money
// is integer minor units and every multiplication happens in BigInt, so no amount is ever
// approximated by floating point.
import { BillingError } from './errors.js';
import {
  MONTHS_PER_TERM, daysBetween, describeMonthEndRule, requireIsoDate, requireTerm, termMonthContaining,
} from './termMonths.js';

export const describeRoundingRule =
  'Each invoice line is computed exactly as the rational number quantity × monthly price × ' +
  '(whole months + partial days / days in that term month), in integer arithmetic, and rounded once, ' +
  'half up, to a whole minor unit (x.5 goes up, anything below goes down). Nothing is rounded per seat, ' +
  'per month or per day, so a line never drifts from the exact amount by more than half a minor unit.';

/** The whole billing rule, for the README and for operators. */
export const describeProrationRule =
  'Seats bought during an annual term [term start, term end) are invoiced at once for the rest of the term: ' +
  'the whole term months left after the purchase plus, when the purchase is not on a term-month boundary, ' +
  'the fraction (days left in the current term month, counting the purchase day) / (days in that term month). ' +
  'A term starting 1 January with 5 seats added on 1 March is invoiced 5 × monthly price × 10. ' +
  'A purchase on the term start is 12 whole months; on the last day of the term, 1 day of the last term month. ' +
  'A purchase before the term start or on/after the term end is refused, and so is a purchase of 0 seats ' +
  '(there is nothing to invoice). A renewal line is 12 × quantity × monthly price for the new term. ' +
  `${describeMonthEndRule} ${describeRoundingRule}`;

export interface InvoiceLine {
  kind: 'proration' | 'renewal';
  quantity: number;
  unitPriceMinor: number;
  /** First day charged: the purchase date, or the new term's start for a renewal. */
  periodStart: string;
  /** The term end, exclusive (the renewal date). */
  periodEnd: string;
  wholeMonths: number;
  /** Days charged of the partial term month (0 when the period starts on a term-month boundary). */
  partialDays: number;
  /** Days in that partial term month (0 when there is no partial month). */
  partialMonthDays: number;
  amountMinor: number;
  /** A one-line human explanation of the computation, for the invoice or the audit log. */
  ruleText: string;
}

/** A renewal line computed without a term date: the amount only. */
export type RenewalAmount = Omit<InvoiceLine, 'periodStart' | 'periodEnd'>;

export interface PurchaseInput {
  /** Start of the current annual term (YYYY-MM-DD). */
  termStart: string;
  /** The stored term end; optional, but when given it must be termStart + 1 year. */
  termEnd?: string;
  /** Day the seats are bought (YYYY-MM-DD, UTC); charged from this day inclusive. */
  purchaseDate: string;
  /** Seats bought, at least 1. */
  quantity: number;
  /** Price of one seat for one month, in minor units (bigint accepted: it is a bigint column). */
  monthlyPriceMinor: number | bigint;
}

export interface RemainingTerm {
  periodStart: string;
  periodEnd: string;
  wholeMonths: number;
  partialDays: number;
  partialMonthDays: number;
}

/** What is left of the term from `date` (inclusive): whole term months plus a partial one. */
export function remainingTerm(termStart: string, date: string, termEnd?: string): RemainingTerm {
  const term = requireTerm(termStart, termEnd);
  requireIsoDate(date, 'purchaseDate');
  const month = termMonthContaining(term.termStart, date);
  if (month.start === date) {
    // On a boundary the current term month is whole: charge it with the rest.
    return { periodStart: date, periodEnd: term.termEnd, wholeMonths: MONTHS_PER_TERM - month.index,
      partialDays: 0, partialMonthDays: 0 };
  }
  return {
    periodStart: date,
    periodEnd: term.termEnd,
    wholeMonths: MONTHS_PER_TERM - month.index - 1,
    partialDays: daysBetween(date, month.end),
    partialMonthDays: month.days,
  };
}

/** The invoice line for `quantity` seats bought on `purchaseDate` during the term. */
export function proratePurchase(input: PurchaseInput): InvoiceLine {
  const quantity = requireQuantity(input.quantity, 1);
  const price = requirePrice(input.monthlyPriceMinor);
  const rest = remainingTerm(input.termStart, input.purchaseDate, input.termEnd);
  return line('proration', quantity, price, rest);
}

/**
 * A full new term of `quantity` seats: 12 × quantity × monthly price. With the new term's start,
 * the line carries the period [newTermStart, newTermStart + 1 year) like any invoice line.
 * A quantity of 0 is allowed here (a seat type carried with no seats gives a 0 line the caller
 * may drop); a purchase, by contrast, needs at least one seat.
 */
export function renewalLine(quantity: number, monthlyPriceMinor: number | bigint): RenewalAmount;
export function renewalLine(quantity: number, monthlyPriceMinor: number | bigint, newTermStart: string): InvoiceLine;
export function renewalLine(
  quantity: number, monthlyPriceMinor: number | bigint, newTermStart?: string,
): InvoiceLine | RenewalAmount {
  const q = requireQuantity(quantity, 0);
  const price = requirePrice(monthlyPriceMinor);
  if (newTermStart === undefined) {
    const { periodStart: _start, periodEnd: _end, ...amount } = line('renewal', q, price,
      { periodStart: '', periodEnd: '', wholeMonths: MONTHS_PER_TERM, partialDays: 0, partialMonthDays: 0 });
    return amount;
  }
  const term = requireTerm(newTermStart);
  return line('renewal', q, price, {
    periodStart: term.termStart, periodEnd: term.termEnd, wholeMonths: MONTHS_PER_TERM, partialDays: 0, partialMonthDays: 0,
  });
}

/** Round num/den (num ≥ 0, den > 0) to the nearest integer, halves up. */
export function roundHalfUp(num: bigint, den: bigint): bigint {
  if (den <= 0n || num < 0n) throw new RangeError('roundHalfUp needs num ≥ 0 and den > 0');
  return (2n * num + den) / (2n * den);
}

function line(kind: InvoiceLine['kind'], quantity: number, price: bigint, rest: RemainingTerm): InvoiceLine {
  const q = BigInt(quantity);
  // amount = q × price × (wholeMonths + partialDays / partialMonthDays), as one fraction.
  const den = BigInt(rest.partialMonthDays > 0 ? rest.partialMonthDays : 1);
  const monthsNum = BigInt(rest.wholeMonths) * den + BigInt(rest.partialDays);
  const num = q * price * monthsNum;
  const rounded = roundHalfUp(num, den);
  if (rounded > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new BillingError('amount_too_large',
      `the amount ${rounded} minor units is too large to represent exactly`, { amountMinor: rounded.toString() });
  }
  const amountMinor = Number(rounded);
  return {
    kind,
    quantity,
    unitPriceMinor: Number(price),
    periodStart: rest.periodStart,
    periodEnd: rest.periodEnd,
    wholeMonths: rest.wholeMonths,
    partialDays: rest.partialDays,
    partialMonthDays: rest.partialMonthDays,
    amountMinor,
    ruleText: ruleText(quantity, price, rest, num, den, amountMinor),
  };
}

function ruleText(quantity: number, price: bigint, rest: RemainingTerm, num: bigint, den: bigint, amount: number): string {
  const seats = `${quantity} seat${quantity === 1 ? '' : 's'}`;
  const whole = `${rest.wholeMonths} month${rest.wholeMonths === 1 ? '' : 's'}`;
  const partial = `${rest.partialDays}/${rest.partialMonthDays} of a month`;
  const months = rest.partialDays === 0 ? whole
    : rest.wholeMonths === 0 ? partial
      : `(${whole} + ${partial})`;
  const period = rest.periodStart === '' ? '' : ` from ${rest.periodStart} to ${rest.periodEnd} (exclusive)`;
  const result = num % den === 0n ? `${amount}` : `${exactDecimal(num, den)} → ${amount}, rounded half up`;
  return `${seats} × ${price} per month × ${months}${period} = ${result}`;
}

/** num/den with at most 3 decimals, '…' marking that more digits were cut. */
function exactDecimal(num: bigint, den: bigint): string {
  let text = `${num / den}.`;
  let remainder = num % den;
  for (let i = 0; i < 3 && remainder !== 0n; i += 1) {
    remainder *= 10n;
    text += `${remainder / den}`;
    remainder %= den;
  }
  return remainder === 0n ? text : `${text}…`;
}

function requireQuantity(value: unknown, minimum: 0 | 1): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < minimum) {
    throw new BillingError('invalid_quantity',
      `quantity must be an integer of at least ${minimum}, got ${String(value)}`, { quantity: String(value) });
  }
  return value;
}

function requirePrice(value: unknown): bigint {
  const ok = (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
    || (typeof value === 'bigint' && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER));
  if (!ok) {
    throw new BillingError('invalid_price',
      `monthlyPriceMinor must be a non-negative integer of minor units, got ${String(value)}`,
      { monthlyPriceMinor: String(value) });
  }
  return BigInt(value as number | bigint);
}
