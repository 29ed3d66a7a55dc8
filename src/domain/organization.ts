// Organizations, members' roles and seat states (SPEC §1–3): the vocabulary shared by the
// storage schema, the gate and every interface.
import { z } from 'zod';
import { addYears } from './dates.js';

export const ROLES = ['primary_owner', 'owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const BILLING_MODES = ['self_serve', 'sales_assisted'] as const;
export type BillingMode = (typeof BILLING_MODES)[number];

export const SEAT_STATES = ['assigned', 'unassigned', 'pending', 'inactive'] as const;
export type SeatState = (typeof SEAT_STATES)[number];

const ROLE_RANK: Record<Role, number> = { primary_owner: 3, owner: 2, admin: 1, member: 0 };

/** Whether `role` carries at least the rights of `minimum` (SPEC §1 permissions). */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[minimum];
}

export const orgSettingsSchema = z.object({
  /** What the gate does when no seat is free (SPEC §4.3). */
  onNoSeat: z.enum(['block', 'pending']).default('block'),
  /** Utilization (0–1) above which a seat type raises an alert. */
  utilizationAlertThreshold: z.number().min(0).max(1).default(0.9),
  /** Optional HTTPS endpoint that receives utilization alerts. */
  alertWebhookUrl: z.url().nullable().default(null),
  /** Entra app roles (the `value` sent in `roles`) that select a seat type, like a group mapping. */
  roleSeatTypes: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** Whether an app-role seat type may fall back to a lower type when it is full. */
  roleSeatFallback: z.boolean().default(false),
  /**
   * Extra usage (owners, plans whose catalog entry lists the `extra_usage` feature): members may
   * keep working past their seat's usage limits. The product enforces it; seatgate stores it and
   * tells the product at each JIT login.
   */
  extraUsage: z.boolean().default(false),
}).strict();

export type OrgSettings = z.infer<typeof orgSettingsSchema>;

export const DEFAULT_SETTINGS: OrgSettings = orgSettingsSchema.parse({});

/**
 * Whether an organization's subscription is over on `today` (ISO date): its status says so, or
 * its term has ended and it was not going to renew (cancelled, or auto-renew off) — even before
 * the periodic renewal check has marked it. After that the gate refuses every seat and
 * provisioning writes are refused.
 */
export function orgHasEnded(
  org: { status: string; autoRenew: boolean; cancelAtTermEnd: boolean; termEnd: string }, today: string,
): boolean {
  return org.status === 'ended' || ((!org.autoRenew || org.cancelAtTermEnd) && org.termEnd <= today);
}

/** An annual term covers [termStart, termEnd): termEnd is the renewal date. */
export function termEndFor(termStart: string): string {
  return addYears(termStart, 1);
}

export const EXTRA_USAGE_FEATURE = 'extra_usage';

/**
 * Whether extra usage is on: set by an owner AND offered by the organization's current plan (a
 * legacy seat-based plan renewed as Enterprise loses it, whatever the stored setting says).
 */
export function extraUsageOn(planFeatures: readonly string[], settings: Pick<OrgSettings, 'extraUsage'>): boolean {
  return settings.extraUsage && planFeatures.includes(EXTRA_USAGE_FEATURE);
}
