// A batch of seat changes (issue 11, defect 6): a list of member → seat type (or `unassigned`)
// applied in ONE transaction, all or nothing (a member listed twice ends on its last target). The seed's swap — ten premium seats all assigned,
// A premium → standard and B standard → premium — is one request that needs no free seat: every
// seat the batch gives up is released before any is taken, and the pending queue is served only
// after the batch commits, so a freed seat cannot go to a waiting member halfway through.
//
// When the batch as a whole needs more seats of a type than are free (after its own releases),
// nothing changes and the answer is the same "no" as PUT /members/{id}/seat: no_seat_available
// with the purchase quote (here for the whole shortfall). A preview runs the very same code in a
// transaction that is always rolled back.
//
// Locks, in the gate's order: the organization row (serializes batches with role changes and
// removals, so the role rules hold), the members in id order, then every allocation row of the
// plan in seat-type order — two batches in opposite directions cannot deadlock, and nothing
// else can take a seat this batch released before it commits.
import { seatChangeDenial } from '../../domain/access.js';
import { invalidInput, notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { refusalMessage } from '../../domain/seat-choice.js';
import { holdInactiveMember, lockMembersForAccess, lockOrganizationForAccess, pendingMemberIds } from '../../storage/access.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import type { Db } from '../../storage/database.js';
import { findMemberDetail } from '../../storage/member-queries.js';
import { lockAllocations, releaseSeat, reserveSeat, writeMemberSeat } from '../../storage/seats.js';
import { inTransaction } from '../../storage/transactions.js';
import { memberView, queueWarnings, quoteSeats, type MemberView, type PurchaseQuote, type SeatWarning } from './admin-members.js';
import type { ServiceContext } from '../context.js';
import { thenCheckSeats } from './monitoring.js';
import { loadGateOrg, recordRefusal, servePending } from './seat-gate.js';
import { actingRole, denied } from '../access/acting-role.js';

export const MAX_BATCH = 1000;

export interface SeatChangeRequest { memberId: string; seatType: string }

/** One member's move: its seat type, or its seat state when it holds none, before and after. */
export interface PlannedChange { memberId: string; from: string; to: string }

export interface Shortfall { seatType: string; needed: number }

export type BatchRefusal =
  | { cause: 'no_seat_available'; message: string; shortfall: Shortfall[]; quote: PurchaseQuote | null; quotes: PurchaseQuote[]; changes: PlannedChange[] }
  | { cause: 'org_inactive'; message: string };

export type BatchResult =
  | { ok: true; members: MemberView[]; changes: PlannedChange[]; servedPending: number; warnings: SeatWarning[] }
  | ({ ok: false } & BatchRefusal);

export interface BatchPreview { ok: boolean; changes: PlannedChange[]; quote: PurchaseQuote | null; shortfall: Shortfall[]; message?: string }

class Rollback extends Error {
  constructor(readonly outcome: { ok: true; changes: PlannedChange[] } | ({ ok: false } & BatchRefusal)) { super('rolled back'); }
}

/**
 * Checks the list and folds it: a member listed more than once ends on its LAST target (the
 * seed's swap may be sent literally — A → unassigned, B → premium, A → standard — and means
 * A → standard, B → premium; the intermediate steps are never visible, the batch is atomic).
 */
function normalize(changes: readonly SeatChangeRequest[]): SeatChangeRequest[] {
  if (changes.length === 0) throw invalidInput('send at least one change', { field: 'changes' });
  if (changes.length > MAX_BATCH) throw invalidInput(`at most ${MAX_BATCH} changes in one batch`, { field: 'changes' });
  const last = new Map<string, SeatChangeRequest>();
  for (const change of changes) {
    if (!isUuid(change.memberId)) throw notFound(`no member ${change.memberId}`);
    last.delete(change.memberId);
    last.set(change.memberId, change);
  }
  return [...last.values()];
}

/** The whole batch inside `trx`; a refusal is returned (the caller rolls back), never half applied. */
async function applyIn(
  trx: Db, ctx: ServiceContext, orgId: string, requests: readonly SeatChangeRequest[], actor: Actor,
): Promise<{ ok: true; changes: PlannedChange[] } | ({ ok: false } & BatchRefusal)> {
  if (!(await lockOrganizationForAccess(trx, orgId))) throw notFound(`no organization ${orgId}`);
  const by = await actingRole(trx, orgId, actor);
  const org = await loadGateOrg(trx, ctx, orgId);
  const locked = new Map((await lockMembersForAccess(trx, orgId, requests.map((r) => r.memberId).sort())).map((m) => [m.id, m]));

  const planned: (PlannedChange & { holds: string | null; state: string })[] = [];
  requests.forEach((request, i) => {
    const member = locked.get(request.memberId);
    if (!member) throw notFound(`no member ${request.memberId}`);
    const denial = seatChangeDenial(by, member.role);
    if (denial) throw denied(denial);
    const to = request.seatType;
    if (to !== 'unassigned' && !org.seatTypes.includes(to)) {
      throw invalidInput(`member ${request.memberId}: plan ${org.plan} has no seat type "${to}"; use one of ${org.seatTypes.join(', ')} or "unassigned"`,
        { field: `changes.${i}.seatType` });
    }
    if (to !== 'unassigned' && member.seat_state === 'inactive') {
      throw invalidInput(`member ${member.id} is deactivated by the identity provider; it gets a seat when reactivated`,
        { field: `changes.${i}.seatType` });
    }
    const holds = member.seat_state === 'assigned' ? member.seat_type : null;
    const from = holds ?? member.seat_state;
    if (from === to) return; // nothing to do
    planned.push({ memberId: member.id, from, to, holds, state: member.seat_state });
  });
  const changes = planned.map(({ memberId, from, to }) => ({ memberId, from, to }));
  if (planned.length === 0) return { ok: true, changes };
  if (!org.active && planned.some((p) => p.to !== 'unassigned')) {
    return { ok: false, cause: 'org_inactive', message: 'This organization\'s subscription has ended; no seat can be given until it is renewed.' };
  }

  await lockAllocations(trx, orgId, [...org.seatTypes]);
  // Every seat the batch gives up is released before any is taken: that is what makes a swap
  // need no free seat.
  for (const change of planned) if (change.holds) await releaseSeat(trx, orgId, change.holds);
  const missing = new Map<string, number>();
  for (const change of planned) {
    if (change.to === 'unassigned') continue;
    if (!(await reserveSeat(trx, orgId, change.to))) missing.set(change.to, (missing.get(change.to) ?? 0) + 1);
  }
  if (missing.size > 0) {
    const shortfall = org.seatTypes.filter((t) => missing.has(t)).map((seatType) => ({ seatType, needed: missing.get(seatType)! }));
    const quotes = (await Promise.all(shortfall.map((s) => quoteSeats(ctx, trx, orgId, s.seatType, s.needed))))
      .filter((q): q is PurchaseQuote => q !== null);
    const message = `${refusalMessage(shortfall.map((s) => s.seatType))} This batch needs `
      + `${shortfall.map((s) => `${s.needed} more ${s.seatType} seat${s.needed === 1 ? '' : 's'}`).join(' and ')} than are free.`;
    return { ok: false, cause: 'no_seat_available', message, shortfall, quote: quotes[0] ?? null, quotes, changes };
  }

  const at = new Date().toISOString();
  for (const change of planned) {
    const reason = { kind: 'admin', trigger: 'admin_batch', by: actor, at };
    if (change.to === 'unassigned' && change.state === 'inactive') {
      // Like PUT seat: a deactivated member stays inactive, and comes back unassigned when reactivated.
      await holdInactiveMember(trx, orgId, change.memberId);
    } else if (change.to === 'unassigned') {
      await writeMemberSeat(trx, orgId, change.memberId, { seatState: 'unassigned', seatType: null, reason, unassignedByAdmin: true });
    } else {
      await writeMemberSeat(trx, orgId, change.memberId, { seatState: 'assigned', seatType: change.to, reason, unassignedByAdmin: false });
    }
    await recordAudit(trx, orgId, {
      actor,
      action: change.to === 'unassigned' ? 'seat.released.unassigned' : change.holds ? 'seat.changed' : 'seat.assigned',
      subjectType: 'member', subjectId: change.memberId,
      before: { seatState: change.state, seatType: change.holds },
      after: change.to !== 'unassigned' ? { seatState: 'assigned', seatType: change.to }
        : change.state === 'inactive' ? { seatState: 'inactive', unassignedByAdmin: true } : { seatState: 'unassigned' },
      reason: { kind: 'admin', trigger: 'admin_batch' },
    });
  }
  await recordAudit(trx, orgId, {
    actor, action: 'seat.batch_applied', subjectType: 'organization', subjectId: orgId,
    after: { changes }, reason: { trigger: 'admin_batch', count: changes.length },
  });
  return { ok: true, changes };
}

/**
 * Applies a batch: 200 with every member as it now is, or a refusal that changed nothing (and
 * is recorded like any refusal). Pending members are served after the commit, from the seats
 * the batch left free.
 */
export async function applySeatChanges(
  ctx: ServiceContext, orgId: string, requests: readonly SeatChangeRequest[], actor: Actor,
): Promise<BatchResult> {
  requests = normalize(requests);
  let outcome;
  try {
    outcome = await inTransaction(ctx.db, async (trx) => {
      const result = await applyIn(trx, ctx, orgId, requests, actor);
      if (!result.ok) throw new Rollback(result);
      return result;
    });
  } catch (error) {
    if (!(error instanceof Rollback) || error.outcome.ok) throw error;
    const refusal = error.outcome;
    if (refusal.cause === 'no_seat_available') {
      await recordRefusal(ctx.db, orgId, {
        trigger: 'admin_batch', actor, exhausted: refusal.shortfall.map((s) => s.seatType), subject: `batch of ${requests.length} seat changes`,
      });
    }
    return refusal;
  }
  const { served, warnings } = await thenCheckSeats(ctx, orgId, inTransaction(ctx.db, async (trx) => {
    const waiting = outcome.changes.some((c) => c.from !== 'pending' && c.from !== 'unassigned' && c.from !== 'inactive')
      ? await pendingMemberIds(trx, orgId) : [];
    const count = waiting.length > 0 ? await servePending(trx, await loadGateOrg(trx, ctx, orgId), 'seats_freed', actor) : 0;
    return { served: count, warnings: count > 0 ? await queueWarnings(trx, orgId, waiting) : [] };
  }));
  const members = await Promise.all(requests.map(async (r) => {
    const row = await findMemberDetail(ctx.db, orgId, r.memberId);
    return row ? memberView(row) : undefined;
  }));
  return { ok: true, members: members.filter((m): m is MemberView => m !== undefined), changes: outcome.changes, servedPending: served, warnings };
}

/** The same batch, changing nothing: whether it would apply, what would move, and the quote if seats are missing. */
export async function previewSeatChanges(
  ctx: ServiceContext, orgId: string, requests: readonly SeatChangeRequest[], actor: Actor,
): Promise<BatchPreview> {
  requests = normalize(requests);
  try {
    await inTransaction(ctx.db, async (trx) => { throw new Rollback(await applyIn(trx, ctx, orgId, requests, actor)); });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
    const outcome = error.outcome;
    if (outcome.ok) return { ok: true, changes: outcome.changes, quote: null, shortfall: [] };
    if (outcome.cause === 'org_inactive') return { ok: false, changes: [], quote: null, shortfall: [], message: outcome.message };
    return { ok: false, changes: outcome.changes, quote: outcome.quote, shortfall: outcome.shortfall, message: outcome.message };
  }
  throw new Error('unreachable: the preview transaction always rolls back');
}
