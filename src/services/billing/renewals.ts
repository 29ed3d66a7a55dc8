// The annual term's end (SPEC §5): an organization renews (auto-renew on, not cancelled) or ends.
//
// Renewal rules, all applied in one transaction under the organization's row lock:
// - the new term is [old term end, old term end + 1 year);
// - each seat type carries the seats allocated at the end of the term, less the reductions
//   scheduled during it (oldest first; a reduction never takes a type below 0 nor the total
//   below the new plan's minimum: it is then applied in part, and the part applied is recorded);
// - a total below the new plan's minimum is raised to the minimum (on the highest seat type);
// - a legacy plan renews as its `renewsAs` plan, whose single seat type receives every seat:
//   assigned members keep their seat (now of the new type), group mappings to the old types
//   point at the new type, app-role rules likewise, and the old allocation rows are removed;
//   the new type's monthly price is the price of the legacy plan's highest seat type;
// - when fewer seats are carried than are assigned (reductions below use), the members who
//   lose their seat become `pending` — plain members before admins before owners, and within
//   a role the most recently seated first — and then the pending queue is served as usual;
// - a renewal invoice lists 12 months of every carried seat type.
// A term renews once: the row lock serializes concurrent runs (any process), the second run
// sees the new term, and a unique index allows one renewal invoice per term.
import { renewalLine, type InvoiceLine } from '../../domain/billing/index.js';
import { isIsoDate } from '../../domain/dates.js';
import { invalidInput } from '../../domain/errors.js';
import { termEndFor } from '../../domain/organization.js';
import type { Plan } from '../../domain/plans.js';
import type { Db } from '../../storage/database.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import {
  closeReduction, deleteAllocations, insertAllocation, listReductions, lockAllAllocations, lockOrganization,
  membersToUnseat, moveAssignedMembers, moveMappings, organizationsDue, scheduledReductions, setAllocation,
  setAssigned, updateOrganizationTerm, type OrganizationRow,
} from '../../storage/billing.js';
import { insertInvoice } from '../../storage/invoices.js';
import { releaseSeat, writeMemberSeat } from '../../storage/seats.js';
import { inTransaction } from '../../storage/transactions.js';
import type { Logger } from '../../observability/logger.js';
import { loadGateOrg, servePending } from '../seats/seat-gate.js';
import { billingDate } from './billing.js';
import { afterSeatsChanged, sweepSeatAlerts } from '../seats/monitoring.js';
import type { ServiceContext } from '../context.js';

// --- the renewal plan: pure --------------------------------------------------------------

export interface AllocationState { seatType: string; allocated: number; assigned: number; monthlyPriceMinor: number }
export interface ReductionState { id: string; seatType: string; quantity: number }

export interface RenewalPlan {
  fromPlan: string;
  toPlan: string;
  /** Seats per seat type of the new term (the new plan's types). */
  seats: { seatType: string; allocated: number; monthlyPriceMinor: number }[];
  /** Per reduction, the seats it actually removes. */
  reductions: { id: string; seatType: string; requested: number; applied: number }[];
  /** Seats added to reach the new plan's minimum. */
  raisedToMinimum: number;
  /** Assigned seats that do not fit (per old seat type, or the whole for a legacy move). */
  shortfall: { seatTypes: string[]; count: number }[];
  /** Old seat types merged into the new plan's single type (legacy plans only). */
  mergedTypes: string[];
}

export function targetPlanOf(plan: Plan, find: (name: string) => Plan): Plan {
  return plan.legacy && plan.renewsAs ? find(plan.renewsAs) : plan;
}

