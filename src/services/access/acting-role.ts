// The role a use case acts with: an admin token acts as its member, with the member's role as it
// is inside the use case's transaction (not as it was when the request was authenticated, which
// a concurrent demotion may have changed). Operators (CLI) and the system act with an owner's
// rights and more: they may do whatever the rules let anyone do.
import { DomainError, forbidden } from '../../domain/errors.js';
import type { AccessDenial } from '../../domain/access.js';
import type { Role } from '../../domain/organization.js';
import type { Actor } from '../../storage/audit.js';
import type { Db } from '../../storage/database.js';
import { roleOfMember } from '../../storage/access.js';

export async function actingRole(db: Db, orgId: string, actor: Actor): Promise<Role> {
  if (actor.type !== 'admin') return 'primary_owner';
  const role = await roleOfMember(db, orgId, actor.memberId);
  if (!role) throw forbidden('the member this token acts as is no longer in the organization');
  return role;
}

/** A denial from the rules of domain/access.ts, as the domain error interfaces answer. */
export function denied(denial: AccessDenial): DomainError {
  return new DomainError(denial.code, denial.message);
}
