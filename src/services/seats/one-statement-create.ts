// A SCIM create in one statement (decision 0020). The transactional create (members.ts
// insertMemberThroughGate under gatedTransaction) is four round trips — BEGIN, the organization
// with its seat counters and tombstones, the insert, COMMIT — each a statement PostgreSQL parses,
// runs and answers and the server sends, awaits and decodes. In the usual case (the organization
// as this process last read it, a seat type with room, no removed member of that name) the seat
// decision needs nothing from the database but a check that the organization is unchanged, so
// the decision is made here from the remembered organization (org-memo.ts) and the statement
// (storage/members.ts insertMemberInOneStatement) checks, chooses the seat type, writes and, as
// an autocommit, commits — the seat taken at commit exactly as before (migration 0015). Anything
// else writes nothing and the caller runs the transactional create.
import { orgHasEnded } from '../../domain/organization.js';
import { toIsoDate } from '../../domain/dates.js';
import type { Actor } from '../../storage/audit.js';
import { insertMemberInOneStatement } from '../../storage/members.js';
import type { UserRow } from '../../storage/scim-users.js';
import { isPgError } from '../../storage/errors.js';
import type { ServiceContext } from '../context.js';
import { forgetOrg, markTight, recallOrg } from './org-memo.js';
import { AT_COMMIT_MIN_FREE, newMemberAudit, newMemberPlans, type GateOrg } from './seat-gate.js';

/** A seat taken at commit that was gone (migration 0015), a deadlock, a serialization failure: the transactional path decides. */
const RETRY_TRANSACTIONALLY = ['SG001', '40P01', '40001'];

export interface OneStatementCreated {
  user: UserRow;
  usage: { assigned: number; allocated: number };
  alertThreshold: number;
}

/** The member created in one statement, or undefined: nothing was written, run the transactional create. */
export async function createInOneStatement(
  ctx: ServiceContext, orgId: string, input: { userName: string; externalId: string | null; attributes: Record<string, unknown> }, actor: Actor,
): Promise<OneStatementCreated | undefined> {
  const known = recallOrg(orgId);
  if (!known || known.tight) return undefined;
  const { guard, settings } = known;
  let seatTypes: readonly string[];
  try {
    seatTypes = ctx.plans.get(guard.plan).seatTypes;
  } catch {
    return undefined; // a plan this process does not know: the transactional path says so
  }
  const org: GateOrg = {
    id: orgId, plan: guard.plan, seatTypes, settings,
    active: !orgHasEnded(guard, toIsoDate(ctx.now())),
  };
  const plans = newMemberPlans(org, input.attributes, 'scim_create', actor);
  if (plans.length === 0) return undefined; // an ended organization: refused by the transactional path
  let result: Awaited<ReturnType<typeof insertMemberInOneStatement>>;
  try {
    result = await insertMemberInOneStatement(ctx.db, {
      orgId, guard, userName: input.userName, externalId: input.externalId, attributes: input.attributes, actor, minFree: AT_COMMIT_MIN_FREE,
      candidates: plans.map((plan) => {
        const audit = newMemberAudit(plan, 'scim_create', actor);
        return { seatType: plan.hint.seatType, seatReason: plan.seatReason, auditAfter: audit.after, auditReason: audit.reason };
      }),
    });
  } catch (error) {
    if (RETRY_TRANSACTIONALLY.some((code) => isPgError(error, code))) return undefined;
    throw error;
  }
  if (result.outcome === 'org_changed') {
    forgetOrg(orgId);
    return undefined;
  }
  if (result.outcome === 'not_here') {
    // No type with room enough (or a tombstone): the transactional path reads the counters again
    // and refreshes this (loadGateOrg); a tombstone is rare enough not to mark anything.
    markTight(orgId);
    return undefined;
  }
  return { user: result.user, usage: result.usage, alertThreshold: settings.utilizationAlertThreshold };
}
