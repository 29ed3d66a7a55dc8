// The seat gate (SPEC §4): the one place that gives, changes and takes back seats. Every
// decision point — SCIM create and reactivation, group changes, JIT, admin changes, purchases —
// calls these functions inside its own transaction, so a refusal rolls back cleanly and a
// success commits the member's state together with the seat counter.
//
// Locking: the member row first (FOR UPDATE), then allocation rows (in seat-type order when
// more than one). Reservations are guarded UPDATEs on the allocation row (storage/seats.ts), so
// "assigned ≤ allocated" holds across requests and processes.
import {
  candidatesFor, compareSeatTypes, exhaustedTypes, refusalMessage, targetFor,
  type Candidate, type MappingMatch, type SeatReasonKind, type SeatTarget,
} from '../../domain/seat-choice.js';
import { notFound, invalidInput } from '../../domain/errors.js';
import { orgHasEnded, orgSettingsSchema, type OrgSettings } from '../../domain/organization.js';
import { toIsoDate } from '../../domain/dates.js';
import type { PlanCatalog } from '../../domain/plans.js';
import type { Db } from '../../storage/database.js';
import { findOrganizationForGate, findOrganizationWithSeats } from '../../storage/organizations.js';
import {
  freeSeatTypes, lockAllocations, lockMember, mappingMatchesForMember, nextPendingMembers,
  releaseSeat, reserveSeat, reserveSeatCounted, writeMemberSeat, type LockedMember,
} from '../../storage/seats.js';
import { recordAudit, type Actor, type AuditEvent } from '../../storage/audit.js';
import { deleteAuditEvent } from '../../storage/members.js';
import { countSeatRefusal } from '../../observability/metrics.js';
import { applyMappedRole } from '../access/mapped-role.js';
import { rememberOrg } from './org-memo.js';

export type GateTrigger =
  | 'scim_create' | 'scim_reactivate' | 'jit_login' | 'group_change' | 'mapping_change'
  | 'admin_assign' | 'seats_freed' | 'seats_added' | 'org_create' | 'scim_deactivate' | 'scim_delete' | 'scim_update'
  | 'admin_batch' | 'admin_remove';

export interface GateOrg {
  id: string;
  plan: string;
  seatTypes: readonly string[];
  settings: OrgSettings;
  active: boolean;
  /** Seat counters when the organization was read (unlocked: a hint, never a decision). */
  seats?: ReadonlyArray<{ seatType: string; assigned: number; allocated: number }>;
  /** For a create: the removed members whose tombstones it took in the same read (services/access/removal.ts). */
  takenTombstones?: readonly string[];
}

/** What a member was given, or why not. A "no" is a value, not an exception. */
export type Admission =
  | {
    outcome: 'assigned'; seatType: string; reason: SeatReasonKind;
    /** The type's counters right after (a lower bound for `assigned` when taken at commit), when known. */
    usage?: { assigned: number; allocated: number };
    /** Taken by the commit (migration 0015): a stale hint fails the commit with SQLSTATE SG001. */
    atCommit?: true;
  }
  | { outcome: 'pending'; wanted: string[] }
  | { outcome: 'refused'; cause: 'no_seat_available'; exhausted: string[]; message: string }
  | { outcome: 'refused'; cause: 'org_inactive'; message: string };

