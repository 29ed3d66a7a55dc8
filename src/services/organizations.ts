// Creating and reading organizations (SPEC §1–2). Creation is one transaction: the organization,
// an allocation row for every seat type of its plan, the primary owner and its three credentials.
import { invalidInput, notFound } from '../domain/errors.js';
import { isIsoDate, toIsoDate } from '../domain/dates.js';
import { isUuid } from '../domain/ids.js';
import {
  BILLING_MODES, DEFAULT_SETTINGS, EXTRA_USAGE_FEATURE, extraUsageOn, orgSettingsSchema, termEndFor,
  type BillingMode, type OrgSettings,
} from '../domain/organization.js';
import { findOrganization, insertAllocations, insertOrganization, listAllocations, listOrganizations } from '../storage/organizations.js';
import { insertMember } from '../storage/members.js';
import { recordAudit, type Actor } from '../storage/audit.js';
import { inTransaction } from '../storage/transactions.js';
import { createCredentialIn } from './access/credentials.js';
import { admit, loadGateOrg } from './seats/seat-gate.js';
import type { ServiceContext } from './context.js';

export interface CreateOrganizationInput {
  name: string;
  plan: string;
  seats: Record<string, number>;
  prices?: Record<string, number>;
  termStart?: string;
  billingMode?: BillingMode;
  currency?: string;
  autoRenew?: boolean;
  ownerEmail?: string;
  /** The primary owner's name (SCIM name.givenName / familyName); derived from the email when absent. */
  ownerGivenName?: string;
  ownerFamilyName?: string;
  settings?: Partial<OrgSettings>;
}

export interface CreatedOrganization {
  orgId: string;
  ownerId: string;
  scimToken: string;
  adminToken: string;
  jitSecret: string;
}

export async function createOrganization(
  ctx: ServiceContext, input: CreateOrganizationInput, actor: Actor = { type: 'operator' },
): Promise<CreatedOrganization> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) throw invalidInput('the organization name must have 1 to 200 characters');
  const plan = ctx.plans.find(input.plan);
  if (!plan) throw invalidInput(`unknown plan "${input.plan}"; known plans: ${ctx.plans.names().join(', ')}`);
  const billingMode = input.billingMode ?? 'self_serve';
  if (!BILLING_MODES.includes(billingMode)) throw invalidInput(`billing mode must be one of ${BILLING_MODES.join(', ')}`);
  const termStart = input.termStart ?? toIsoDate(ctx.now());
  if (!isIsoDate(termStart)) throw invalidInput(`term start "${termStart}" is not a date (YYYY-MM-DD)`);
  const currency = input.currency ?? 'USD';
  if (!/^[A-Z]{3}$/.test(currency)) throw invalidInput(`currency "${currency}" is not an ISO 4217 code`);
  const settings = orgSettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...input.settings });
  if (!settings.success) throw invalidInput(`invalid settings: ${settings.error.issues.map((i) => i.message).join('; ')}`);

  for (const [seatType, count] of Object.entries(input.seats)) {
    if (!plan.seatTypes.includes(seatType)) {
      throw invalidInput(`plan ${plan.name} has no seat type "${seatType}"; its seat types are ${plan.seatTypes.join(', ')}`);
    }
    if (!Number.isInteger(count) || count < 0) throw invalidInput(`the seat count for ${seatType} must be a whole number ≥ 0`);
  }
  for (const [seatType, price] of Object.entries(input.prices ?? {})) {
    if (!plan.seatTypes.includes(seatType)) throw invalidInput(`plan ${plan.name} has no seat type "${seatType}" to price`);
    if (!Number.isSafeInteger(price) || price < 0) throw invalidInput(`the price of ${seatType} must be whole minor units ≥ 0`);
  }
  const totalSeats = plan.seatTypes.reduce((sum, type) => sum + (input.seats[type] ?? 0), 0);
  if (totalSeats < plan.minimumSeats) {
    throw invalidInput(`plan ${plan.name} needs at least ${plan.minimumSeats} seats (asked for ${totalSeats})`);
  }
  const ownerEmail = input.ownerEmail ?? `owner@${slug(name)}.invalid`;
  const ownerName = personName(ownerEmail, input.ownerGivenName, input.ownerFamilyName);

  return inTransaction(ctx.db, async (trx) => {
    const orgId = await insertOrganization(trx, {
      name, plan: plan.name, billingMode, currency, termStart, termEnd: termEndFor(termStart),
      autoRenew: input.autoRenew ?? true, settings: settings.data,
    });
    await insertAllocations(trx, orgId, plan.seatTypes.map((seatType) => ({
      seatType, allocated: input.seats[seatType] ?? 0, monthlyPriceMinor: input.prices?.[seatType] ?? 0,
    })));

    // The primary owner is a person who uses the product: the gate seats it like anyone else;
    // with no seat free it waits as pending (an organization is never refused its owner).
    const ownerId = await insertMember(trx, {
      orgId, userName: ownerEmail, externalId: null, role: 'primary_owner',
      seatState: 'pending', seatType: null, seatReason: { kind: 'new' }, source: 'admin',
      // A complete user, as IdPs expect every user to be (Okta's spec test reads the first one's
      // name.givenName and familyName).
      attributes: {
        name: { givenName: ownerName.givenName, familyName: ownerName.familyName, formatted: `${ownerName.givenName} ${ownerName.familyName}` },
        displayName: `${ownerName.givenName} ${ownerName.familyName}`,
        emails: [{ value: ownerEmail, type: 'work', primary: true }],
      },
    });
    await admit(trx, await loadGateOrg(trx, ctx, orgId), ownerId, 'org_create', actor);

    const scim = await createCredentialIn(trx, { orgId, kind: 'scim', label: 'initial SCIM token' });
    const admin = await createCredentialIn(trx, { orgId, kind: 'admin', memberId: ownerId, label: 'primary owner' });
    const jit = await createCredentialIn(trx, { orgId, kind: 'jit', label: 'initial JIT hook secret' });
    await recordAudit(trx, orgId, {
      actor, action: 'organization.created', subjectType: 'organization', subjectId: orgId,
      after: { name, plan: plan.name, billingMode, termStart, seats: input.seats },
    });
    return { orgId, ownerId, scimToken: scim.token, adminToken: admin.token, jitSecret: jit.token };
  });
}

