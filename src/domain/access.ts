// Who may change whom (SPEC §1, issue 11): the one set of rules for role changes, seat changes
// and member removal, used by the admin API, the CLI and the console alike. Pure.
//
// - The primary owner and owners appoint and demote owners and admins (any role but the primary
//   owner's), including other owners; the primary owner's role changes only by a transfer.
// - Admins manage plain members and admins: they may turn a member into an admin and an admin
//   into a member (themselves included), change their seats and remove them. They never touch
//   an owner or the primary owner (their seats, roles or membership) and never appoint owners.
// - Members manage nothing (refused earlier, by the role an endpoint requires).
// - Nobody removes the primary owner (transfer ownership first).
// - Operators (CLI) and the system act with every right an owner has.
import { roleAtLeast, type Role } from './organization.js';

export type AccessDenial = { code: 'forbidden' | 'transfer_ownership_first'; message: string };

const isOwner = (role: Role) => roleAtLeast(role, 'owner');

/** Whether `actor` may change the seat of a member whose role is `target`. */
export function seatChangeDenial(actor: Role, target: Role): AccessDenial | undefined {
  if (!roleAtLeast(actor, 'admin')) return { code: 'forbidden', message: 'only admins and owners change seats' };
  if (isOwner(target) && !isOwner(actor)) {
    return { code: 'forbidden', message: `admins cannot change the seat of an ${target === 'primary_owner' ? 'primary owner' : 'owner'}; ask an owner` };
  }
  return undefined;
}

/** Whether `actor` may give a member whose role is `from` the role `to` (never primary_owner here). */
export function roleChangeDenial(actor: Role, from: Role, to: Exclude<Role, 'primary_owner'>): AccessDenial | undefined {
  if (!roleAtLeast(actor, 'admin')) return { code: 'forbidden', message: 'only admins and owners change roles' };
  if (!isOwner(actor)) {
    if (isOwner(from)) return { code: 'forbidden', message: 'admins cannot change the role of an owner or the primary owner' };
    if (isOwner(to)) return { code: 'forbidden', message: 'only owners appoint owners' };
    return undefined;
  }
  if (from === 'primary_owner') {
    return { code: 'transfer_ownership_first', message: 'the primary owner keeps that role until ownership is transferred to another member (POST /organization/transfer-ownership)' };
  }
  return undefined;
}

/** Whether `actor` may remove a member whose role is `target` from the organization. */
export function removalDenial(actor: Role, target: Role): AccessDenial | undefined {
  if (!roleAtLeast(actor, 'admin')) return { code: 'forbidden', message: 'only admins and owners remove members' };
  if (isOwner(target) && !isOwner(actor)) return { code: 'forbidden', message: 'admins cannot remove an owner or the primary owner; ask an owner' };
  if (target === 'primary_owner') {
    return { code: 'transfer_ownership_first', message: 'the primary owner cannot be removed; transfer ownership to another member first' };
  }
  return undefined;
}

/** The most a group mapping can grant (SPEC §6 with issue 11's safe rule): admin, never owner. */
export const MAPPABLE_ROLES = ['admin', 'member'] as const;
export type MappableRole = (typeof MAPPABLE_ROLES)[number];

export type RoleSource = 'default' | 'manual' | 'mapping';

/**
 * The role a member's group mappings give it, or undefined to leave it alone. Owners and the
 * primary owner are never changed by a mapping, nor a role an owner or admin set by hand. Other
 * members get the highest role their mappings grant (capped at admin); with none, a role a
 * mapping granted earlier falls back to `member`.
 */
export function mappedRole(
  member: { role: Role; roleSource: RoleSource }, granted: readonly (string | null)[],
): { role: 'admin' | 'member'; source: RoleSource } | undefined {
  if (isOwner(member.role) || member.roleSource === 'manual') return undefined;
  const role = granted.some((r) => r === 'admin' || r === 'owner') ? 'admin' : granted.includes('member') ? 'member' : undefined;
  if (role === undefined) return member.roleSource === 'mapping' ? { role: 'member', source: 'default' } : undefined;
  return role === member.role ? undefined : { role, source: 'mapping' };
}