export function planRenewal(plan: Plan, target: Plan, rows: readonly AllocationState[], reductions: readonly ReductionState[]): RenewalPlan {
  const carried = new Map(rows.map((row) => [row.seatType, row.allocated]));
  let total = rows.reduce((sum, row) => sum + row.allocated, 0);
  const applied: RenewalPlan['reductions'] = [];
  for (const reduction of reductions) {
    const current = carried.get(reduction.seatType) ?? 0;
    const quantity = Math.max(0, Math.min(reduction.quantity, current, total - target.minimumSeats));
    carried.set(reduction.seatType, current - quantity);
    total -= quantity;
    applied.push({ id: reduction.id, seatType: reduction.seatType, requested: reduction.quantity, applied: quantity });
  }
  const raisedToMinimum = Math.max(0, target.minimumSeats - total);
  const top = target.seatTypes[0]!;

  if (target.name !== plan.name) {
    const price = rows.find((row) => row.seatType === plan.seatTypes[0])?.monthlyPriceMinor
      ?? Math.max(0, ...rows.map((row) => row.monthlyPriceMinor));
    const allocated = total + raisedToMinimum;
    const assigned = rows.reduce((sum, row) => sum + row.assigned, 0);
    return {
      fromPlan: plan.name, toPlan: target.name,
      seats: [{ seatType: top, allocated, monthlyPriceMinor: price }],
      reductions: applied, raisedToMinimum,
      shortfall: assigned > allocated ? [{ seatTypes: rows.map((row) => row.seatType), count: assigned - allocated }] : [],
      mergedTypes: rows.map((row) => row.seatType).filter((type) => type !== top),
    };
  }
  if (raisedToMinimum > 0) carried.set(top, (carried.get(top) ?? 0) + raisedToMinimum);
  return {
    fromPlan: plan.name, toPlan: target.name,
    seats: rows.map((row) => ({ seatType: row.seatType, allocated: carried.get(row.seatType) ?? 0, monthlyPriceMinor: row.monthlyPriceMinor })),
    reductions: applied, raisedToMinimum,
    shortfall: rows.flatMap((row) => {
      const count = row.assigned - (carried.get(row.seatType) ?? 0);
      return count > 0 ? [{ seatTypes: [row.seatType], count }] : [];
    }),
    mergedTypes: [],
  };
}

export function renewalLines(plan: RenewalPlan, newTermStart: string): (InvoiceLine & { seatType: string })[] {
  return plan.seats.filter((seat) => seat.allocated > 0)
    .map((seat) => ({ ...renewalLine(seat.allocated, seat.monthlyPriceMinor, newTermStart), seatType: seat.seatType }));
}

/** The renewal plan of an organization as it stands (reads only; for previews and checks). */
export async function projectRenewal(db: Db, ctx: ServiceContext, org: OrganizationRow, extra: ReductionState[] = []): Promise<RenewalPlan> {
  const plan = ctx.plans.get(org.plan);
  const rows = await db.selectFrom('seat_allocations').selectAll().where('org_id', '=', org.id).orderBy('seat_type').execute();
  const scheduled = await listReductions(db, org.id, 'scheduled');
  return planRenewal(plan, targetPlanOf(plan, (name) => ctx.plans.get(name)), rows.map(allocationState),
    [...scheduled.filter((r) => r.effective_on <= org.term_end).map(reductionState), ...extra]);
}

const allocationState = (row: { seat_type: string; allocated: number; assigned: number; monthly_price_minor: number }): AllocationState =>
  ({ seatType: row.seat_type, allocated: row.allocated, assigned: row.assigned, monthlyPriceMinor: Number(row.monthly_price_minor) });
const reductionState = (row: { id: string; seat_type: string; quantity: number }): ReductionState =>
  ({ id: row.id, seatType: row.seat_type, quantity: row.quantity });

// --- settling a term ----------------------------------------------------------------------

export type TermOutcome =
  | { orgId: string; outcome: 'renewed'; previousTerm: { start: string; end: string }; newTerm: { start: string; end: string };
      fromPlan: string; toPlan: string; seats: Record<string, number>; invoiceId: string; invoiceNumber: string; totalMinor: number;
      unseatedMembers: string[]; servedPending: number; reductionsApplied: RenewalPlan['reductions'] }
  | { orgId: string; outcome: 'ended'; termEnd: string; reason: 'cancelled' | 'not_auto_renewing' };

const MAX_TERMS_PER_SETTLEMENT = 50;

/**
 * Brings an organization (row locked by the caller) up to `asOf`: while its term has ended
 * (term end ≤ asOf) it renews or ends. Returns the organization as it now is, and what happened.
 */
export async function settleTerm(
  trx: Db, ctx: ServiceContext, locked: OrganizationRow, asOf: string, actor: Actor,
): Promise<{ org: OrganizationRow; outcomes: TermOutcome[] }> {
  let org = locked;
  const outcomes: TermOutcome[] = [];
  while (org.status === 'active' && org.term_end <= asOf) {
    if (outcomes.length >= MAX_TERMS_PER_SETTLEMENT) throw new Error(`organization ${org.id}: more than ${MAX_TERMS_PER_SETTLEMENT} terms overdue`);
    outcomes.push(org.auto_renew && !org.cancel_at_term_end ? await renewOnce(trx, ctx, org, actor) : await endTerm(trx, org, actor));
    org = (await lockOrganization(trx, org.id))!;
  }
  return { org, outcomes };
}

