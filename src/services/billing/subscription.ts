// The subscription: its term, cancellation at term end (and resuming before it), and whether the
// organization may still change anything. After the term of a cancelled or non-renewing
// organization ends, its status is 'ended': the gate refuses every seat (loadGateOrg) and
// writes — SCIM, admin — must be refused through `assertOrgWritable`.
import { DomainError, notFound } from '../../domain/errors.js';
import { orgHasEnded } from '../../domain/organization.js';
import type { Actor } from '../../storage/audit.js';
import { recordAudit } from '../../storage/audit.js';
import { listReductions, lockOrganization, updateOrganizationTerm, type OrganizationRow } from '../../storage/billing.js';
import type { Db } from '../../storage/database.js';
import { findOrganization } from '../../storage/organizations.js';
import { inTransaction } from '../../storage/transactions.js';
import { assertMayChangeBilling, billingDate, orgEndedError, requireOrgId } from './billing.js';
import { projectRenewal, renewalLines, settleTerm } from './renewals.js';
import { afterSeatsChanged } from '../seats/monitoring.js';
import type { ServiceContext } from '../context.js';

export type Writability =
  | { writable: true }
  | { writable: false; reason: 'ended'; endedOn: string; message: string };

/**
 * Whether the organization may still be changed today (by the context's clock). An organization
 * is not writable once its status is 'ended', and also from the day its term ends when it will
 * not renew (cancelled or auto-renew off) even if the periodic check has not yet ended it.
 * A value, not an exception: see `assertOrgWritable` for the throwing form.
 */
export async function checkOrgWritable(ctx: ServiceContext, orgId: string, db: Db = ctx.db): Promise<Writability> {
  const org = await findOrganization(db, requireOrgId(orgId));
  if (!org) throw notFound(`no organization ${orgId}`);
  const ended = orgHasEnded({
    status: org.status, autoRenew: org.auto_renew, cancelAtTermEnd: org.cancel_at_term_end, termEnd: org.term_end,
  }, billingDate(ctx));
  if (ended) {
    return { writable: false, reason: 'ended', endedOn: org.term_end, message: orgEndedError(org).message };
  }
  return { writable: true };
}

/**
 * For the SCIM layer (and any write path): throws DomainError('org_inactive') — HTTP 403 — when
 * the organization's subscription has ended. Pass the transaction as `db` to check inside one.
 */
export async function assertOrgWritable(ctx: ServiceContext, orgId: string, db: Db = ctx.db): Promise<void> {
  const writability = await checkOrgWritable(ctx, orgId, db);
  if (!writability.writable) throw new DomainError('org_inactive', writability.message, { endedOn: writability.endedOn });
}

export interface SubscriptionView {
  plan: string;
  renewsAsPlan: string;
  billingMode: string;
  currency: string;
  termStart: string;
  termEnd: string;
  status: 'active' | 'ended';
  autoRenew: boolean;
  cancelAtTermEnd: boolean;
  /** What happens at term end. */
  atTermEnd: 'renews' | 'ends' | 'ended';
  scheduledReductions: { id: string; seatType: string; quantity: number; effectiveOn: string }[];
  /** The renewal as it stands today: seats carried and the renewal invoice's amount. */
  projectedRenewal: {
    termStart: string;
    seats: Record<string, number>;
    totalMinor: number;
    raisedToMinimum: number;
    seatsLostByAssignedMembers: number;
  } | null;
}

