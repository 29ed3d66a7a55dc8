// Billing failures are DomainErrors with code `invalid_input`, so every interface already maps
// them (HTTP 400, CLI message) without a new case; `reason` lets callers and tests tell the
// failures apart without parsing messages.
import { DomainError } from '../errors.js';

export type BillingErrorReason =
  | 'invalid_date'      // not a real calendar date in YYYY-MM-DD form (or a term we cannot represent)
  | 'invalid_term'      // a termEnd that is not termStart + 1 year
  | 'outside_term'      // the purchase date is before termStart or on/after termEnd
  | 'invalid_quantity'  // not a non-negative safe integer (or zero where a purchase needs seats)
  | 'invalid_price'     // not a non-negative safe integer of minor units
  | 'amount_too_large'; // the rounded amount would not be an exact JavaScript number

export class BillingError extends DomainError {
  constructor(
    readonly reason: BillingErrorReason,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    // `reason` is repeated in details so that the admin API's JSON error body carries it too.
    super('invalid_input', message, { reason, ...details });
    this.name = 'BillingError';
  }
}