export async function loadGateOrg(
  db: Db, ctx: { plans: PlanCatalog; now(): Date }, orgId: string,
  options: { withSeats?: boolean; takeTombstones?: { userName: string; externalId: string | null } } = {},
): Promise<GateOrg> {
  // A create reads its hint's seat counters and takes its tombstones with the organization: one round trip, not three.
  const org: (Awaited<ReturnType<typeof findOrganizationForGate>> & { seats?: GateOrg['seats']; tombstones?: string[] }) | undefined = options.withSeats
    ? await findOrganizationWithSeats(db, orgId, options.takeTombstones) : await findOrganizationForGate(db, orgId);
  if (!org) throw notFound(`no organization ${orgId}`);
  const ended = orgHasEnded({
    status: org.status, autoRenew: org.auto_renew, cancelAtTermEnd: org.cancel_at_term_end, termEnd: org.term_end,
  }, toIsoDate(ctx.now()));
  const settings = orgSettingsSchema.parse(org.settings);
  rememberOrg(org.id, {
    plan: org.plan, status: org.status, autoRenew: org.auto_renew, cancelAtTermEnd: org.cancel_at_term_end, termEnd: org.term_end,
    settingsJson: JSON.stringify(org.settings),
  }, settings, org.seats ? !org.seats.some((s) => s.allocated - s.assigned >= AT_COMMIT_MIN_FREE) : undefined);
  return {
    id: org.id,
    plan: org.plan,
    seatTypes: ctx.plans.get(org.plan).seatTypes,
    settings,
    active: !ended,
    ...(org.seats ? { seats: org.seats } : {}),
    ...(org.tombstones ? { takenTombstones: org.tombstones } : {}),
  };
}

const ORG_INACTIVE = 'This organization\'s subscription has ended; no seat can be given until it is renewed.';

/** Entra app-role values of a member, from its stored SCIM `roles` (`[{ value, … }]`). */
function appRoles(attributes: Record<string, unknown>): string[] {
  const roles = attributes.roles;
  if (!Array.isArray(roles)) return [];
  return roles.flatMap((role) => (typeof role?.value === 'string' ? [role.value] : []));
}

/**
 * The target of a member: mappings through its SCIM groups and JIT group ids, and app roles.
 * The role its group mappings grant is applied on the way (services/access/mapped-role.ts).
 */
async function targetOf(db: Db, org: GateOrg, member: LockedMember, actor: Actor): Promise<SeatTarget> {
  const matches: MappingMatch[] = await mappingMatchesForMember(db, org.id, member.id, member.idp_group_ids);
  await applyMappedRole(db, org.id, member, matches, actor);
  for (const role of appRoles(member.attributes)) {
    const seatType = org.settings.roleSeatTypes[role];
    if (seatType) matches.push({ mappingId: `role:${role}`, seatType, allowFallback: org.settings.roleSeatFallback });
  }
  return targetFor(org.seatTypes, matches);
}

function reasonOf(candidate: Candidate, target: SeatTarget, trigger: GateTrigger, actor: Actor) {
  return {
    kind: candidate.reason,
    ...(target.kind === 'mapped' ? { mappingIds: target.mappingIds, wanted: target.seatType } : {}),
    trigger, by: actor, at: new Date().toISOString(),
  };
}

async function tryCandidates(db: Db, orgId: string, candidates: Candidate[]): Promise<Candidate | undefined> {
  for (const candidate of candidates) {
    if (await reserveSeat(db, orgId, candidate.seatType)) return candidate;
  }
  return undefined;
}

/**
 * Gives a seat to a member that holds none (just created as pending, reactivated, logging in,
 * restored). In `pending` mode a member with no free seat is queued; in `block` mode the member
 * is left as it was and the caller refuses (rolling back) and records the refusal.
 */
