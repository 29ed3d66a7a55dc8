// Creating members through the seat gate. A create refused by the gate (block mode) rolls back
// entirely — no member, no seat — and the refusal is then recorded on its own, so that admins
// see it and a retried create can never have taken a seat.
import type { Role } from '../domain/organization.js';
import type { Db } from '../storage/database.js';
import { insertMember } from '../storage/members.js';
import { inTransaction } from '../storage/transactions.js';
import type { Actor } from '../storage/audit.js';
import { admit, loadGateOrg, recordRefusal, type Admission, type GateTrigger } from './seat-gate.js';
import type { ServiceContext } from './context.js';

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
  | { ok: true; memberId: string; admission: Admission | null }
  | { ok: false; admission: Extract<Admission, { outcome: 'refused' }> };

/** Thrown inside the transaction only to roll it back; never leaves this module. */
class RollbackForRefusal extends Error {
  constructor(readonly admission: Extract<Admission, { outcome: 'refused' }>) { super('refused'); }
}

/**
 * Inserts a member and, when active, runs the gate for it (`trx` given: inside the caller's
 * transaction, which the caller must roll back on a refusal).
 */
export async function insertMemberThroughGate(
  trx: Db, ctx: ServiceContext, orgId: string, input: NewMemberInput, trigger: GateTrigger, actor: Actor,
): Promise<CreateMemberResult> {
  const memberId = await insertMember(trx, {
    orgId, userName: input.userName, externalId: input.externalId, role: input.role ?? 'member',
    // Created without a seat; the gate decides in the same transaction.
    seatState: input.active ? 'pending' : 'inactive', seatType: null,
    seatReason: input.active ? { kind: 'new' } : { kind: 'deactivated', trigger },
    source: input.source, attributes: input.attributes, idpGroupIds: input.idpGroupIds,
  });
  if (!input.active) return { ok: true, memberId, admission: null };
  const org = await loadGateOrg(trx, ctx.plans, orgId);
  const admission = await admit(trx, org, memberId, trigger, actor);
  if (admission.outcome === 'refused') return { ok: false, admission };
  return { ok: true, memberId, admission };
}

/** A whole create use case: one transaction, rolled back and recorded when refused. */
export async function createMember(
  ctx: ServiceContext, orgId: string, input: NewMemberInput, trigger: GateTrigger, actor: Actor,
): Promise<CreateMemberResult> {
  try {
    return await inTransaction(ctx.db, async (trx) => {
      const result = await insertMemberThroughGate(trx, ctx, orgId, input, trigger, actor);
      if (!result.ok) throw new RollbackForRefusal(result.admission);
      return result;
    });
  } catch (error) {
    if (!(error instanceof RollbackForRefusal)) throw error;
    if (error.admission.cause === 'no_seat_available') {
      await recordRefusal(ctx.db, orgId, { trigger, actor, exhausted: error.admission.exhausted, subject: input.userName });
    }
    return { ok: false, admission: error.admission };
  }
}