export async function getOrganization(ctx: ServiceContext, orgId: string) {
  const org = isUuid(orgId) ? await findOrganization(ctx.db, orgId) : undefined;
  if (!org) throw notFound(`no organization ${orgId}`);
  const allocations = await listAllocations(ctx.db, orgId);
  const features = ctx.plans.find(org.plan)?.features ?? [];
  const settings = orgSettingsSchema.parse(org.settings);
  return {
    id: org.id,
    name: org.name,
    plan: org.plan,
    billingMode: org.billing_mode,
    currency: org.currency,
    termStart: org.term_start,
    termEnd: org.term_end,
    autoRenew: org.auto_renew,
    cancelAtTermEnd: org.cancel_at_term_end,
    status: org.status,
    settings,
    extraUsage: extraUsageOn(features, settings),
    extraUsageAvailable: features.includes(EXTRA_USAGE_FEATURE),
    seats: allocations,
    createdAt: org.created_at.toISOString(),
  };
}

export async function listOrganizationSummaries(ctx: ServiceContext) {
  const orgs = await listOrganizations(ctx.db);
  return orgs.map((org) => ({
    id: org.id, name: org.name, plan: org.plan, billingMode: org.billing_mode,
    termStart: org.term_start, termEnd: org.term_end, status: org.status,
  }));
}

const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * The owner's given and family names: as given (trimmed, 1–256 characters), else derived from the
 * email — `jane.doe@…` → Jane / Doe; a one-word local part takes the domain's first label as the
 * family name (`owner@acme-corp.invalid` → Owner / Acme Corp) — so that both are never empty.
 */
export function personName(email: string, givenName?: string, familyName?: string): { givenName: string; familyName: string } {
  const checked = (value: string | undefined, what: string) => {
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    if (trimmed.length === 0 || trimmed.length > 256) throw invalidInput(`the owner's ${what} must have 1 to 256 characters`);
    return trimmed;
  };
  const given = checked(givenName, 'given name');
  const family = checked(familyName, 'family name');
  const [local = '', domain = ''] = email.split('@');
  const words = (text: string) => text.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0).map(capitalized);
  const localWords = words(local);
  const domainWords = words(domain.split('.')[0] ?? '');
  const derivedGiven = localWords[0] ?? 'Owner';
  const derivedFamily = localWords.length > 1 ? localWords.slice(1).join(' ') : domainWords.join(' ') || 'Owner';
  return { givenName: given ?? derivedGiven, familyName: family ?? derivedFamily };
}

function slug(name: string): string {
  const s = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s.slice(0, 40) || 'org';
}
