// Member use cases that run the seat gate. A use case refused by the gate rolls back entirely —
// no member, no seat, no half-applied change — and the refusal is then recorded on its own, so
// that admins see it and a retried request can never have taken a seat.
import { DomainError } from '../../domain/errors.js';
import type { Role } from '../../domain/organization.js';
import type { Db } from '../../storage/database.js';
import { insertMember, insertMemberRecorded } from '../../storage/members.js';
import type { UserRow } from '../../storage/scim-users.js';
import { takeTombstones } from '../../storage/access.js';
import { recordAudit } from '../../storage/audit.js';
import { writeMemberSeat } from '../../storage/seats.js';
import { inTransaction } from '../../storage/transactions.js';
import { isPgError } from '../../storage/errors.js';
import type { Actor } from '../../storage/audit.js';
import {
  admit, admitNewMember, loadGateOrg, newMemberAudit, planNewMemberSeat, recordRefusal, type Admission, type GateOrg, type GateTrigger,
} from './seat-gate.js';
import type { ServiceContext } from '../context.js';

export type Refusal = Extract<Admission, { outcome: 'refused' }>;

/** SQLSTATE of a seat taken at commit that was no longer free (migration 0015). */
const SEAT_GONE_AT_COMMIT = 'SG001';

/** Thrown inside a gated transaction to roll it back; turned into a value by gatedTransaction. */
export class SeatRefused extends Error {
  constructor(readonly admission: Refusal) { super(admission.message); }
}

export type Gated<T> = { ok: true; value: T } | { ok: false; admission: Refusal };

/** What a gated use case may do in this run of it. */
export interface GatedRun {
  /**
   * A create may take its seat at commit (migration 0015, decision 0015). When the commit finds
   * no seat free any more (SQLSTATE SG001: nothing was written), the use case runs again with
   * this false, and takes its seat by a statement, which queues or refuses as the gate says.
   */
  seatAtCommit: boolean;
}

/**
 * Runs `fn` in one transaction. A SeatRefused thrown inside rolls everything back; a refusal for
 * lack of seats is then recorded (who, what, which types) in its own transaction.
 */
export async function gatedTransaction<T>(
  ctx: ServiceContext, orgId: string, what: { subject: string; trigger: GateTrigger; actor: Actor; memberId?: string },
  fn: (trx: Db, run: GatedRun) => Promise<T>,
): Promise<Gated<T>> {
  try {
    try {
      return { ok: true, value: await inTransaction(ctx.db, (trx) => fn(trx, { seatAtCommit: true })) };
    } catch (error) {
      if (!isPgError(error, SEAT_GONE_AT_COMMIT)) throw error;
      return { ok: true, value: await inTransaction(ctx.db, (trx) => fn(trx, { seatAtCommit: false })) };
    }
  } catch (error) {
    if (!(error instanceof SeatRefused)) throw error;
    if (error.admission.cause === 'no_seat_available') {
      await recordRefusal(ctx.db, orgId, { ...what, exhausted: error.admission.exhausted });
    }
    return { ok: false, admission: error.admission };
  }
}

/** The domain error an interface answers for a refusal (SCIM: 403 with the gate's message). */
export function refusalError(refusal: Refusal): DomainError {
  return refusal.cause === 'org_inactive'
    ? new DomainError('org_inactive', refusal.message)
    : new DomainError('no_seat_available', refusal.message, { exhausted: refusal.exhausted });
}

export interface NewMemberInput {
  userName: string;
  externalId: string | null;
  active: boolean;
  attributes: Record<string, unknown>;
  source: 'scim' | 'jit' | 'admin';
  role?: Role;
  /** IdP group ids carried by a JIT login. */
  idpGroupIds?: string[];
}

export type CreateMemberResult =
  | { ok: true; memberId: string; admission: Admission | null; heldAfterRemoval?: boolean }
  | { ok: false; admission: Refusal };

/**
 * Inserts a member and, when active, runs the gate for it, inside the caller's transaction.
 * Someone an admin removed (a tombstone with the same userName or externalId) comes back
 * `unassigned`, held by the admin's decision, instead of taking a seat (services/access/removal.ts).
 */
