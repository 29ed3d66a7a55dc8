// Seat monitoring (SPEC §5, last point) and the operator's direct allocation change (until seat
// purchasing lands). The figures come from services/seats/usage.ts, shared with
// GET /seats/utilization; what "pending" means is defined once, in storage/seat-admin.ts.
import { invalidInput, notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import { findOrganization, listAllocations } from '../../storage/organizations.js';
import { lockAllocation } from '../../storage/billing.js';
import { setAllocated } from '../../storage/seat-admin.js';
import { seatUsage, type SeatTypeUsage } from './usage.js';
import { inTransaction } from '../../storage/transactions.js';
import { loadGateOrg, servePending } from './seat-gate.js';
import type { ServiceContext } from '../context.js';

export const BLOCKED_WINDOW_DAYS = 30;

/** A seat type's figures as GET /seats shows them: the refusals named for their window. */
export type SeatTypeOverview = Omit<SeatTypeUsage, 'refused'> & { blockedAttemptsLast30Days: number };

export interface SeatOverview {
  orgId: string;
  plan: string;
  currency: string;
  onNoSeat: string;
  extraUsage: boolean;
  extraUsageAvailable: boolean;
  seatTypes: SeatTypeOverview[];
  pendingMembers: number;
  blockedAttemptsLast30Days: { total: number; bySeatType: Record<string, number> };
}

export async function seatOverview(ctx: ServiceContext, orgId: string): Promise<SeatOverview> {
  const usage = await seatUsage(ctx, orgId, { days: BLOCKED_WINDOW_DAYS });
  return {
    orgId, plan: usage.org.plan, currency: usage.org.currency, onNoSeat: usage.settings.onNoSeat,
    extraUsage: usage.extraUsage, extraUsageAvailable: usage.extraUsageAvailable,
    seatTypes: usage.seatTypes.map(({ refused, ...type }) => ({ ...type, blockedAttemptsLast30Days: refused })),
    pendingMembers: usage.pendingMembers, blockedAttemptsLast30Days: usage.refusals,
  };
}

export interface SetAllocationResult {
  seatType: string;
  before: number;
  allocated: number;
  assigned: number;
  servedPending: number;
}

/**
 * Operator action: sets the allocation of one seat type. Never below the seats currently
 * assigned (the gate's invariant) nor, in total, below the plan minimum; raising it serves
 * pending members first-come first-served. Audited as `seats.allocation_set`.
 */
export async function setAllocation(
  ctx: ServiceContext, orgId: string, seatType: string, count: number, actor: Actor = { type: 'operator' },
): Promise<SetAllocationResult> {
  if (!Number.isSafeInteger(count) || count < 0) throw invalidInput(`the seat count must be a whole number ≥ 0, got ${count}`);
  const found = isUuid(orgId) ? await findOrganization(ctx.db, orgId) : undefined;
  if (!found) throw notFound(`no organization ${orgId}`);
  // SPEC §5: self-serve organizations buy seats (invoiced at once) and schedule reductions for
  // renewal; only sales-assisted contracts have their allocation set by an operator.
  if (found.billing_mode !== 'sales_assisted') {
    throw invalidInput('this organization is self-serve: add seats with `seats purchase` (invoiced) and schedule reductions with `seats reduce`');
  }
  return inTransaction(ctx.db, async (trx) => {
    const org = await loadGateOrg(trx, ctx, orgId);
    if (!org.seatTypes.includes(seatType)) {
      throw invalidInput(`plan ${org.plan} has no seat type "${seatType}"; its seat types are ${org.seatTypes.join(', ')}`);
    }
    const row = await lockAllocation(trx, orgId, seatType);
    if (!row) throw notFound(`organization ${orgId} has no allocation row for ${seatType}`);
    if (count < row.assigned) {
      throw invalidInput(
        `cannot set ${seatType} to ${count} seats: ${row.assigned} ${seatType} seat${row.assigned === 1 ? ' is' : 's are'} assigned; `
        + `unassign members first or set at least ${row.assigned}`,
        { seatType, requested: count, assigned: row.assigned },
      );
    }
    const minimum = ctx.plans.get(org.plan).minimumSeats;
    const others = (await listAllocations(trx, orgId)).filter((a) => a.seatType !== seatType).reduce((sum, a) => sum + a.allocated, 0);
    if (others + count < minimum) {
      throw invalidInput(`plan ${org.plan} needs at least ${minimum} seats in total; this would leave ${others + count}`,
        { seatType, requested: count, minimum });
    }
    if (count === row.allocated) {
      return { seatType, before: row.allocated, allocated: count, assigned: row.assigned, servedPending: 0 };
    }
    await setAllocated(trx, orgId, seatType, count);
    await recordAudit(trx, orgId, {
      actor, action: 'seats.allocation_set', subjectType: 'seat_allocation', subjectId: seatType,
      before: { allocated: row.allocated }, after: { allocated: count },
    });
    const servedPending = count > row.allocated ? await servePending(trx, org, 'seats_added', actor) : 0;
    const after = (await listAllocations(trx, orgId)).find((a) => a.seatType === seatType)!;
    return { seatType, before: row.allocated, allocated: after.allocated, assigned: after.assigned, servedPending };
  });
}
