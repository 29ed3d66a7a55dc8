// JIT at SSO login (SPEC §7, IDP-COMPAT "JIT at login"). The SSO layer calls once per login with
// the assertion's claims; the answer is allow (with the seat type) or deny (reason + message).
//
// Linking: by externalId = the IdP's stable subject (Entra oid, Okta user id) first, then by
// userName = email, case-insensitively — never a second member for someone SCIM provisioned.
// externalId is not unique (RFC 7643 §3.1), so several members may carry the subject; then the
// one whose userName is the login's email, else the only active one; with none active the login
// is denied as inactive, and with several active ones it is denied as `ambiguous_subject`
// (docs/conformance.md) — never a guess.
// A member found by userName is linked without touching its SCIM data: its externalId (which
// SCIM owns; Entra often sends something other than the oid) is not overwritten. The subject is
// recorded once in the audit trail (`member.jit_linked`) so admins can see the link.
//
// Groups: the claims' group ids are stored (idp_group_ids) for members JIT created; a SCIM
// member's groups come from SCIM and are left alone. An overage marker (`groupsOverage: true`:
// Entra sends no list past 150/200 groups) leaves the stored groups unchanged.
import { sql } from 'kysely';
import type { Actor } from '../../storage/audit.js';
import { recordAudit } from '../../storage/audit.js';
import type { Db } from '../../storage/database.js';
import {
  findMembersByExternalIdForUpdate, findMemberByUserNameForUpdate, setIdpGroupIds, type LoginMemberRow,
} from '../../storage/member-queries.js';
import { inTransaction } from '../../storage/transactions.js';
import { DomainError } from '../../domain/errors.js';
import { createMember } from '../seats/members.js';
import { admit, loadGateOrg, recordRefusal, reevaluate, type GateOrg } from '../seats/seat-gate.js';
import { extraUsageOn } from '../../domain/organization.js';
import type { ServiceContext } from '../context.js';
import { thenCheckSeats } from '../seats/monitoring.js';

export interface JitClaims {
  subject: string;
  email: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  /** IdP group ids; absent when the token carried none. */
  groups?: string[];
  /** The token carried an overage marker instead of the group list. */
  groupsOverage?: boolean;
}

export type DenyReason = 'inactive' | 'unassigned' | 'org_inactive' | 'no_seat_available' | 'ambiguous_subject';

export type JitDecision =
  | { decision: 'allow'; memberId: string; seatType: string; /** Extra usage on for this organization (the product enforces it). */ extraUsage: boolean }
  | { decision: 'deny'; reason: DenyReason; message: string; memberId?: string; pending?: boolean };

const MESSAGES = {
  inactive: 'This account is deactivated in the identity provider, so it cannot sign in to this organization.',
  unassigned: 'An admin of this organization has taken this user\'s seat away; ask an admin to assign a seat.',
  org_inactive: 'This organization\'s subscription has ended; nobody can sign in until it is renewed.',
  ambiguous: (count: number) => `${count} members of this organization carry this identity provider id and none of them `
    + 'has this email as its user name or is the only active one, so the login cannot be linked to one of them; an admin '
    + 'must give them distinct externalIds (or deactivate the ones that are not this person) in the identity provider.',
  waiting: 'No seat is free in this organization yet: this user is waiting for a seat and gets access as soon as '
    + 'one is freed or bought.',
} as const;

const extraUsageOf = (ctx: ServiceContext, org: GateOrg) => extraUsageOn(ctx.plans.get(org.plan).features, org.settings);

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(b);
  return a.length === set.size && a.every((value) => set.has(value));
}

function uniqueGroups(claims: JitClaims): string[] | undefined {
  if (claims.groupsOverage || claims.groups === undefined) return undefined;
  return [...new Set(claims.groups)];
}

async function recordLinkOnce(trx: Db, orgId: string, member: LoginMemberRow, subject: string, actor: Actor): Promise<void> {
  const seen = await trx.selectFrom('audit_events').select('id')
    .where('org_id', '=', orgId).where('action', '=', 'member.jit_linked')
    .where('subject_type', '=', 'member').where('subject_id', '=', member.id)
    .where(sql`reason ->> 'subject'`, '=', subject).executeTakeFirst();
  if (seen) return;
  await recordAudit(trx, orgId, {
    actor, action: 'member.jit_linked', subjectType: 'member', subjectId: member.id,
    reason: { subject, by: 'userName', externalId: member.external_id },
  });
}

const isActive = (member: LoginMemberRow) => member.active && member.seat_state !== 'inactive';

/** Among several members with the subject as externalId: the one named by the email, else the only active one. */
function chooseAmong(members: LoginMemberRow[], email: string): LoginMemberRow | undefined {
  const named = members.find((member) => member.user_name.toLowerCase() === email.toLowerCase());
  if (named) return named;
  const active = members.filter(isActive);
  return active.length === 1 ? active[0] : undefined;
}

