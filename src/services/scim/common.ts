// What every SCIM use case shares: the caller, version checks (ETags) and the organization's
// writability (after its term ended, SCIM writes answer 403).
import { DomainError } from '../../domain/errors.js';
import type { Actor } from '../../storage/audit.js';
import type { Db } from '../../storage/database.js';
import { loadGateOrg, type GateOrg } from '../seats/seat-gate.js';
import type { ServiceContext } from '../context.js';

export interface ScimCaller {
  orgId: string;
  actor: Actor;
}

/** The organization, refusing writes once its subscription has ended. */
export async function writableOrg(trx: Db, ctx: ServiceContext, orgId: string, options: Parameters<typeof loadGateOrg>[3] = {}): Promise<GateOrg> {
  const org = await loadGateOrg(trx, ctx, orgId, options);
  if (!org.active) throw orgInactiveError();
  return org;
}

export const orgInactiveError = () =>
  new DomainError('org_inactive', 'This organization\'s subscription has ended; provisioning changes are refused until it is renewed.');

/**
 * RFC 7644 §3.14 / RFC 7232: If-Match with a list of entity tags, or "*". Versions are weak
 * ETags (W/"n"); comparison ignores the weak marker.
 */
export function checkIfMatch(version: number, ifMatch: string | undefined): void {
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(',').map((tag) => tag.trim());
  if (tags.includes('*')) return;
  const strip = (tag: string) => tag.replace(/^W\//, '');
  if (!tags.some((tag) => strip(tag) === `"${version}"`)) {
    throw new DomainError('precondition_failed', `The resource has changed: its version is W/"${version}", not ${ifMatch}.`);
  }
}

export const notFoundError = (type: 'User' | 'Group', id: string) => new DomainError('not_found', `${type} ${id} not found`);
