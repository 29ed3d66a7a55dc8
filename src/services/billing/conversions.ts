// Operator conversions (issue 11), through the CLI: the account team's actions on a contract.
//
// 1. Self-serve → sales-assisted («conversion à un plan assisté par les ventes»; the reverse is
//    allowed too). Nothing is invoiced on the day: the term, the prices and the allocation carry
//    on; from then on the organization's owners no longer buy seats or schedule reductions
//    themselves — the account team sets the allocation (`seats set`), which may go down during
//    the term (never below the seats assigned). Reductions already scheduled are kept: they are
//    the customer's request for the renewal.
// 2. A legacy plan migrated to its `renewsAs` plan before the renewal («migrer avant votre
//    renouvellement»): what the renewal would do to the seats, today, within the current term.
//    Every legacy seat becomes a seat of the new plan's single type (assigned members keep their
//    seat; mappings, app-role rules and scheduled reductions follow), at least the new plan's
//    minimum. The invoice on the day (kind `migration`) says so: one line converting the seats
//    already paid for the rest of the term at no charge, and — only when the minimum raises the
//    count — a prorated line for the seats added (SPEC §5 rule). The new monthly price (the
//    operator's, or by default the legacy plan's highest seat type's, as at renewal) applies to
//    the added seats now and to every seat from the renewal on. Extra usage goes when the new
//    plan does not offer it.
import { proratePurchase, type InvoiceLine } from '../../domain/billing/index.js';
import { invalidInput, notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { BILLING_MODES, EXTRA_USAGE_FEATURE, orgHasEnded, type BillingMode } from '../../domain/organization.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import {
  deleteAllocations, insertAllocation, lockAllAllocations, lockOrganization, moveAssignedMembers, moveMappings,
  setAssigned, updateOrganizationTerm,
} from '../../storage/billing.js';
import { moveScheduledReductions, setBillingMode } from '../../storage/conversions.js';
import { insertInvoice, invoiceNumber } from '../../storage/invoices.js';
import { inTransaction } from '../../storage/transactions.js';
import { billingDate } from './billing.js';
import type { ServiceContext } from '../context.js';
import { afterSeatsChanged } from '../seats/monitoring.js';
import { remapRoleSeatTypes } from './renewals.js';
import { loadGateOrg, servePending } from '../seats/seat-gate.js';

async function lockActiveOrg(trx: Parameters<typeof lockOrganization>[0], ctx: ServiceContext, orgId: string) {
  const org = isUuid(orgId) ? await lockOrganization(trx, orgId) : undefined;
  if (!org) throw notFound(`no organization ${orgId}`);
  if (orgHasEnded({ status: org.status, autoRenew: org.auto_renew, cancelAtTermEnd: org.cancel_at_term_end, termEnd: org.term_end }, billingDate(ctx))) {
    throw invalidInput(`organization ${orgId}'s subscription has ended; nothing to convert`);
  }
  if (org.term_end <= billingDate(ctx)) throw invalidInput(`organization ${orgId}'s term ended on ${org.term_end}; run renewals first`);
  return org;
}

export interface BillingModeConversion {
  orgId: string;
  from: BillingMode;
  to: BillingMode;
  invoice: null;
  note: string;
}

export async function convertBillingMode(
  ctx: ServiceContext, orgId: string, to: BillingMode, actor: Actor = { type: 'operator' },
): Promise<BillingModeConversion> {
  if (!BILLING_MODES.includes(to)) throw invalidInput(`billing mode must be one of ${BILLING_MODES.join(', ')}`);
  return inTransaction(ctx.db, async (trx) => {
    const org = await lockActiveOrg(trx, ctx, orgId);
    if (org.billing_mode === to) throw invalidInput(`organization ${orgId} is already ${to}`);
    await setBillingMode(trx, orgId, to);
    await recordAudit(trx, orgId, {
      actor, action: 'organization.billing_mode_changed', subjectType: 'organization', subjectId: orgId,
      before: { billingMode: org.billing_mode }, after: { billingMode: to }, reason: { invoice: null, termEnd: org.term_end },
    });
    return {
      orgId, from: org.billing_mode, to, invoice: null,
      note: to === 'sales_assisted'
        ? `no invoice today: the term (until ${org.term_end}), prices and seats carry on; the account team now sets the allocation (seats set)`
        : `no invoice today: the term (until ${org.term_end}), prices and seats carry on; owners now buy seats and schedule reductions themselves`,
    };
  });
}

export interface PlanMigration {
  orgId: string;
  fromPlan: string;
  toPlan: string;
  seatType: string;
  seats: { before: Record<string, number>; after: number; addedToMinimum: number };
  monthlyPriceMinor: number;
  servedPending: number;
  invoice: { id: string; number: string; kind: 'migration'; totalMinor: number; lines: (InvoiceLine & { seatType: string })[] };
}