export async function admit(
  db: Db, org: GateOrg, memberId: string, trigger: GateTrigger, actor: Actor,
): Promise<Admission> {
  if (!org.active) return { outcome: 'refused', cause: 'org_inactive', message: ORG_INACTIVE };
  const member = await lockMember(db, org.id, memberId);
  if (!member) throw notFound(`no member ${memberId}`);
  if (member.seat_state === 'assigned' && member.seat_type) {
    return { outcome: 'assigned', seatType: member.seat_type, reason: (member.seat_reason.kind as SeatReasonKind) ?? 'highest_available' };
  }
  const target = await targetOf(db, org, member, actor);
  const candidates = candidatesFor(org.seatTypes, target);
  const won = await tryCandidates(db, org.id, candidates);
  if (won) {
    await writeMemberSeat(db, org.id, memberId, { seatState: 'assigned', seatType: won.seatType, reason: reasonOf(won, target, trigger, actor) });
    await recordAudit(db, org.id, {
      actor, action: 'seat.assigned', subjectType: 'member', subjectId: memberId,
      before: { seatState: member.seat_state }, after: { seatState: 'assigned', seatType: won.seatType },
      reason: { kind: won.reason, trigger, ...(target.kind === 'mapped' ? { mappingIds: target.mappingIds } : {}) },
    });
    return { outcome: 'assigned', seatType: won.seatType, reason: won.reason };
  }
  const exhausted = exhaustedTypes(candidates);
  if (org.settings.onNoSeat === 'pending') {
    await writeMemberSeat(db, org.id, memberId, {
      seatState: 'pending', seatType: null,
      reason: { kind: 'no_seat_free', wanted: exhausted, trigger, by: actor, at: new Date().toISOString() },
    });
    if (member.seat_state !== 'pending') {
      await recordAudit(db, org.id, {
        actor, action: 'seat.pending', subjectType: 'member', subjectId: memberId,
        before: { seatState: member.seat_state }, after: { seatState: 'pending' }, reason: { trigger, exhausted },
      });
    }
    return { outcome: 'pending', wanted: exhausted };
  }
  return { outcome: 'refused', cause: 'no_seat_available', exhausted, message: refusalMessage(exhausted) };
}

/**
 * A create's seat, planned before its member is inserted, so that the member is usually written
 * once, with its seat, instead of inserted pending and updated: the update was a second heap
 * tuple, a second entry in every members index (the email trigram one included) and a dead
 * tuple for vacuum — about a third of a create's buffers (decision 0013). Only for a member in
 * no group (a new one without JIT group ids), whose target is its app roles alone. The hint is
 * the first candidate with a free seat by an unlocked read; `admitNewMember` then reserves
 * through the same guarded UPDATEs as `admit`, so a stale hint costs only the old update.
 */
export interface NewMemberPlan {
  target: SeatTarget; candidates: Candidate[]; hint: Candidate; seatReason: ReturnType<typeof reasonOf>;
  /** Whether the hint's type had room enough, as read, for its seat to be taken at commit. */
  roomy: boolean;
}

/**
 * A seat is taken at commit only when its type had at least this many free seats as read: near
 * the allocation, many creates would find their seat gone at commit and run again (decision 0015).
 */
export const AT_COMMIT_MIN_FREE = 64;

export async function planNewMemberSeat(
  db: Db, org: GateOrg, attributes: Record<string, unknown>, trigger: GateTrigger, actor: Actor,
): Promise<NewMemberPlan | undefined> {
  if (!org.active) return undefined;
  const { target, candidates } = newMemberTarget(org, attributes);
  const free = new Set(org.seats ? org.seats.filter((s) => s.assigned < s.allocated).map((s) => s.seatType) : await freeSeatTypes(db, org.id));
  const hint = candidates.find((c) => free.has(c.seatType));
  const read = hint && org.seats?.find((s) => s.seatType === hint.seatType);
  const roomy = read !== undefined && read.allocated - read.assigned >= AT_COMMIT_MIN_FREE;
  return hint ? { target, candidates, hint, seatReason: reasonOf(hint, target, trigger, actor), roomy } : undefined;
}

/** A new member's target and candidates: its app roles alone (a new member is in no group). */
function newMemberTarget(org: GateOrg, attributes: Record<string, unknown>): { target: SeatTarget; candidates: Candidate[] } {
  const matches: MappingMatch[] = [];
  for (const role of appRoles(attributes)) {
    const seatType = org.settings.roleSeatTypes[role];
    if (seatType) matches.push({ mappingId: `role:${role}`, seatType, allowFallback: org.settings.roleSeatFallback });
  }
  const target = targetFor(org.seatTypes, matches);
  return { target, candidates: candidatesFor(org.seatTypes, target) };
}

/**
 * Every plan `planNewMemberSeat` could make for a new member, one per candidate in order, without
 * reading the seat counters: the one-statement create (one-statement-create.ts) lets the database
 * pick the first candidate with a free seat, as planNewMemberSeat picks its hint.
 */
