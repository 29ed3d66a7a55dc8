// The organization columns a create's seat decision depends on, remembered per process from the
// last time the gate read them (loadGateOrg), so that a create can be one statement that checks
// them instead of a transaction that reads them first (one-statement-create.ts, decision 0020).
// Never trusted on its own: the statement runs only if the row still holds exactly these values.
import type { OrgSettings } from '../../domain/organization.js';

/** What the statement compares with the organization's row. */
export interface OrgGuard {
  plan: string;
  status: string;
  autoRenew: boolean;
  cancelAtTermEnd: boolean;
  termEnd: string;
  /** The settings document as read (compared as jsonb). */
  settingsJson: string;
}

export interface RememberedOrg {
  guard: OrgGuard;
  settings: OrgSettings;
  /** No seat type had AT_COMMIT_MIN_FREE free seats when last seen: creates take the transactional path. */
  tight: boolean;
}

/** Bounded like the credential cache: cleared when full (10,000 organizations per process). */
const MAX_ENTRIES = 10_000;
const memo = new Map<string, RememberedOrg>();

export function rememberOrg(orgId: string, guard: OrgGuard, settings: OrgSettings, tight?: boolean): void {
  if (memo.size >= MAX_ENTRIES && !memo.has(orgId)) memo.clear();
  memo.set(orgId, { guard, settings, tight: tight ?? memo.get(orgId)?.tight ?? false });
}

export const recallOrg = (orgId: string): RememberedOrg | undefined => memo.get(orgId);

export function forgetOrg(orgId: string): void {
  memo.delete(orgId);
}

export function markTight(orgId: string): void {
  const entry = memo.get(orgId);
  if (entry) entry.tight = true;
}
