// One implementation of an organization's seat figures (issue 11, defect 5): GET /seats (and
// `seats show`) and GET /seats/utilization used to count allocation, pending and refusals each
// their own way. Both now read them here: allocations per plan seat type, pending by the one
// definition of storage/seat-admin.ts `pendingCounts`, refusals by storage/audit-queries.ts
// `refusalCounts` (over a window the caller names).
import { notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { extraUsageOn, orgSettingsSchema, type OrgSettings } from '../../domain/organization.js';
import { refusalCounts, type RefusalWindow } from '../../storage/audit-queries.js';
import { findOrganization, listAllocations } from '../../storage/organizations.js';
import { pendingCounts } from '../../storage/seat-admin.js';
import type { ServiceContext } from '../context.js';

export interface SeatTypeUsage {
  seatType: string;
  allocated: number;
  assigned: number;
  pending: number;
  free: number;
  /** assigned / allocated, rounded to 4 decimals; 0 when nothing is allocated. */
  utilization: number;
  monthlyPriceMinor: number;
  refused: number;
}

export interface SeatUsage {
  org: NonNullable<Awaited<ReturnType<typeof findOrganization>>>;
  settings: OrgSettings;
  extraUsage: boolean;
  extraUsageAvailable: boolean;
  seatTypes: SeatTypeUsage[];
  pendingMembers: number;
  refusals: { total: number; bySeatType: Record<string, number> };
}

export async function seatUsage(ctx: ServiceContext, orgId: string, refusalsIn: RefusalWindow | ((org: SeatUsage['org']) => RefusalWindow)): Promise<SeatUsage> {
  const org = isUuid(orgId) ? await findOrganization(ctx.db, orgId) : undefined;
  if (!org) throw notFound(`no organization ${orgId}`);
  const plan = ctx.plans.get(org.plan);
  const settings = orgSettingsSchema.parse(org.settings);
  const window = typeof refusalsIn === 'function' ? refusalsIn(org) : refusalsIn;
  const [allocations, pending, refusals] = await Promise.all([
    listAllocations(ctx.db, orgId), pendingCounts(ctx.db, orgId, plan.seatTypes), refusalCounts(ctx.db, orgId, window),
  ]);
  const seatTypes = plan.seatTypes.map((seatType) => {
    const a = allocations.find((x) => x.seatType === seatType) ?? { allocated: 0, assigned: 0, monthlyPriceMinor: 0 };
    return {
      seatType,
      allocated: a.allocated,
      assigned: a.assigned,
      pending: pending.bySeatType[seatType] ?? 0,
      free: a.allocated - a.assigned,
      utilization: a.allocated === 0 ? 0 : Math.round((a.assigned / a.allocated) * 10_000) / 10_000,
      monthlyPriceMinor: a.monthlyPriceMinor,
      refused: refusals.bySeatType[seatType] ?? 0,
    };
  });
  return {
    org, settings, seatTypes, pendingMembers: pending.total, refusals,
    extraUsage: extraUsageOn(plan.features, settings), extraUsageAvailable: plan.features.includes('extra_usage'),
  };
}