export function newMemberPlans(org: GateOrg, attributes: Record<string, unknown>, trigger: GateTrigger, actor: Actor): NewMemberPlan[] {
  if (!org.active) return [];
  const { target, candidates } = newMemberTarget(org, attributes);
  return candidates.map((hint) => ({ target, candidates, hint, seatReason: reasonOf(hint, target, trigger, actor), roomy: true }));
}

/** The audit event of a create that wins its hint, written with the member (storage insertMemberRecorded). */
export function newMemberAudit(plan: NewMemberPlan, trigger: GateTrigger, actor: Actor): Omit<AuditEvent, 'subjectType' | 'subjectId'> {
  return {
    actor, action: 'seat.assigned',
    before: { seatState: 'pending' }, after: { seatState: 'assigned', seatType: plan.hint.seatType },
    reason: { kind: plan.hint.reason, trigger, ...(plan.target.kind === 'mapped' ? { mappingIds: plan.target.mappingIds } : {}) },
  };
}

/**
 * The gate for a member just inserted `assigned` to `plan.hint` with its audit event `auditId`
 * (in this transaction, so no one else sees either yet): the member row is written before the
 * allocation row is locked, as everywhere. The allocation row is shared by every create of the
 * organization and seat type, so it is locked as late as possible (decision 0015): with
 * `seatAtCommit` the member was inserted with a reservation that the commit itself takes
 * (migration 0015; a stale hint fails the commit and the caller runs the create again without);
 * otherwise the reservation is the caller's last statement before commit. When the hint was
 * stale, the audit event is taken back and the member is rewritten, or goes back to pending and
 * through `admit` (queued or refused), as before.
 */
export async function admitNewMember(
  db: Db, org: GateOrg, memberId: string, auditId: string, plan: NewMemberPlan, trigger: GateTrigger, actor: Actor,
  seatAtCommit = false,
): Promise<Admission> {
  if (seatAtCommit) {
    // The counters as read, plus this seat: at least what the commit leaves.
    const read = org.seats?.find((s) => s.seatType === plan.hint.seatType);
    return {
      outcome: 'assigned', seatType: plan.hint.seatType, reason: plan.hint.reason, atCommit: true,
      ...(read ? { usage: { assigned: read.assigned + 1, allocated: read.allocated } } : {}),
    };
  }
  const usage = await reserveSeatCounted(db, org.id, plan.hint.seatType);
  if (usage) return { outcome: 'assigned', seatType: plan.hint.seatType, reason: plan.hint.reason, usage };
  await deleteAuditEvent(db, org.id, auditId);
  const won = await tryCandidates(db, org.id, plan.candidates);
  if (!won) {
    await writeMemberSeat(db, org.id, memberId, { seatState: 'pending', seatType: null, reason: { kind: 'new' } });
    return admit(db, org, memberId, trigger, actor);
  }
  await writeMemberSeat(db, org.id, memberId, { seatState: 'assigned', seatType: won.seatType, reason: reasonOf(won, plan.target, trigger, actor) });
  await recordAudit(db, org.id, {
    actor, action: 'seat.assigned', subjectType: 'member', subjectId: memberId,
    before: { seatState: 'pending' }, after: { seatState: 'assigned', seatType: won.seatType },
    reason: { kind: won.reason, trigger, ...(plan.target.kind === 'mapped' ? { mappingIds: plan.target.mappingIds } : {}) },
  });
  return { outcome: 'assigned', seatType: won.seatType, reason: won.reason };
}

/**
 * Records a refusal so that admins see how many seats they are short (SPEC §4.3). Written in its
 * own transaction by the caller after the refused operation rolled back.
 */
export async function recordRefusal(
  db: Db, orgId: string, refusal: { trigger: GateTrigger; actor: Actor; exhausted: string[]; subject: string; memberId?: string },
): Promise<void> {
  await recordAudit(db, orgId, {
    actor: refusal.actor, action: 'seat.refused', subjectType: 'member', subjectId: refusal.memberId ?? refusal.subject,
    reason: { trigger: refusal.trigger, exhausted: refusal.exhausted, userName: refusal.subject },
  });
  countSeatRefusal(refusal.trigger);
}

