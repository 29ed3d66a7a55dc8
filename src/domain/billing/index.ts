// The billing math in one import: proration of seat purchases, renewal lines, term months.
export { BillingError, type BillingErrorReason } from './errors.js';
export {
  MONTHS_PER_TERM, describeMonthEndRule, termMonthBoundaries, termMonthContaining, termMonthStart,
  daysBetween, type TermMonth,
} from './termMonths.js';
export {
  describeProrationRule, describeRoundingRule, proratePurchase, remainingTerm, renewalLine, roundHalfUp,
  type InvoiceLine, type PurchaseInput, type RemainingTerm, type RenewalAmount,
} from './proration.js';
