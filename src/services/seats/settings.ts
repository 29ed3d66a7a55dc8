// Organization settings (SPEC §4.3, §5 monitoring, Entra app roles). Changing a setting never
// rewrites members: switching `onNoSeat` leaves pending members pending and seated members
// seated; the only effect on members is that pending members are served when seats are free.
// New app-role rules apply at the next gate decision for a member (they do not re-seat anyone).
import { forbidden, invalidInput, notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { checkWebhookUrl, STRICT_WEBHOOK_POLICY } from '../../domain/webhook-target.js';
import { EXTRA_USAGE_FEATURE, orgSettingsSchema, roleAtLeast, type OrgSettings } from '../../domain/organization.js';
import { actingRole } from '../access/acting-role.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import { findOrganization } from '../../storage/organizations.js';
import { lockOrganizationSettings, writeOrganizationSettings } from '../../storage/seat-admin.js';
import { inTransaction } from '../../storage/transactions.js';
import { loadGateOrg, servePending } from './seat-gate.js';
import type { ServiceContext } from '../context.js';

export type SettingsPatch = Partial<OrgSettings>;

export async function getSettings(ctx: ServiceContext, orgId: string): Promise<OrgSettings> {
  const org = isUuid(orgId) ? await findOrganization(ctx.db, orgId) : undefined;
  if (!org) throw notFound(`no organization ${orgId}`);
  return orgSettingsSchema.parse(org.settings);
}

export async function updateSettings(
  ctx: ServiceContext, orgId: string, patch: SettingsPatch, actor: Actor,
): Promise<{ settings: OrgSettings; servedPending: number }> {
  if (!isUuid(orgId)) throw notFound(`no organization ${orgId}`);
  if (patch.alertWebhookUrl) {
    // The SSRF policy (decision 0010); delivery checks again, with the resolved addresses.
    const checked = checkWebhookUrl(patch.alertWebhookUrl, ctx.webhookPolicy ?? STRICT_WEBHOOK_POLICY);
    if (!checked.ok) throw invalidInput(`alertWebhookUrl: ${checked.reason}`, { field: 'alertWebhookUrl' });
  }
  return inTransaction(ctx.db, async (trx) => {
    const row = await lockOrganizationSettings(trx, orgId);
    if (!row) throw notFound(`no organization ${orgId}`);
    const plan = ctx.plans.get(row.plan);
    const seatTypes = plan.seatTypes;
    if (patch.extraUsage !== undefined) {
      // «Les Propriétaires peuvent activer l'utilisation supplémentaire»: owners only, and only
      // where the plan offers it (catalog data, not a plan name in code).
      if (!roleAtLeast(await actingRole(trx, orgId, actor), 'owner')) throw forbidden('only owners turn extra usage on or off');
      if (!plan.features.includes(EXTRA_USAGE_FEATURE)) {
        throw invalidInput(`plan ${row.plan} does not offer extra usage; it is a feature of ${
          ctx.plans.names().filter((name) => ctx.plans.get(name).features.includes(EXTRA_USAGE_FEATURE)).join(', ') || 'no plan'}`,
        { field: 'extraUsage' });
      }
    }
    for (const [role, seatType] of Object.entries(patch.roleSeatTypes ?? {})) {
      if (!seatTypes.includes(seatType)) {
        throw invalidInput(`roleSeatTypes.${role}: plan ${row.plan} has no seat type "${seatType}"; use one of ${seatTypes.join(', ')}`,
          { field: `roleSeatTypes.${role}` });
      }
    }
    const before = orgSettingsSchema.parse(row.settings);
    const parsed = orgSettingsSchema.safeParse({ ...before, ...patch });
    if (!parsed.success) {
      throw invalidInput(parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; '));
    }
    const after = parsed.data;
    const changed = (Object.keys(after) as (keyof OrgSettings)[])
      .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
    if (changed.length === 0) return { settings: after, servedPending: 0 };
    await writeOrganizationSettings(trx, orgId, after);
    await recordAudit(trx, orgId, {
      actor, action: 'settings.updated', subjectType: 'organization', subjectId: orgId,
      before: Object.fromEntries(changed.map((key) => [key, before[key]])),
      after: Object.fromEntries(changed.map((key) => [key, after[key]])),
    });
    // The gate's trigger vocabulary has no "settings change"; seats that are free are what
    // serves these members, hence `seats_freed`.
    const servedPending = await servePending(trx, await loadGateOrg(trx, ctx, orgId), 'seats_freed', actor);
    return { settings: after, servedPending };
  });
}
