// Removing a member from the organization (issue 11; «son siège devient disponible … votre
// allocation totale et votre facture ne changent pas»). The member row goes (its group
// memberships and admin tokens with it), its seat is released — the allocation and the bill do
// not change — and a tombstone remembers the removal:
// - SCIM GET/PUT/PATCH/DELETE of the removed id answer 404 with a detail saying an admin removed
//   it (Okta and Entra treat a 404 as "gone from the app"; Entra then matches by userName and
//   re-creates with POST, Okta reports the failure or re-creates when pushed again);
// - a later SCIM POST or JIT login of the same person (same userName or externalId) creates a
//   fresh member that is `unassigned` (held by an admin), not seated: the IdP's next push never
//   silently undoes an admin's removal, and an admin restores it by assigning a seat.
// The freed seat goes to the pending queue after the removal commits.
import { removalDenial } from '../../domain/access.js';
import { notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { insertTombstone, lockMemberForAccess, lockOrganizationForAccess } from '../../storage/access.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import { deleteUser } from '../../storage/scim-users.js';
import { inTransaction } from '../../storage/transactions.js';
import type { ServiceContext } from '../context.js';
import { thenCheckSeats } from '../seats/monitoring.js';
import { loadGateOrg, release, servePending } from '../seats/seat-gate.js';
import { actingRole, denied } from './acting-role.js';

export interface RemovalResult { memberId: string; releasedSeatType: string | null; servedPending: number }

export async function removeMember(ctx: ServiceContext, orgId: string, memberId: string, actor: Actor): Promise<RemovalResult> {
  if (!isUuid(memberId)) throw notFound(`no member ${memberId}`);
  const released = await inTransaction(ctx.db, async (trx) => {
    if (!(await lockOrganizationForAccess(trx, orgId))) throw notFound(`no organization ${orgId}`);
    const by = await actingRole(trx, orgId, actor);
    const member = await lockMemberForAccess(trx, orgId, memberId);
    if (!member) throw notFound(`no member ${memberId}`);
    const denial = removalDenial(by, member.role);
    if (denial) throw denied(denial);
    const org = await loadGateOrg(trx, ctx, orgId);
    await release(trx, org, memberId, 'deleted', 'admin_remove', actor, { servePending: false });
    await deleteUser(trx, orgId, memberId);
    await insertTombstone(trx, orgId, { id: memberId, userName: member.user_name, externalId: member.external_id }, actor);
    await recordAudit(trx, orgId, {
      actor, action: 'member.removed', subjectType: 'member', subjectId: memberId,
      before: { userName: member.user_name, externalId: member.external_id, role: member.role, seatState: member.seat_state, seatType: member.seat_type },
      reason: { allocationUnchanged: true },
    });
    return member.seat_state === 'assigned' ? member.seat_type : null;
  });
  const servedPending = released === null ? 0 : await thenCheckSeats(ctx, orgId, inTransaction(ctx.db, async (trx) =>
    servePending(trx, await loadGateOrg(trx, ctx, orgId), 'seats_freed', actor)));
  return { memberId, releasedSeatType: released, servedPending };
}
