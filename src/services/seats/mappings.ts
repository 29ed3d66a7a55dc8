// Group mappings (SPEC §6): CRUD, re-evaluation of the affected members through the gate in the
// same transaction, and a dry run that runs exactly the same code and rolls it back.
//
// Roles: a mapping may carry a role, `admin` or `member` at most (never owner). It is applied
// when the gate re-evaluates a member (domain/access.ts `mappedRole`): it never changes an owner
// or a role set by hand, and a role a mapping granted falls back to `member` when no mapping
// grants it any more (decision 0008).
import { invalidInput, notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import type { MappableRole } from '../../domain/access.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import type { Db } from '../../storage/database.js';
import {
  deleteMapping, findMapping, insertMapping, listMappings, membersOfIdpGroups, refusalsInThisTransaction,
  seatSnapshot, updateMapping, type MappingFields, type MappingRow,
} from '../../storage/mappings.js';
import { findOrganization, listAllocations } from '../../storage/organizations.js';
import { inTransaction } from '../../storage/transactions.js';
import { admit, loadGateOrg, reevaluate, type GateOrg } from './seat-gate.js';
import type { ServiceContext } from '../context.js';
import { thenCheckSeats } from './monitoring.js';

export type MappingRole = MappableRole;

export interface MappingInput {
  idpGroupId: string;
  seatType: string;
  allowFallback?: boolean;
  role?: MappingRole | null;
}

export type MappingChange =
  | { op: 'create'; mapping: MappingInput }
  | { op: 'update'; id: string; mapping: Partial<MappingInput> }
  | { op: 'delete'; id: string };

export interface MappingView {
  id: string;
  idpGroupId: string;
  seatType: string;
  allowFallback: boolean;
  role: MappingRole | null;
  createdAt: string;
  updatedAt: string;
}

interface SeatPosition { seatState: string; seatType: string | null }

export interface ReevaluationSummary {
  /** Members of the mapped group(s) that hold or wait for a seat, re-evaluated by the gate. */
  membersEvaluated: number;
  /** Every member whose seat changed (affected members, and pending members served by freed seats). */
  changes: { memberId: string; userName: string; from: SeatPosition; to: SeatPosition }[];
  /** Members the gate could not move to (or seat on) their target for lack of a free seat. */
  blocked: {
    memberId: string; userName: string; seatState: string; seatType: string | null; wanted: string[];
    outcome: 'upgrade_refused' | 'downgrade_deferred' | 'still_pending';
  }[];
  /** Per seat type: counters before and after, and how many seats would be missing. */
  seats: { seatType: string; allocated: number; assignedBefore: number; assignedAfter: number; free: number; shortBy: number; sufficient: boolean }[];
  seatsSuffice: boolean;
  /** Members whose role a mapping granted or revoked (admin at most; never owners, never hand-set roles). */
  roleChanges: { memberId: string; userName: string; from: string; to: string }[];
  /** Lists are cut at LIST_LIMIT entries; the counts are always complete. */
  changedCount: number;
  blockedCount: number;
  truncated: boolean;
}

const LIST_LIMIT = 1000;

export function mappingView(row: MappingRow): MappingView {
  return {
    id: row.id, idpGroupId: row.idp_group_id, seatType: row.seat_type, allowFallback: row.allow_fallback,
    role: row.role, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
  };
}

async function requireOrg(ctx: ServiceContext, orgId: string): Promise<void> {
  if (!isUuid(orgId) || !(await findOrganization(ctx.db, orgId))) throw notFound(`no organization ${orgId}`);
}

export async function listGroupMappings(ctx: ServiceContext, orgId: string): Promise<MappingView[]> {
  await requireOrg(ctx, orgId);
  return (await listMappings(ctx.db, orgId)).map(mappingView);
}

export async function getGroupMapping(ctx: ServiceContext, orgId: string, id: string): Promise<MappingView> {
  const row = isUuid(id) ? await findMapping(ctx.db, orgId, id) : undefined;
  if (!row) throw notFound(`no group mapping ${id}`);
  return mappingView(row);
}

function requireSeatType(org: GateOrg, seatType: string): void {
  if (!org.seatTypes.includes(seatType)) {
    throw invalidInput(`plan ${org.plan} has no seat type "${seatType}"; use one of ${org.seatTypes.join(', ')}`, { field: 'seatType' });
  }
}

async function lockedMapping(trx: Db, orgId: string, id: string): Promise<MappingRow> {
  const row = isUuid(id) ? await findMapping(trx, orgId, id, true) : undefined;
  if (!row) throw notFound(`no group mapping ${id}`);
  return row;
}

/** Writes the change (audited) and returns the mapping after it (as it was, for a delete). */
async function writeChange(trx: Db, org: GateOrg, change: MappingChange, actor: Actor): Promise<MappingRow> {
  if (change.op === 'create') {
    requireSeatType(org, change.mapping.seatType);
    const row = await insertMapping(trx, org.id, {
      idpGroupId: change.mapping.idpGroupId, seatType: change.mapping.seatType,
      allowFallback: change.mapping.allowFallback ?? false, role: change.mapping.role ?? null,
    });
    await recordAudit(trx, org.id, { actor, action: 'mapping.created', subjectType: 'group_mapping', subjectId: row.id, after: mappingFields(row) });
    return row;
  }
  const existing = await lockedMapping(trx, org.id, change.id);
  if (change.op === 'delete') {
    await deleteMapping(trx, org.id, existing.id);
    await recordAudit(trx, org.id, { actor, action: 'mapping.deleted', subjectType: 'group_mapping', subjectId: existing.id, before: mappingFields(existing) });
    return existing;
  }
  const fields: MappingFields = {
    idpGroupId: change.mapping.idpGroupId ?? existing.idp_group_id,
    seatType: change.mapping.seatType ?? existing.seat_type,
    allowFallback: change.mapping.allowFallback ?? existing.allow_fallback,
    role: change.mapping.role === undefined ? existing.role : change.mapping.role,
  };
  requireSeatType(org, fields.seatType);
  const row = await updateMapping(trx, org.id, existing.id, fields);
  await recordAudit(trx, org.id, {
    actor, action: 'mapping.updated', subjectType: 'group_mapping', subjectId: row.id,
    before: mappingFields(existing), after: mappingFields(row),
  });
  return row;
}

const mappingFields = (row: MappingRow) => ({
  idpGroupId: row.idp_group_id, seatType: row.seat_type, allowFallback: row.allow_fallback, role: row.role,
});

/**
 * The whole save, inside the caller's transaction: the mapping change, then the gate for every
 * member of the group(s) it names — `admit` for pending members, `reevaluate` (upgrade through
 * the gate, deferred downgrade) for seated ones — and a summary of what moved.
 */
async function applyChange(trx: Db, ctx: ServiceContext, orgId: string, change: MappingChange, actor: Actor) {
  const org = await loadGateOrg(trx, ctx, orgId);
  const allocationsBefore = await listAllocations(trx, orgId);
  // Which members are affected does not depend on the mapping itself, only on the group ids.
  const groupIdsOf = async () => {
    if (change.op === 'create') return [change.mapping.idpGroupId];
    const existing = isUuid(change.id) ? await findMapping(trx, orgId, change.id) : undefined;
    return [...new Set([existing?.idp_group_id, change.op === 'update' ? change.mapping.idpGroupId : undefined]
      .filter((id): id is string => id !== undefined))];
  };
  const affected = await membersOfIdpGroups(trx, orgId, await groupIdsOf());
  const before = new Map((await seatSnapshot(trx, orgId, affected)).map((m) => [m.id, m]));

  const row = await writeChange(trx, org, change, actor);

  const stillPending = new Map<string, string[]>();
  for (const memberId of affected) {
    if (before.get(memberId)?.seat_state === 'pending') {
      const admission = await admit(trx, org, memberId, 'mapping_change', actor);
      if (admission.outcome === 'pending') stillPending.set(memberId, admission.wanted);
      else if (admission.outcome === 'refused' && admission.cause === 'no_seat_available') stillPending.set(memberId, admission.exhausted);
    } else {
      await reevaluate(trx, org, memberId, 'mapping_change', actor);
    }
  }

  const after = new Map((await seatSnapshot(trx, orgId, [...before.keys()])).map((m) => [m.id, m]));
  const changes: ReevaluationSummary['changes'] = [];
  for (const [id, was] of before) {
    const now = after.get(id);
    if (!now || (now.seat_state === was.seat_state && now.seat_type === was.seat_type)) continue;
    changes.push({
      memberId: id, userName: was.user_name,
      from: { seatState: was.seat_state, seatType: was.seat_type }, to: { seatState: now.seat_state, seatType: now.seat_type },
    });
  }
  const blocked = new Map<string, ReevaluationSummary['blocked'][number]>();
  for (const event of await refusalsInThisTransaction(trx, orgId, affected)) {
    const member = after.get(event.subject_id ?? '');
    if (!member) continue;
    const exhausted = (event.reason as { exhausted?: unknown } | null)?.exhausted;
    blocked.set(member.id, {
      memberId: member.id, userName: member.user_name, seatState: member.seat_state, seatType: member.seat_type,
      wanted: Array.isArray(exhausted) ? exhausted.filter((t): t is string => typeof t === 'string') : [],
      outcome: event.action === 'seat.refused' ? 'upgrade_refused' : 'downgrade_deferred',
    });
  }
  for (const [id, wanted] of stillPending) {
    const member = after.get(id);
    if (member?.seat_state !== 'pending') continue;
    blocked.set(id, { memberId: id, userName: member.user_name, seatState: 'pending', seatType: null, wanted, outcome: 'still_pending' });
  }

  const allocationsAfter = await listAllocations(trx, orgId);
  const blockedList = [...blocked.values()];
  const seats = org.seatTypes.map((seatType) => {
    const was = allocationsBefore.find((a) => a.seatType === seatType);
    const now = allocationsAfter.find((a) => a.seatType === seatType);
    const shortBy = blockedList.filter((b) => b.wanted[0] === seatType).length;
    return {
      seatType, allocated: now?.allocated ?? 0, assignedBefore: was?.assigned ?? 0, assignedAfter: now?.assigned ?? 0,
      free: (now?.allocated ?? 0) - (now?.assigned ?? 0), shortBy, sufficient: shortBy === 0,
    };
  });
  // Roles the mappings grant (domain/access.ts mappedRole) moved with the same re-evaluation.
  const roleChanges = [...before].flatMap(([id, was]) => {
    const now = after.get(id);
    return now && now.role !== was.role ? [{ memberId: id, userName: was.user_name, from: was.role, to: now.role }] : [];
  });
  const summary: ReevaluationSummary = {
    membersEvaluated: affected.length,
    roleChanges: roleChanges.slice(0, LIST_LIMIT),
    changes: changes.slice(0, LIST_LIMIT),
    blocked: blockedList.slice(0, LIST_LIMIT),
    seats,
    seatsSuffice: seats.every((s) => s.sufficient),
    changedCount: changes.length,
    blockedCount: blockedList.length,
    truncated: changes.length > LIST_LIMIT || blockedList.length > LIST_LIMIT,
  };
  return { mapping: mappingView(row), reevaluation: summary };
}

export type MappingChangeResult = Awaited<ReturnType<typeof applyChange>>;

/** Saves a mapping change and re-evaluates the affected members, in one transaction. */
export async function saveMappingChange(
  ctx: ServiceContext, orgId: string, change: MappingChange, actor: Actor,
): Promise<MappingChangeResult> {
  await requireOrg(ctx, orgId);
  return thenCheckSeats(ctx, orgId, inTransaction(ctx.db, (trx) => applyChange(trx, ctx, orgId, change, actor)));
}

/** Thrown only to roll the dry run back; never leaves this module. */
class DryRunRollback extends Error {
  constructor(readonly result: MappingChangeResult) { super('dry run'); }
}

/**
 * What saving would do, computed by saving — the real gate, the real locks, the real counters —
 * inside a transaction that is then rolled back, so nothing changes and nothing is recorded.
 */
export async function dryRunMappingChange(
  ctx: ServiceContext, orgId: string, change: MappingChange, actor: Actor,
): Promise<MappingChangeResult & { dryRun: true }> {
  await requireOrg(ctx, orgId);
  try {
    await inTransaction(ctx.db, async (trx) => { throw new DryRunRollback(await applyChange(trx, ctx, orgId, change, actor)); });
  } catch (error) {
    if (error instanceof DryRunRollback) return { dryRun: true, ...error.result };
    throw error;
  }
  throw new Error('unreachable: the dry run transaction always rolls back');
}