async function endTerm(trx: Db, org: OrganizationRow, actor: Actor): Promise<TermOutcome> {
  const reason = org.cancel_at_term_end ? 'cancelled' as const : 'not_auto_renewing' as const;
  await updateOrganizationTerm(trx, org.id, { status: 'ended' });
  for (const reduction of await scheduledReductions(trx, org.id, org.term_end)) {
    await closeReduction(trx, org.id, reduction.id, { status: 'cancelled', actor });
  }
  await recordAudit(trx, org.id, {
    actor, action: 'subscription.ended', subjectType: 'organization', subjectId: org.id,
    before: { status: 'active' }, after: { status: 'ended' }, reason: { kind: reason, termEnd: org.term_end },
  });
  return { orgId: org.id, outcome: 'ended', termEnd: org.term_end, reason };
}

async function renewOnce(trx: Db, ctx: ServiceContext, org: OrganizationRow, actor: Actor): Promise<TermOutcome> {
  const plan = ctx.plans.get(org.plan);
  const target = targetPlanOf(plan, (name) => ctx.plans.get(name));
  const rows = (await lockAllAllocations(trx, org.id)).map(allocationState);
  const reductions = await scheduledReductions(trx, org.id, org.term_end);
  const renewal = planRenewal(plan, target, rows, reductions.map(reductionState));
  const newTerm = { start: org.term_end, end: termEndFor(org.term_end) };
  const at = ctx.now().toISOString();

  // 1. Seats that no longer fit: their holders wait (pending) instead of breaking the allocation.
  const unseated: string[] = [];
  for (const { seatTypes, count } of renewal.shortfall) {
    for (const member of await membersToUnseat(trx, org.id, seatTypes, count)) {
      await releaseSeat(trx, org.id, member.seat_type!);
      await writeMemberSeat(trx, org.id, member.id, {
        seatState: 'pending', seatType: null,
        reason: { kind: 'renewal_shortfall', trigger: 'renewal', lostSeatType: member.seat_type, by: actor, at },
      });
      await recordAudit(trx, org.id, {
        actor, action: 'seat.pending', subjectType: 'member', subjectId: member.id,
        before: { seatState: 'assigned', seatType: member.seat_type }, after: { seatState: 'pending' },
        reason: { trigger: 'renewal', kind: 'renewal_shortfall', newTermStart: newTerm.start },
      });
      unseated.push(member.id);
    }
  }

  // 2. The new allocation.
  let settings: Record<string, unknown> | undefined;
  if (renewal.toPlan !== renewal.fromPlan) {
    const seat = renewal.seats[0]!;
    const existing = rows.find((row) => row.seatType === seat.seatType);
    if (existing) await setAllocation(trx, org.id, seat.seatType, seat.allocated);
    else await insertAllocation(trx, org.id, { seatType: seat.seatType, allocated: seat.allocated, assigned: 0, monthlyPriceMinor: seat.monthlyPriceMinor });
    // Members and mappings move before the old rows go (both reference seat_allocations).
    const moved = await moveAssignedMembers(trx, org.id, renewal.mergedTypes, seat.seatType);
    await setAssigned(trx, org.id, seat.seatType, (existing?.assigned ?? 0) + moved);
    for (const type of renewal.mergedTypes) await setAssigned(trx, org.id, type, 0);
    await moveMappings(trx, org.id, renewal.mergedTypes, seat.seatType);
    settings = remapRoleSeatTypes(org.settings, renewal.mergedTypes, seat.seatType);
    await deleteAllocations(trx, org.id, renewal.mergedTypes);
  } else {
    for (const seat of renewal.seats) await setAllocation(trx, org.id, seat.seatType, seat.allocated);
  }

  // 3. The invoice, the reductions, the term.
  const lines = renewalLines(renewal, newTerm.start);
  const invoiceId = await insertInvoice(trx, org.id, {
    kind: 'renewal', currency: org.currency, issuedAt: ctx.now(), termStart: newTerm.start, termEnd: newTerm.end,
    idempotencyKey: null, requestHash: null, actor, lines,
  });
  for (const reduction of renewal.reductions) {
    await closeReduction(trx, org.id, reduction.id, { status: 'applied', appliedQuantity: reduction.applied, actor });
  }
  await updateOrganizationTerm(trx, org.id, {
    termStart: newTerm.start, termEnd: newTerm.end, plan: renewal.toPlan, ...(settings ? { settings } : {}),
  });

  // 4. Anyone waiting gets a seat that is now free (including those just unseated, on another type).
  const servedPending = await servePending(trx, await loadGateOrg(trx, ctx, org.id), 'seats_added', actor);
  const seats = Object.fromEntries(renewal.seats.map((seat) => [seat.seatType, seat.allocated]));
  const totalMinor = lines.reduce((sum, line) => sum + line.amountMinor, 0);
  const invoice = await trx.selectFrom('invoices').select('number').where('org_id', '=', org.id).where('id', '=', invoiceId).executeTakeFirstOrThrow();
  await recordAudit(trx, org.id, {
    actor, action: 'subscription.renewed', subjectType: 'organization', subjectId: org.id,
    before: { plan: renewal.fromPlan, termStart: org.term_start, termEnd: org.term_end, seats: Object.fromEntries(rows.map((r) => [r.seatType, r.allocated])) },
    after: { plan: renewal.toPlan, termStart: newTerm.start, termEnd: newTerm.end, seats },
    reason: { invoiceId, totalMinor, reductions: renewal.reductions, raisedToMinimum: renewal.raisedToMinimum, unseatedMembers: unseated, servedPending },
  });
  return {
    orgId: org.id, outcome: 'renewed', previousTerm: { start: org.term_start, end: org.term_end }, newTerm,
    fromPlan: renewal.fromPlan, toPlan: renewal.toPlan, seats, invoiceId, invoiceNumber: invoice.number, totalMinor,
    unseatedMembers: unseated, servedPending, reductionsApplied: renewal.reductions,
  };
}