export async function migrateLegacyPlan(
  ctx: ServiceContext, orgId: string, options: { monthlyPriceMinor?: number } = {}, actor: Actor = { type: 'operator' },
): Promise<PlanMigration> {
  if (options.monthlyPriceMinor !== undefined && (!Number.isSafeInteger(options.monthlyPriceMinor) || options.monthlyPriceMinor < 0)) {
    throw invalidInput('the monthly price must be whole minor units ≥ 0');
  }
  const result = await inTransaction(ctx.db, async (trx) => {
    const org = await lockActiveOrg(trx, ctx, orgId);
    const plan = ctx.plans.get(org.plan);
    if (!plan.legacy || !plan.renewsAs) throw invalidInput(`plan ${plan.name} is not a legacy plan; there is nothing to migrate to`);
    const target = ctx.plans.get(plan.renewsAs);
    const seatType = target.seatTypes[0]!;
    const rows = await lockAllAllocations(trx, orgId);
    const legacyTypes = rows.map((row) => row.seat_type).filter((type) => type !== seatType);
    const before = Object.fromEntries(rows.map((row) => [row.seat_type, row.allocated]));
    const converted = rows.reduce((sum, row) => sum + row.allocated, 0);
    const allocated = Math.max(converted, target.minimumSeats);
    const added = allocated - converted;
    const price = options.monthlyPriceMinor
      ?? Number(rows.find((row) => row.seat_type === plan.seatTypes[0])?.monthly_price_minor ?? 0);
    const today = billingDate(ctx);

    // The seats: a row of the new type first (members and mappings reference it), then move.
    await insertAllocation(trx, orgId, { seatType, allocated, assigned: 0, monthlyPriceMinor: price });
    const moved = await moveAssignedMembers(trx, orgId, legacyTypes, seatType);
    await setAssigned(trx, orgId, seatType, moved);
    for (const type of legacyTypes) await setAssigned(trx, orgId, type, 0);
    await moveMappings(trx, orgId, legacyTypes, seatType);
    await moveScheduledReductions(trx, orgId, legacyTypes, seatType);
    await deleteAllocations(trx, orgId, legacyTypes);
    let settings = remapRoleSeatTypes(org.settings, legacyTypes, seatType) ?? org.settings;
    if (!target.features.includes(EXTRA_USAGE_FEATURE) && settings.extraUsage === true) settings = { ...settings, extraUsage: false };
    await updateOrganizationTerm(trx, orgId, { plan: target.name, settings });

    // The invoice of the day.
    const conversion = proratePurchase({ termStart: org.term_start, termEnd: org.term_end, purchaseDate: today, quantity: Math.max(converted, 1), monthlyPriceMinor: 0 });
    const lines: (InvoiceLine & { seatType: string })[] = [];
    if (converted > 0) {
      lines.push({
        ...conversion, quantity: converted, unitPriceMinor: 0, amountMinor: 0, seatType,
        ruleText: `${converted} ${plan.label} seats (${rows.map((r) => `${r.allocated} ${r.seat_type}`).join(', ')}) become ${seatType} seats `
          + `from ${today} to ${org.term_end}: already paid for this term, no charge; from the renewal on, ${price} minor units per seat per month`,
      });
    }
    if (added > 0) {
      const line = proratePurchase({ termStart: org.term_start, termEnd: org.term_end, purchaseDate: today, quantity: added, monthlyPriceMinor: price });
      lines.push({ ...line, seatType, ruleText: `${added} seats added to reach the ${target.name} minimum of ${target.minimumSeats}: ${line.ruleText}` });
    }
    const invoiceId = await insertInvoice(trx, orgId, {
      kind: 'migration', currency: org.currency, issuedAt: ctx.now(), termStart: org.term_start, termEnd: org.term_end,
      idempotencyKey: null, requestHash: null, actor, lines,
    });
    const number = await trx.selectFrom('invoices').select('seq').where('org_id', '=', orgId).where('id', '=', invoiceId).executeTakeFirstOrThrow();
    const totalMinor = lines.reduce((sum, line) => sum + line.amountMinor, 0);

    const servedPending = await servePending(trx, await loadGateOrg(trx, ctx, orgId), 'seats_added', actor);
    await recordAudit(trx, orgId, {
      actor, action: 'subscription.plan_migrated', subjectType: 'organization', subjectId: orgId,
      before: { plan: plan.name, seats: before }, after: { plan: target.name, seats: { [seatType]: allocated }, monthlyPriceMinor: price },
      reason: { invoiceId, totalMinor, addedToMinimum: added, movedMembers: moved, servedPending, beforeRenewal: org.term_end },
    });
    return {
      orgId, fromPlan: plan.name, toPlan: target.name, seatType,
      seats: { before, after: allocated, addedToMinimum: added }, monthlyPriceMinor: price, servedPending,
      invoice: { id: invoiceId, number: invoiceNumber(number.seq), kind: 'migration' as const, totalMinor, lines },
    };
  });
  void afterSeatsChanged(ctx, orgId);
  return result;
}