async function view(db: Db, ctx: ServiceContext, org: OrganizationRow): Promise<SubscriptionView> {
  const plan = ctx.plans.get(org.plan);
  const renews = org.status === 'active' && org.auto_renew && !org.cancel_at_term_end;
  const projection = renews ? await projectRenewal(db, ctx, org) : null;
  const reductions = await listReductions(db, org.id, 'scheduled');
  return {
    plan: org.plan,
    renewsAsPlan: plan.legacy && plan.renewsAs ? plan.renewsAs : org.plan,
    billingMode: org.billing_mode,
    currency: org.currency,
    termStart: org.term_start,
    termEnd: org.term_end,
    status: org.status,
    autoRenew: org.auto_renew,
    cancelAtTermEnd: org.cancel_at_term_end,
    atTermEnd: org.status === 'ended' ? 'ended' : renews ? 'renews' : 'ends',
    scheduledReductions: reductions.map((r) => ({ id: r.id, seatType: r.seat_type, quantity: r.quantity, effectiveOn: r.effective_on })),
    projectedRenewal: projection && {
      termStart: org.term_end,
      seats: Object.fromEntries(projection.seats.map((seat) => [seat.seatType, seat.allocated])),
      totalMinor: renewalLines(projection, org.term_end).reduce((sum, line) => sum + line.amountMinor, 0),
      raisedToMinimum: projection.raisedToMinimum,
      seatsLostByAssignedMembers: projection.shortfall.reduce((sum, s) => sum + s.count, 0),
    },
  };
}

export async function getSubscription(ctx: ServiceContext, orgId: string): Promise<SubscriptionView> {
  const org = await findOrganization(ctx.db, requireOrgId(orgId));
  if (!org) throw notFound(`no organization ${orgId}`);
  return view(ctx.db, ctx, org);
}

/** Cancels at term end (owners of self-serve organizations, or an operator). Idempotent. */
export function cancelSubscription(ctx: ServiceContext, orgId: string, actor: Actor): Promise<SubscriptionView> {
  return changeRenewal(ctx, orgId, actor, { cancelAtTermEnd: true });
}

/** Undoes a cancellation before the term ends. Idempotent. */
export function resumeSubscription(ctx: ServiceContext, orgId: string, actor: Actor): Promise<SubscriptionView> {
  return changeRenewal(ctx, orgId, actor, { cancelAtTermEnd: false });
}

/**
 * Turns automatic renewal on or off (same rights as cancelling). Off, the term ends at its end
 * unless it is turned on again before; a cancellation is separate and both must allow renewal
 * for the term to renew. Idempotent.
 */
export function setAutoRenew(ctx: ServiceContext, orgId: string, autoRenew: boolean, actor: Actor): Promise<SubscriptionView> {
  return changeRenewal(ctx, orgId, actor, { autoRenew });
}

type RenewalChange = { cancelAtTermEnd: boolean } | { autoRenew: boolean };

async function changeRenewal(ctx: ServiceContext, orgId: string, actor: Actor, change: RenewalChange): Promise<SubscriptionView> {
  requireOrgId(orgId);
  const result = await inTransaction(ctx.db, async (trx) => {
    const locked = await lockOrganization(trx, orgId);
    if (!locked) throw notFound(`no organization ${orgId}`);
    assertMayChangeBilling(locked, actor);
    const { org, outcomes } = await settleTerm(trx, ctx, locked, billingDate(ctx), actor);
    if (org.status === 'ended') return { error: orgEndedError(org) };
    if ('cancelAtTermEnd' in change && org.cancel_at_term_end !== change.cancelAtTermEnd) {
      const cancel = change.cancelAtTermEnd;
      await updateOrganizationTerm(trx, orgId, { cancelAtTermEnd: cancel });
      await recordAudit(trx, orgId, {
        actor, action: cancel ? 'subscription.cancelled' : 'subscription.resumed', subjectType: 'organization', subjectId: orgId,
        before: { cancelAtTermEnd: !cancel }, after: { cancelAtTermEnd: cancel }, reason: { effectiveOn: org.term_end },
      });
    }
    if ('autoRenew' in change && org.auto_renew !== change.autoRenew) {
      await updateOrganizationTerm(trx, orgId, { autoRenew: change.autoRenew });
      await recordAudit(trx, orgId, {
        actor, action: 'subscription.auto_renew_changed', subjectType: 'organization', subjectId: orgId,
        before: { autoRenew: org.auto_renew }, after: { autoRenew: change.autoRenew }, reason: { termEnd: org.term_end },
      });
    }
    return { view: await view(trx, ctx, (await lockOrganization(trx, orgId))!), settled: outcomes.length > 0 };
  });
  // A term settled on the way (renewed or ended) is committed even when the change is refused.
  if ('error' in result) throw result.error;
  if (result.settled) void afterSeatsChanged(ctx, orgId);
  return result.view;
}