/**
 * Takes the seat back from a member (deactivation, admin unassign, deletion) and serves the
 * pending queue with it. Never refused. Returns the member as it was.
 */
export async function release(
  db: Db, org: GateOrg, memberId: string, to: 'inactive' | 'unassigned' | 'deleted', trigger: GateTrigger, actor: Actor,
  options: { /** false: the caller serves the queue itself, after its commit. */ servePending?: boolean } = {},
): Promise<LockedMember> {
  const member = await lockMember(db, org.id, memberId);
  if (!member) throw notFound(`no member ${memberId}`);
  if (member.seat_state === 'assigned' && member.seat_type) await releaseSeat(db, org.id, member.seat_type);
  if (to !== 'deleted') {
    await writeMemberSeat(db, org.id, memberId, {
      seatState: to, seatType: null,
      reason: { kind: to === 'unassigned' ? 'admin' : 'deactivated', trigger, by: actor, at: new Date().toISOString() },
      ...(to === 'unassigned' ? { unassignedByAdmin: true } : {}),
    });
  }
  if (member.seat_state !== to) {
    await recordAudit(db, org.id, {
      actor, action: to === 'deleted' ? 'seat.released.deleted' : `seat.released.${to}`, subjectType: 'member', subjectId: memberId,
      before: { seatState: member.seat_state, seatType: member.seat_type }, after: { seatState: to }, reason: { trigger },
    });
  }
  if (member.seat_state === 'assigned' && options.servePending !== false) await servePending(db, org, 'seats_freed', actor);
  return member;
}

/**
 * Serves pending members first-come first-served while seats are free (SPEC §4.3). A member
 * whose own target type is full is skipped, not allowed to block those behind it.
 */
export async function servePending(db: Db, org: GateOrg, trigger: GateTrigger, actor: Actor): Promise<number> {
  if (!org.active) return 0;
  let served = 0;
  let after: { since: Date; id: string } | undefined;
  while ((await freeSeatTypes(db, org.id)).length > 0) {
    const batch = await nextPendingMembers(db, org.id, 50, after);
    if (batch.length === 0) break;
    for (const pending of batch) {
      const admission = await admit(db, org, pending.id, trigger, actor);
      if (admission.outcome === 'assigned') served += 1;
    }
    const last = batch[batch.length - 1]!;
    after = { since: last.pending_since as Date, id: last.id };
  }
  return served;
}

/**
 * Moves a seated member toward the type its mappings now name (group or mapping changes).
 * Upgrades go through the gate (refused upgrades leave the member on its seat and are recorded);
 * downgrades are never refused, but wait for a free seat of the lower type rather than break
 * the allocation of that type. Members without a mapping keep the seat they have.
 */
export async function reevaluate(db: Db, org: GateOrg, memberId: string, trigger: GateTrigger, actor: Actor): Promise<void> {
  const member = await lockMember(db, org.id, memberId);
  if (!member) return;
  if (!org.active || (member.seat_state !== 'assigned' && member.seat_state !== 'pending')) {
    // No seat decision, but a group change still moves the role a mapping grants.
    await applyMappedRole(db, org.id, member, await mappingMatchesForMember(db, org.id, member.id, member.idp_group_ids), actor);
    return;
  }
  if (member.seat_state === 'pending') {
    await admit(db, org, memberId, trigger, actor);
    return;
  }
  if (!member.seat_type) return;
  const target = await targetOf(db, org, member, actor);
  if (target.kind !== 'mapped' || target.seatType === member.seat_type) return;
  const current = member.seat_type;
  const upgrade = compareSeatTypes(org.seatTypes, target.seatType, current) < 0;
  const candidates = upgrade
    ? candidatesFor(org.seatTypes, target).filter((c) => compareSeatTypes(org.seatTypes, c.seatType, current) < 0)
    : [{ seatType: target.seatType, reason: 'mapping' as const }];
  await lockAllocations(db, org.id, [current, ...candidates.map((c) => c.seatType)]);
  const won = await tryCandidates(db, org.id, candidates);
  if (!won) {
    await recordAudit(db, org.id, {
      actor, action: upgrade ? 'seat.refused' : 'seat.downgrade_deferred', subjectType: 'member', subjectId: memberId,
      reason: { trigger, exhausted: candidates.map((c) => c.seatType), kept: current, userName: member.user_name },
    });
    if (upgrade) countSeatRefusal(trigger);
    return;
  }
  await releaseSeat(db, org.id, current);
  await writeMemberSeat(db, org.id, memberId, { seatState: 'assigned', seatType: won.seatType, reason: reasonOf(won, target, trigger, actor) });
  await recordAudit(db, org.id, {
    actor, action: 'seat.changed', subjectType: 'member', subjectId: memberId,
    before: { seatType: current }, after: { seatType: won.seatType },
    reason: { kind: won.reason, trigger, mappingIds: target.mappingIds },
  });
  await servePending(db, org, 'seats_freed', actor);
}