export function remapRoleSeatTypes(settings: Record<string, unknown>, from: readonly string[], to: string): Record<string, unknown> | undefined {
  const roles = settings.roleSeatTypes;
  if (!roles || typeof roles !== 'object') return undefined;
  const entries = Object.entries(roles as Record<string, unknown>);
  if (!entries.some(([, type]) => typeof type === 'string' && from.includes(type))) return undefined;
  return {
    ...settings,
    roleSeatTypes: Object.fromEntries(entries.map(([role, type]) => [role, typeof type === 'string' && from.includes(type) ? to : type])),
  };
}

// --- running renewals ------------------------------------------------------------------------

export interface RenewalRun {
  asOf: string;
  outcomes: TermOutcome[];
  failures: { orgId: string; message: string }[];
}

/**
 * Renews or ends every organization whose term ended on or before `asOf` (default: today by the
 * context's clock). Each organization is its own transaction; one failing does not stop the rest.
 * Safe to run twice and from several processes at once.
 */
export async function runDueRenewals(
  ctx: ServiceContext, options: { asOf?: string; actor?: Actor; /** Only these organizations. */ orgIds?: readonly string[] } = {},
): Promise<RenewalRun> {
  const today = billingDate(ctx);
  const asOf = options.asOf ?? today;
  if (!isIsoDate(asOf)) throw invalidInput(`as-of must be a date (YYYY-MM-DD), got "${asOf}"`);
  if (asOf > today) throw invalidInput(`renewals cannot run ahead of the clock: as-of ${asOf} is after today (${today})`);
  const actor = options.actor ?? { type: 'system' };
  const run: RenewalRun = { asOf, outcomes: [], failures: [] };
  const only = options.orgIds ? new Set(options.orgIds) : undefined;
  for (const orgId of await organizationsDue(ctx.db, asOf)) {
    if (only && !only.has(orgId)) continue;
    try {
      const outcomes = await inTransaction(ctx.db, async (trx) => {
        const org = await lockOrganization(trx, orgId);
        return org ? (await settleTerm(trx, ctx, org, asOf, actor)).outcomes : [];
      });
      run.outcomes.push(...outcomes);
      if (outcomes.length > 0) void afterSeatsChanged(ctx, orgId);
    } catch (error) {
      run.failures.push({ orgId, message: String((error as Error)?.message ?? error) });
    }
  }
  return run;
}

export interface RenewalSchedule { stop(): Promise<void> }

/**
 * The server's periodic check: due renewals, then the seat-alert sweep. Runs once soon after
 * start and then every `intervalSeconds` (0 disables it); the timer never keeps the process
 * alive, and a check still running when the next is due is not doubled.
 */
export function scheduleRenewals(ctx: ServiceContext, options: { intervalSeconds: number; logger: Logger }): RenewalSchedule {
  const { intervalSeconds, logger } = options;
  if (intervalSeconds <= 0) return { stop: async () => {} };
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = (async () => {
      try {
        const run = await runDueRenewals(ctx);
        for (const outcome of run.outcomes) logger.info('billing term settled', { event: `subscription.${outcome.outcome}`, ...outcome });
        for (const failure of run.failures) logger.error('renewal failed', { event: 'subscription.renewal_failed', ...failure });
        await sweepSeatAlerts(ctx);
      } catch (error) {
        logger.error('renewal check failed', { error: String((error as Error)?.stack ?? error) });
      }
    })().finally(() => { running = undefined; });
  };
  const first = setTimeout(tick, 1000);
  const timer = setInterval(tick, intervalSeconds * 1000);
  first.unref();
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