/** An existing member's login, in one transaction. */
async function loginExisting(ctx: ServiceContext, orgId: string, claims: JitClaims, actor: Actor): Promise<JitDecision | undefined> {
  return inTransaction(ctx.db, async (trx) => {
    const linked = await findMembersByExternalIdForUpdate(trx, orgId, claims.subject);
    let member = linked.length <= 1 ? linked[0] : chooseAmong(linked, claims.email);
    if (linked.length > 1 && !member) {
      const active = linked.filter(isActive);
      return active.length === 0
        ? { decision: 'deny', reason: 'inactive', message: MESSAGES.inactive }
        : { decision: 'deny', reason: 'ambiguous_subject', message: MESSAGES.ambiguous(linked.length) };
    }
    if (!member) {
      member = await findMemberByUserNameForUpdate(trx, orgId, claims.email);
      if (!member) return undefined;
      if (member.external_id !== claims.subject) await recordLinkOnce(trx, orgId, member, claims.subject, actor);
    }
    const org = await loadGateOrg(trx, ctx, orgId);

    const groups = uniqueGroups(claims);
    let groupsChanged = false;
    if (member.source === 'jit' && groups && !sameSet(groups, member.idp_group_ids)) {
      await setIdpGroupIds(trx, orgId, member.id, groups);
      groupsChanged = true;
    }

    if (!member.active || member.seat_state === 'inactive') {
      return { decision: 'deny', reason: 'inactive', message: MESSAGES.inactive, memberId: member.id };
    }
    if (member.seat_state === 'unassigned') {
      return { decision: 'deny', reason: 'unassigned', message: MESSAGES.unassigned, memberId: member.id };
    }
    if (!org.active) return { decision: 'deny', reason: 'org_inactive', message: MESSAGES.org_inactive, memberId: member.id };
    if (member.seat_state === 'assigned' && member.seat_type) {
      // New groups may map the member to a higher type: that is a gate decision (SPEC §4.1).
      if (groupsChanged) await reevaluate(trx, org, member.id, 'group_change', actor);
      const seated = await trx.selectFrom('members').select('seat_type')
        .where('org_id', '=', orgId).where('id', '=', member.id).executeTakeFirstOrThrow();
      return { decision: 'allow', memberId: member.id, seatType: seated.seat_type ?? member.seat_type, extraUsage: extraUsageOf(ctx, org) };
    }
    const admission = await admit(trx, org, member.id, 'jit_login', actor);
    switch (admission.outcome) {
      case 'assigned':
        return { decision: 'allow', memberId: member.id, seatType: admission.seatType, extraUsage: extraUsageOf(ctx, org) };
      case 'pending':
        return { decision: 'deny', reason: 'no_seat_available', message: MESSAGES.waiting, memberId: member.id, pending: true };
      case 'refused':
        if (admission.cause === 'org_inactive') return { decision: 'deny', reason: 'org_inactive', message: MESSAGES.org_inactive, memberId: member.id };
        // admit wrote nothing when refusing; the refusal is recorded with the login.
        await recordRefusal(trx, orgId, { trigger: 'jit_login', actor, exhausted: admission.exhausted, subject: member.user_name, memberId: member.id });
        return { decision: 'deny', reason: 'no_seat_available', message: admission.message, memberId: member.id };
    }
  });
}

async function createAtLogin(ctx: ServiceContext, orgId: string, claims: JitClaims, actor: Actor): Promise<JitDecision> {
  const org = await loadGateOrg(ctx.db, ctx, orgId);
  if (!org.active) return { decision: 'deny', reason: 'org_inactive', message: MESSAGES.org_inactive };
  const name = {
    ...(claims.name ? { formatted: claims.name } : {}),
    ...(claims.givenName ? { givenName: claims.givenName } : {}),
    ...(claims.familyName ? { familyName: claims.familyName } : {}),
  };
  const created = await createMember(ctx, orgId, {
    userName: claims.email, externalId: claims.subject, active: true, source: 'jit',
    attributes: {
      emails: [{ value: claims.email, type: 'work', primary: true }],
      ...(Object.keys(name).length > 0 ? { name } : {}),
      ...(claims.name ? { displayName: claims.name } : {}),
    },
    idpGroupIds: uniqueGroups(claims) ?? [],
  }, 'jit_login', actor);
  if (!created.ok) {
    // createMember rolled the member back and recorded the refusal.
    return created.admission.cause === 'org_inactive'
      ? { decision: 'deny', reason: 'org_inactive', message: MESSAGES.org_inactive }
      : { decision: 'deny', reason: 'no_seat_available', message: created.admission.message };
  }
  if (created.heldAfterRemoval) return { decision: 'deny', reason: 'unassigned', message: MESSAGES.unassigned, memberId: created.memberId };
  const admission = created.admission;
  if (admission?.outcome === 'assigned') return { decision: 'allow', memberId: created.memberId, seatType: admission.seatType, extraUsage: extraUsageOf(ctx, org) };
  return { decision: 'deny', reason: 'no_seat_available', message: MESSAGES.waiting, memberId: created.memberId, pending: true };
}

/**
 * One login. Two first logins of the same person at once: the second create hits the unique
 * userName and is retried once as a login of the member the first one created.
 */
export function jitLogin(ctx: ServiceContext, orgId: string, credentialId: string, claims: JitClaims): Promise<JitDecision> {
  return thenCheckSeats(ctx, orgId, login(ctx, orgId, credentialId, claims));
}

async function login(ctx: ServiceContext, orgId: string, credentialId: string, claims: JitClaims): Promise<JitDecision> {
  const actor: Actor = { type: 'jit', credentialId };
  for (let attempt = 1; ; attempt += 1) {
    const existing = await loginExisting(ctx, orgId, claims, actor);
    if (existing) return existing;
    try {
      return await createAtLogin(ctx, orgId, claims, actor);
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'conflict') || attempt >= 2) throw error;
    }
  }
}
