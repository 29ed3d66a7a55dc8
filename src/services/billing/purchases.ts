// Buying seats (SPEC §5): the allocation rises at once, an invoice prorated for the rest of the
// term is issued at once, and pending members are served — one transaction under the
// organization's row lock. A preview runs the very same transaction and rolls it back, so the
// quoted charge is exactly what committing would invoice.
//
// Idempotency: a purchase carries an Idempotency-Key (required through the API). The key is
// stored on the invoice with a hash of the request; a retry with the same key and the same
// request returns that invoice again without charging, and the same key with another request
// is refused (conflict). Keys are per organization and do not expire.
import { proratePurchase } from '../../domain/billing/index.js';
import { conflict, invalidInput, notFound } from '../../domain/errors.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import { lockAllocation, lockOrganization, raiseAllocation } from '../../storage/billing.js';
import type { Db } from '../../storage/database.js';
import { findInvoiceByIdempotencyKey, insertInvoice } from '../../storage/invoices.js';
import { inTransaction } from '../../storage/transactions.js';
import {
  assertMayChangeBilling, billingDate, loadInvoice, orgEndedError, requestHash, requireOrgId, type InvoiceView,
} from './billing.js';
import { afterSeatsChanged } from '../seats/monitoring.js';
import { settleTerm } from './renewals.js';
import { loadGateOrg, servePending } from '../seats/seat-gate.js';
import type { ServiceContext } from '../context.js';

/** Seats one purchase may add, and seats one type may reach (far below the integer column's limit). */
export const MAX_SEATS_PER_PURCHASE = 100_000;
export const MAX_SEATS_PER_TYPE = 10_000_000;

export interface PurchaseRequest {
  seatType: string;
  quantity: number;
}

export interface SeatsAfter {
  seatType: string;
  allocated: number;
  assigned: number;
  free: number;
}

export type PurchaseResult =
  | { preview: true; seatType: string; quantity: number; purchaseDate: string; currency: string; totalMinor: number;
      line: InvoiceView['lines'][number]; seats: SeatsAfter; wouldServePending: number }
  | { preview: false; replayed: boolean; invoice: InvoiceView; seats: SeatsAfter; servedPending: number | null };

export interface PurchaseOptions {
  idempotencyKey?: string | null;
  preview?: boolean;
}

class PreviewRollback extends Error {
  constructor(readonly result: PurchaseResult) { super('preview'); }
}

export function validatePurchaseRequest(request: PurchaseRequest): PurchaseRequest {
  if (typeof request.seatType !== 'string' || request.seatType.length === 0) throw invalidInput('seatType is required');
  const { quantity } = request;
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_SEATS_PER_PURCHASE) {
    throw invalidInput(`quantity must be a whole number from 1 to ${MAX_SEATS_PER_PURCHASE}`, { quantity });
  }
  return { seatType: request.seatType, quantity };
}

export function validateIdempotencyKey(key: string): string {
  if (key.length < 1 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw invalidInput('the Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good choice)');
  }
  return key;
}

/** Buys seats (or, with `preview`, quotes exactly what buying them would invoice). */
export async function purchaseSeats(
  ctx: ServiceContext, orgId: string, request: PurchaseRequest, actor: Actor, options: PurchaseOptions = {},
): Promise<PurchaseResult> {
  requireOrgId(orgId);
  const { seatType, quantity } = validatePurchaseRequest(request);
  const key = options.preview || options.idempotencyKey == null ? null : validateIdempotencyKey(options.idempotencyKey);
  const hash = requestHash('seats.purchase', { seatType, quantity });
  let result: PurchaseResult;
  try {
    result = await inTransaction(ctx.db, async (trx) => {
      const locked = await lockOrganization(trx, orgId);
      if (!locked) throw notFound(`no organization ${orgId}`);
      if (key) {
        const previous = await findInvoiceByIdempotencyKey(trx, orgId, key);
        if (previous) {
          if (previous.request_hash !== hash) {
            throw conflict('this Idempotency-Key was already used for a different purchase; use a new key for a new purchase',
              { reason: 'idempotency_key_reused', invoiceId: previous.id });
          }
          const invoice = await loadInvoice(trx, orgId, previous.id);
          const typeOfInvoice = invoice.lines[0]?.seatType ?? seatType;
          return { preview: false as const, replayed: true, invoice, seats: await seatsOf(trx, orgId, typeOfInvoice), servedPending: null };
        }
      }
      assertMayChangeBilling(locked, actor);
      const today = billingDate(ctx);
      const { org } = await settleTerm(trx, ctx, locked, today, actor);
      if (org.status === 'ended') throw orgEndedError(org);
      const plan = ctx.plans.get(org.plan);
      if (!plan.seatTypes.includes(seatType)) {
        throw invalidInput(`plan ${plan.name} has no seat type "${seatType}"; its seat types are ${plan.seatTypes.join(', ')}`);
      }
      const allocation = await lockAllocation(trx, orgId, seatType);
      if (!allocation) throw new Error(`organization ${orgId} has no allocation row for ${seatType}`);
      if (allocation.allocated + quantity > MAX_SEATS_PER_TYPE) {
        throw invalidInput(`a seat type holds at most ${MAX_SEATS_PER_TYPE} seats`);
      }
      const line = proratePurchase({
        termStart: org.term_start, termEnd: org.term_end, purchaseDate: today, quantity,
        monthlyPriceMinor: allocation.monthly_price_minor,
      });
      const allocated = await raiseAllocation(trx, orgId, seatType, quantity);
      const invoiceId = await insertInvoice(trx, orgId, {
        kind: 'purchase', currency: org.currency, issuedAt: ctx.now(), termStart: org.term_start, termEnd: org.term_end,
        idempotencyKey: key, requestHash: key ? hash : null, actor, lines: [{ ...line, seatType }],
      });
      const served = await servePending(trx, await loadGateOrg(trx, ctx, orgId), 'seats_added', actor);
      const invoice = await loadInvoice(trx, orgId, invoiceId);
      const seats = await seatsOf(trx, orgId, seatType);
      if (options.preview) {
        throw new PreviewRollback({
          preview: true, seatType, quantity, purchaseDate: today, currency: org.currency, totalMinor: invoice.totalMinor,
          line: invoice.lines[0]!, seats, wouldServePending: served,
        });
      }
      await recordAudit(trx, orgId, {
        actor, action: 'seats.purchased', subjectType: 'seat_type', subjectId: seatType,
        before: { allocated: allocation.allocated }, after: { allocated },
        reason: { quantity, invoiceId, invoiceNumber: invoice.number, totalMinor: invoice.totalMinor, servedPending: served },
      });
      return { preview: false as const, replayed: false, invoice, seats, servedPending: served };
    });
  } catch (error) {
    if (error instanceof PreviewRollback) return error.result;
    throw error;
  }
  if (!result.preview && !result.replayed) void afterSeatsChanged(ctx, orgId);
  return result;
}

async function seatsOf(db: Db, orgId: string, seatType: string): Promise<SeatsAfter> {
  const row = await db.selectFrom('seat_allocations').select(['allocated', 'assigned'])
    .where('org_id', '=', orgId).where('seat_type', '=', seatType).executeTakeFirst();
  const allocated = row?.allocated ?? 0;
  const assigned = row?.assigned ?? 0;
  return { seatType, allocated, assigned, free: allocated - assigned };
}
