// Roles and primary ownership (SPEC §1, issue 11). Both use cases lock the organization's row
// first, so that role changes, transfers and removals of one organization run one at a time and
// each sees the caller's role as the previous one left it. The database keeps exactly one primary
// owner per organization at every commit (unique partial index + deferred constraint trigger,
// migration 0010); a transfer demotes and promotes inside one transaction.
import { roleChangeDenial } from '../../domain/access.js';
import { DomainError, forbidden, invalidInput, notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import type { Role } from '../../domain/organization.js';
import { findPrimaryOwnerId, lockMemberForAccess, lockOrganizationForAccess, setRole } from '../../storage/access.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import { inTransaction } from '../../storage/transactions.js';
import { getMember } from '../seats/admin-members.js';
import type { ServiceContext } from '../context.js';
import { actingRole, denied } from './acting-role.js';

export type AssignableRole = Exclude<Role, 'primary_owner'>;
export const ASSIGNABLE_ROLES: readonly AssignableRole[] = ['owner', 'admin', 'member'];

/**
 * Sets a member's role by hand. The role is then `manual`: group mappings no longer change it.
 * Returns the member as GET /members/{id} shows it.
 */
export async function changeRole(ctx: ServiceContext, orgId: string, memberId: string, role: AssignableRole, actor: Actor) {
  if (!ASSIGNABLE_ROLES.includes(role)) {
    throw invalidInput(`role must be one of ${ASSIGNABLE_ROLES.join(', ')}; the primary owner changes only by a transfer of ownership`);
  }
  if (!isUuid(memberId)) throw notFound(`no member ${memberId}`);
  await inTransaction(ctx.db, async (trx) => {
    if (!(await lockOrganizationForAccess(trx, orgId))) throw notFound(`no organization ${orgId}`);
    const by = await actingRole(trx, orgId, actor);
    const member = await lockMemberForAccess(trx, orgId, memberId);
    if (!member) throw notFound(`no member ${memberId}`);
    const denial = roleChangeDenial(by, member.role, role);
    if (denial) throw denied(denial);
    if (member.role === role && member.role_source === 'manual') return;
    await setRole(trx, orgId, memberId, role, 'manual');
    await recordAudit(trx, orgId, {
      actor, action: 'member.role_changed', subjectType: 'member', subjectId: memberId,
      before: { role: member.role, roleSource: member.role_source }, after: { role, roleSource: 'manual' },
    });
  });
  return getMember(ctx, orgId, memberId);
}

export interface OwnershipTransfer { previousPrimaryOwnerId: string; primaryOwnerId: string }

/**
 * The primary owner hands primary ownership to another active member, and becomes an owner.
 * Only the primary owner (or an operator) may; concurrent transfers are serialized by the
 * organization's row lock, and the second finds its caller no longer primary owner.
 */
export async function transferOwnership(ctx: ServiceContext, orgId: string, targetId: string, actor: Actor): Promise<OwnershipTransfer> {
  if (!isUuid(targetId)) throw notFound(`no member ${targetId}`);
  return inTransaction(ctx.db, async (trx) => {
    if (!(await lockOrganizationForAccess(trx, orgId))) throw notFound(`no organization ${orgId}`);
    const previous = await findPrimaryOwnerId(trx, orgId);
    if (!previous) throw new Error(`organization ${orgId} has no primary owner`);
    if (actor.type === 'admin' && (await actingRole(trx, orgId, actor)) !== 'primary_owner') {
      throw forbidden('only the primary owner transfers primary ownership');
    }
    const target = await lockMemberForAccess(trx, orgId, targetId);
    if (!target) throw notFound(`no member ${targetId}`);
    if (target.id === previous) throw invalidInput('this member is already the primary owner');
    if (!target.active || target.seat_state === 'inactive') {
      throw new DomainError('invalid_input', 'primary ownership goes to an active member; this one is deactivated by the identity provider');
    }
    // Demote first: the unique index allows one primary owner; the deferred trigger checks at
    // commit that there is again exactly one.
    await setRole(trx, orgId, previous, 'owner', 'manual');
    await setRole(trx, orgId, target.id, 'primary_owner', 'manual');
    await recordAudit(trx, orgId, {
      actor, action: 'organization.ownership_transferred', subjectType: 'member', subjectId: target.id,
      before: { primaryOwnerId: previous, role: target.role }, after: { primaryOwnerId: target.id, previousPrimaryOwnerRole: 'owner' },
    });
    return { previousPrimaryOwnerId: previous, primaryOwnerId: target.id };
  });
}
