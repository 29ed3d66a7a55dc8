// The admin API's member use cases: list and read members with why they hold (or wait for) a
// seat, and assign a seat type or `unassigned` through the gate (SPEC §4.4). A full target type
// is a "no" returned as a value, with a purchase quote.
import { BillingError, proratePurchase } from '../../domain/billing/index.js';
import { toIsoDate } from '../../domain/dates.js';
import { invalidInput, notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import type { Role, SeatState } from '../../domain/organization.js';
import type { Actor } from '../../storage/audit.js';
import type { Db } from '../../storage/database.js';
import {
  countMembers, findMemberDetail, groupsOfMember, listMembersPage, type MemberDetailRow,
} from '../../storage/member-queries.js';
import { findOrganization, listAllocations } from '../../storage/organizations.js';
import { inTransaction } from '../../storage/transactions.js';
import { changeSeat, loadGateOrg, recordRefusal } from './seat-gate.js';
import { seatChangeDenial } from '../../domain/access.js';
import { pendingMemberIds } from '../../storage/access.js';
import { actingRole, denied } from '../access/acting-role.js';
import type { ServiceContext } from '../context.js';
import { thenCheckSeats } from './monitoring.js';

export interface SeatReasonView {
  kind: string | null;
  mappingIds: string[];
  wanted: string | string[] | null;
  trigger: string | null;
  by: unknown;
  at: string | null;
}

export interface MemberView {
  id: string;
  userName: string;
  externalId: string | null;
  displayName: string | null;
  active: boolean;
  role: string;
  /** Who gave the role: `default` (created so), `manual` (set by an owner or admin), `mapping` (a group mapping). */
  roleSource: string;
  source: string;
  seatState: SeatState;
  seatType: string | null;
  seatReason: SeatReasonView;
  pendingSince: string | null;
  unassignedByAdmin: boolean;
  idpGroupIds: string[];
  createdAt: string;
  updatedAt: string;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function displayNameOf(attributes: Record<string, unknown>): string | null {
  const name = attributes.name as { formatted?: unknown; givenName?: unknown; familyName?: unknown } | undefined;
  const joined = [str(name?.givenName), str(name?.familyName)].filter(Boolean).join(' ');
  return str(attributes.displayName) ?? str(name?.formatted) ?? (joined || null);
}

export function memberView(row: Omit<MemberDetailRow, 'sort_key'>): MemberView {
  const reason = row.seat_reason ?? {};
  const wanted = reason.wanted;
  return {
    id: row.id,
    userName: row.user_name,
    externalId: row.external_id,
    displayName: displayNameOf(row.attributes ?? {}),
    active: row.active,
    role: row.role,
    roleSource: row.role_source,
    source: row.source,
    seatState: row.seat_state,
    seatType: row.seat_type,
    seatReason: {
      kind: str(reason.kind),
      mappingIds: Array.isArray(reason.mappingIds) ? reason.mappingIds.filter((id): id is string => typeof id === 'string') : [],
      wanted: typeof wanted === 'string' || Array.isArray(wanted) ? (wanted as string | string[]) : null,
      trigger: str(reason.trigger),
      by: reason.by ?? null,
      at: str(reason.at),
    },
    pendingSince: row.pending_since ? new Date(row.pending_since).toISOString() : null,
    unassignedByAdmin: row.unassigned_by_admin,
    idpGroupIds: row.idp_group_ids,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface ListMembersInput {
  seatState?: SeatState;
  seatType?: string;
  role?: Role;
  source?: 'scim' | 'jit' | 'admin';
  q?: string;
  limit: number;
  cursor?: string;
}

// The cursor is opaque to clients: the sort key of the last member of the previous page.
const encodeCursor = (sortKey: string) => Buffer.from(JSON.stringify({ u: sortKey }), 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { u?: unknown };
    if (typeof parsed.u === 'string') return parsed.u;
  } catch { /* reported below */ }
  throw invalidInput('cursor is not a cursor returned by this endpoint', { field: 'cursor' });
}

export async function listMembers(ctx: ServiceContext, orgId: string, input: ListMembersInput) {
  const filter = { seatState: input.seatState, seatType: input.seatType, role: input.role, source: input.source, q: input.q };
  const afterUserName = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  const rows = await listMembersPage(ctx.db, orgId, { ...filter, afterUserName, limit: input.limit + 1 });
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  const more = rows.length > input.limit;
  // A first page that holds every match is its own count.
  const counted = input.cursor === undefined && !more ? { count: page.length, exact: true } : await countMembers(ctx.db, orgId, filter);
  return {
    members: page.map(memberView),
    total: counted.count,
    totalExact: counted.exact,
    nextCursor: more && last ? encodeCursor(last.sort_key) : null,
  };
}

export async function getMember(ctx: ServiceContext, orgId: string, memberId: string) {
  const row = isUuid(memberId) ? await findMemberDetail(ctx.db, orgId, memberId) : undefined;
  if (!row) throw notFound(`no member ${memberId}`);
  const groups = await groupsOfMember(ctx.db, orgId, memberId);
  return {
    ...memberView(row),
    groups: groups.map((g) => ({ id: g.id, displayName: g.display_name, externalId: g.external_id })),
  };
}

export interface PurchaseQuote {
  seatType: string;
  quantity: number;
  amountMinor: number;
  unitPriceMinor: number;
  currency: string;
  periodStart: string;
  periodEnd: string;
  ruleText: string;
}

/**
 * What `quantity` more seats of `seatType` cost if bought today (SPEC §5 proration). Null when
 * today is outside the organization's term (nothing can be bought then).
 */
export async function quoteSeats(ctx: ServiceContext, db: Db, orgId: string, seatType: string, quantity: number): Promise<PurchaseQuote | null> {
  const org = await findOrganization(db, orgId);
  const allocation = (await listAllocations(db, orgId)).find((a) => a.seatType === seatType);
  if (!org || !allocation) return null;
  try {
    const line = proratePurchase({
      termStart: org.term_start, termEnd: org.term_end, purchaseDate: toIsoDate(ctx.now()),
      quantity, monthlyPriceMinor: allocation.monthlyPriceMinor,
    });
    return {
      seatType, quantity, amountMinor: line.amountMinor, unitPriceMinor: line.unitPriceMinor, currency: org.currency,
      periodStart: line.periodStart, periodEnd: line.periodEnd, ruleText: line.ruleText,
    };
  } catch (error) {
    if (error instanceof BillingError) return null;
    throw error;
  }
}

export const quoteOneSeat = (ctx: ServiceContext, db: Db, orgId: string, seatType: string) => quoteSeats(ctx, db, orgId, seatType, 1);

/** A note about what a change did beyond the member itself (the console shows it). */
export interface SeatWarning {
  code: 'seat_went_to_queue';
  message: string;
  seatType: string;
  memberIds: string[];
}

export type AssignSeatResult =
  | { ok: true; changed: boolean; member: MemberView & { warnings: SeatWarning[] } }
  | { ok: false; cause: 'no_seat_available'; message: string; seatType: string; quote: PurchaseQuote | null }
  | { ok: false; cause: 'org_inactive'; message: string };

/**
 * PUT seat: a seat type of the plan, or `unassigned`; restoring an unassigned member is the same
 * call with a type. One transaction; a refusal changes nothing and is recorded as a refusal.
 * Admins may not change the seat of an owner or the primary owner (domain/access.ts).
 *
 * A seat this change frees goes to the pending queue at once (SPEC §4.3). When it does, the
 * answer warns: the seed's three-step swap done by hand in `pending` mode loses the freed seat
 * to the queue — POST /seat-changes does the swap in one step.
 */
export async function assignSeat(
  ctx: ServiceContext, orgId: string, memberId: string, target: string, actor: Actor,
): Promise<AssignSeatResult> {
  if (!isUuid(memberId)) throw notFound(`no member ${memberId}`);
  return thenCheckSeats(ctx, orgId, inTransaction(ctx.db, async (trx): Promise<AssignSeatResult> => {
    const member = await findMemberDetail(trx, orgId, memberId);
    if (!member) throw notFound(`no member ${memberId}`);
    const denial = seatChangeDenial(await actingRole(trx, orgId, actor), member.role);
    if (denial) throw denied(denial);
    const org = await loadGateOrg(trx, ctx, orgId);
    const waiting = await pendingMemberIds(trx, orgId);
    const change = await changeSeat(trx, org, memberId, target, actor);
    if (change.outcome !== 'refused') {
      const after = change.outcome === 'changed' ? await findMemberDetail(trx, orgId, memberId) : member;
      const warnings = change.outcome === 'changed' ? await queueWarnings(trx, orgId, waiting) : [];
      return { ok: true, changed: change.outcome === 'changed', member: { ...memberView(after ?? member), warnings } };
    }
    if (!org.active) return { ok: false, cause: 'org_inactive', message: change.message };
    // changeSeat wrote nothing when refusing, so the refusal can be recorded in this transaction.
    await recordRefusal(trx, orgId, { trigger: 'admin_assign', actor, exhausted: change.exhausted, subject: member.user_name, memberId });
    return { ok: false, cause: 'no_seat_available', message: change.message, seatType: target, quote: await quoteOneSeat(ctx, trx, orgId, target) };
  }));
}

/** Members of `waiting` (pending before a change) that now hold a seat: the freed seats went to them. */
export async function queueWarnings(db: Db, orgId: string, waiting: readonly string[]): Promise<SeatWarning[]> {
  if (waiting.length === 0) return [];
  const served = await db.selectFrom('members').select(['id', 'seat_type'])
    .where('org_id', '=', orgId).where('id', 'in', [...waiting]).where('seat_state', '=', 'assigned').execute();
  const byType = new Map<string, string[]>();
  for (const row of served) byType.set(row.seat_type!, [...(byType.get(row.seat_type!) ?? []), row.id]);
  return [...byType].map(([seatType, memberIds]) => ({
    code: 'seat_went_to_queue', seatType, memberIds,
    message: `the ${seatType} seat${memberIds.length === 1 ? '' : 's'} this change freed went to ${memberIds.length} pending member${memberIds.length === 1 ? '' : 's'} `
      + '(first come, first served); to swap seats between members without losing them to the queue, send the whole swap in one POST /seat-changes',
  }));
}