export async function insertMemberThroughGate(
  trx: Db, ctx: ServiceContext, orgId: string, input: NewMemberInput, trigger: GateTrigger, actor: Actor,
  options: {
    /** The organization, already read in this transaction (with its seat counters). */ org?: GateOrg;
    /** Take the seat at commit (only under gatedTransaction, which runs the create again if it fails). */ seatAtCommit?: boolean;
  } = {},
): Promise<{ memberId: string; admission: Admission | null; heldAfterRemoval?: boolean; /** The member as committed, when nothing rewrote it. */ user?: UserRow }> {
  const removed = input.source === 'admin' ? []
    : options.org?.takenTombstones?.map((memberId) => ({ member_id: memberId })) ?? await takeTombstones(trx, orgId, input.userName, input.externalId);
  if (removed.length > 0) {
    const memberId = await insertMember(trx, {
      orgId, userName: input.userName, externalId: input.externalId, role: input.role ?? 'member',
      seatState: input.active ? 'unassigned' : 'inactive', seatType: null,
      seatReason: { kind: 'removed_by_admin', trigger, removedMemberIds: removed.map((r) => r.member_id) },
      source: input.source, attributes: input.attributes, idpGroupIds: input.idpGroupIds,
    });
    await writeMemberSeat(trx, orgId, memberId, {
      seatState: input.active ? 'unassigned' : 'inactive', seatType: null, unassignedByAdmin: true,
      reason: { kind: 'removed_by_admin', trigger, removedMemberIds: removed.map((r) => r.member_id) },
    });
    await recordAudit(trx, orgId, {
      actor, action: 'member.recreated_after_removal', subjectType: 'member', subjectId: memberId,
      after: { seatState: input.active ? 'unassigned' : 'inactive' },
      reason: { trigger, removedMemberIds: removed.map((r) => r.member_id), userName: input.userName },
    });
    return { memberId, admission: null, heldAfterRemoval: true };
  }
  const org = input.active ? options.org ?? await loadGateOrg(trx, ctx, orgId) : undefined;
  const plan = org && !input.idpGroupIds?.length ? await planNewMemberSeat(trx, org, input.attributes, trigger, actor) : undefined;
  if (org && plan) {
    // Written once, with the seat the gate then reserves and its audit event (seat-gate.ts,
    // planNewMemberSeat); the reservation is the transaction's last statement (admitNewMember).
    const seatAtCommit = options.seatAtCommit === true && plan.roomy;
    const { user, auditId } = await insertMemberRecorded(trx, {
      orgId, userName: input.userName, externalId: input.externalId, active: true, role: input.role ?? 'member',
      seatState: 'assigned', seatType: plan.hint.seatType, seatReason: plan.seatReason,
      source: input.source, attributes: input.attributes, idpGroupIds: input.idpGroupIds,
    }, newMemberAudit(plan, trigger, actor), { seatAtCommit });
    const admission = await admitNewMember(trx, org, user.id, auditId, plan, trigger, actor, seatAtCommit);
    if (admission.outcome === 'refused') throw new SeatRefused(admission);
    return { memberId: user.id, admission, ...(admission.outcome === 'assigned' && admission.usage ? { user } : {}) };
  }
  const memberId = await insertMember(trx, {
    orgId, userName: input.userName, externalId: input.externalId, active: input.active, role: input.role ?? 'member',
    // Created without a seat; the gate decides in the same transaction.
    seatState: input.active ? 'pending' : 'inactive', seatType: null,
    seatReason: input.active ? { kind: 'new' } : { kind: 'deactivated', trigger },
    source: input.source, attributes: input.attributes, idpGroupIds: input.idpGroupIds,
  });
  if (!input.active) return { memberId, admission: null };
  const admission = await admit(trx, org ?? await loadGateOrg(trx, ctx, orgId), memberId, trigger, actor);
  if (admission.outcome === 'refused') throw new SeatRefused(admission);
  return { memberId, admission };
}

/** A whole create use case: one transaction, rolled back and recorded when refused. */
export async function createMember(
  ctx: ServiceContext, orgId: string, input: NewMemberInput, trigger: GateTrigger, actor: Actor,
): Promise<CreateMemberResult> {
  const result = await gatedTransaction(ctx, orgId, { subject: input.userName, trigger, actor },
    (trx, run) => insertMemberThroughGate(trx, ctx, orgId, input, trigger, actor, { seatAtCommit: run.seatAtCommit }));
  return result.ok ? { ok: true, ...result.value } : result;
}
