// Seat reductions (SPEC §5): the allocation never goes down during a term. A reduction is
// scheduled for the term's end and applied by the renewal; it may not take a seat type below 0
// nor the renewed total below the new plan's minimum (checked when scheduling, and again —
// by clamping — when applied, in case the catalog changed meanwhile). There is no other way
// to lower an allocation.
import { invalidInput, notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import { closeReduction, insertReduction, listReductions, lockOrganization, type ReductionRow } from '../../storage/billing.js';
import { inTransaction } from '../../storage/transactions.js';
import { assertMayChangeBilling, billingDate, orgEndedError, requireOrgId } from './billing.js';
import { validatePurchaseRequest, type PurchaseRequest } from './purchases.js';
import { projectRenewal, settleTerm } from './renewals.js';
import type { ServiceContext } from '../context.js';

export interface ReductionView {
  id: string;
  seatType: string;
  quantity: number;
  effectiveOn: string;
  status: 'scheduled' | 'applied' | 'cancelled';
  appliedQuantity: number | null;
  createdAt: string;
  closedAt: string | null;
}

export function presentReduction(row: ReductionRow): ReductionView {
  return {
    id: row.id,
    seatType: row.seat_type,
    quantity: row.quantity,
    effectiveOn: row.effective_on,
    status: row.status,
    appliedQuantity: row.applied_quantity,
    createdAt: row.created_at.toISOString(),
    closedAt: row.closed_at ? new Date(row.closed_at).toISOString() : null,
  };
}

export interface ScheduledReduction {
  reduction: ReductionView;
  /** Seats per type at the renewal once every scheduled reduction is applied. */
  projectedRenewalSeats: Record<string, number>;
  /** Assigned seats that would not fit at the renewal (their holders would become pending). */
  seatsLostByAssignedMembers: number;
}

export async function scheduleReduction(
  ctx: ServiceContext, orgId: string, request: PurchaseRequest, actor: Actor,
): Promise<ScheduledReduction> {
  requireOrgId(orgId);
  const { seatType, quantity } = validatePurchaseRequest(request);
  const outcome = await inTransaction(ctx.db, async (trx) => {
    const locked = await lockOrganization(trx, orgId);
    if (!locked) throw notFound(`no organization ${orgId}`);
    assertMayChangeBilling(locked, actor);
    const { org } = await settleTerm(trx, ctx, locked, billingDate(ctx), actor);
    if (org.status === 'ended') return { error: orgEndedError(org) };
    const plan = ctx.plans.get(org.plan);
    if (!plan.seatTypes.includes(seatType)) {
      return { error: invalidInput(`plan ${plan.name} has no seat type "${seatType}"; its seat types are ${plan.seatTypes.join(', ')}`) };
    }
    const projection = await projectRenewal(trx, ctx, org, [{ id: 'new', seatType, quantity }]);
    const mine = projection.reductions.find((r) => r.id === 'new')!;
    if (mine.applied < quantity) {
      const allocation = await trx.selectFrom('seat_allocations').select('allocated')
        .where('org_id', '=', orgId).where('seat_type', '=', seatType).executeTakeFirstOrThrow();
      const already = projection.reductions.filter((r) => r.id !== 'new' && r.seatType === seatType).reduce((sum, r) => sum + r.applied, 0);
      const target = ctx.plans.get(projection.toPlan);
      const room = Math.max(0, allocation.allocated - already);
      const message = mine.applied === room
        ? `you can remove at most ${room} more ${seatType} seat${room === 1 ? '' : 's'} at renewal (${allocation.allocated} allocated, ${already} already scheduled for removal)`
        : `plan ${target.name} needs at least ${target.minimumSeats} seats at renewal; at most ${mine.applied} more seat${mine.applied === 1 ? '' : 's'} can be removed`;
      return { error: invalidInput(message, { reason: 'reduction_too_large', allowed: mine.applied }) };
    }
    const row = await insertReduction(trx, orgId, { seatType, quantity, effectiveOn: org.term_end, actor });
    await recordAudit(trx, orgId, {
      actor, action: 'seats.reduction_scheduled', subjectType: 'seat_reduction', subjectId: row.id,
      after: { seatType, quantity, effectiveOn: org.term_end },
    });
    return {
      value: {
        reduction: presentReduction(row),
        projectedRenewalSeats: Object.fromEntries(projection.seats.map((seat) => [seat.seatType, seat.allocated])),
        seatsLostByAssignedMembers: projection.shortfall.reduce((sum, s) => sum + s.count, 0),
      },
    };
  });
  // A term settled on the way stays committed when the reduction itself is refused.
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

export async function listReductionViews(ctx: ServiceContext, orgId: string, all = false): Promise<ReductionView[]> {
  requireOrgId(orgId);
  return (await listReductions(ctx.db, orgId, all ? undefined : 'scheduled')).map(presentReduction);
}

export async function cancelReduction(ctx: ServiceContext, orgId: string, reductionId: string, actor: Actor): Promise<ReductionView> {
  requireOrgId(orgId);
  if (!isUuid(reductionId)) throw notFound(`no scheduled reduction ${reductionId}`);
  return inTransaction(ctx.db, async (trx) => {
    const org = await lockOrganization(trx, orgId);
    if (!org) throw notFound(`no organization ${orgId}`);
    assertMayChangeBilling(org, actor);
    const row = await closeReduction(trx, orgId, reductionId, { status: 'cancelled', actor });
    if (!row) throw notFound(`no scheduled reduction ${reductionId} (it may have been applied or cancelled already)`);
    await recordAudit(trx, orgId, {
      actor, action: 'seats.reduction_cancelled', subjectType: 'seat_reduction', subjectId: reductionId,
      before: { seatType: row.seat_type, quantity: row.quantity, effectiveOn: row.effective_on },
    });
    return presentReduction(row);
  });
}