export type SeatChange =
  | { outcome: 'changed' | 'unchanged'; seatState: string; seatType: string | null }
  | { outcome: 'refused'; exhausted: string[]; message: string };

/**
 * An admin assigns a seat type, or `unassigned` (SPEC §4.4). Assigning goes through the gate;
 * unassigning is never refused and holds until an admin assigns again.
 */
export async function changeSeat(
  db: Db, org: GateOrg, memberId: string, target: string, actor: Actor,
): Promise<SeatChange> {
  const member = await lockMember(db, org.id, memberId);
  if (!member) throw notFound(`no member ${memberId}`);
  if (target === 'unassigned') {
    if (member.seat_state === 'unassigned') return { outcome: 'unchanged', seatState: 'unassigned', seatType: null };
    if (member.seat_state === 'inactive') {
      await writeMemberSeat(db, org.id, memberId, { seatState: 'inactive', seatType: null, reason: member.seat_reason, unassignedByAdmin: true });
      return { outcome: 'changed', seatState: 'inactive', seatType: null };
    }
    await release(db, org, memberId, 'unassigned', 'admin_assign', actor);
    return { outcome: 'changed', seatState: 'unassigned', seatType: null };
  }
  if (!org.seatTypes.includes(target)) {
    throw invalidInput(`plan ${org.plan} has no seat type "${target}"; use one of ${org.seatTypes.join(', ')} or "unassigned"`);
  }
  if (member.seat_state === 'inactive') throw invalidInput('this member is deactivated by the identity provider; it gets a seat when reactivated');
  if (!org.active) return { outcome: 'refused', exhausted: [], message: ORG_INACTIVE };
  if (member.seat_state === 'assigned' && member.seat_type === target) {
    return { outcome: 'unchanged', seatState: 'assigned', seatType: target };
  }
  const current = member.seat_state === 'assigned' ? member.seat_type : null;
  await lockAllocations(db, org.id, current ? [current, target] : [target]);
  if (!(await reserveSeat(db, org.id, target))) {
    return { outcome: 'refused', exhausted: [target], message: refusalMessage([target]) };
  }
  if (current) await releaseSeat(db, org.id, current);
  const candidate: Candidate = { seatType: target, reason: 'admin' };
  await writeMemberSeat(db, org.id, memberId, {
    seatState: 'assigned', seatType: target, reason: reasonOf(candidate, { kind: 'explicit', seatType: target }, 'admin_assign', actor),
    unassignedByAdmin: false,
  });
  await recordAudit(db, org.id, {
    actor, action: current ? 'seat.changed' : 'seat.assigned', subjectType: 'member', subjectId: memberId,
    before: { seatState: member.seat_state, seatType: current }, after: { seatState: 'assigned', seatType: target },
    reason: { kind: 'admin', trigger: 'admin_assign' },
  });
  if (current) await servePending(db, org, 'seats_freed', actor);
  return { outcome: 'changed', seatState: 'assigned', seatType: target };
}
