// Reading members for the admin API and finding them at JIT login. Every query is scoped by the
// organization id.
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';
import type { Db } from './database.js';
import type { Role, SeatState } from '../domain/organization.js';

const MEMBER_COLUMNS = [
  'id', 'user_name', 'external_id', 'active', 'role', 'role_source', 'source', 'seat_state', 'seat_type', 'seat_reason',
  'pending_since', 'unassigned_by_admin', 'idp_group_ids', 'attributes', 'created_at', 'updated_at',
] as const;

export interface MemberListFilter {
  seatState?: SeatState;
  seatType?: string;
  role?: Role;
  source?: 'scim' | 'jit' | 'admin';
  /** Search: a part of the userName, display name or an email address, or the exact externalId (case-insensitive). */
  q?: string;
  /** Keyset: members whose lower(userName) sorts after this one. */
  afterUserName?: string;
  limit: number;
}

type MemberFilter = Omit<MemberListFilter, 'afterUserName' | 'limit'>;

/** A count of the members matching a filter stops here: the console says "1,000+" (decision 0014). */
export const MEMBER_COUNT_CAP = 1000;

// A regular expression that matches `text` literally (ARE: a backslash before a non-alphanumeric
// character makes it literal; letters and digits are never escaped).
const regexLiteral = (text: string) => text.replace(/[.[\]{}()\\*+?^$|]/g, (c) => `\\${c}`);

/**
 * The WHERE shared by a page and its count. Each search arm is written as its index expects
 * (migration 0029: one trigram index over userName, display name and email_keys, and a B-tree for
 * the exact externalId), so that the OR is a BitmapOr of
 * index scans rather than a read of the organization.
 */
function applyMemberFilter<Q extends SelectQueryBuilder<Database, 'members', object>>(query: Q, filter: MemberFilter): Q {
  let q = query;
  if (filter.seatState) q = q.where('seat_state', '=', filter.seatState) as Q;
  if (filter.seatType) q = q.where('seat_type', '=', filter.seatType) as Q;
  if (filter.role) q = q.where('role', '=', filter.role) as Q;
  if (filter.source) q = q.where('source', '=', filter.source) as Q;
  if (filter.q) {
    const needle = filter.q.toLowerCase();
    const like = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // email_keys holds \x01 type \x02 value \x03 per email (0007): the needle inside a value.
    const inEmailValue = `\u0002[^\u0003]*${regexLiteral(needle)}`;
    q = q.where((eb) => eb.or([
      eb(sql`lower(user_name)`, 'like', like),
      eb(sql`lower(coalesce(attributes ->> 'displayName', ''))`, 'like', like),
      eb(sql`lower(coalesce(external_id, ''))`, '=', needle),
      eb(sql.ref('email_keys'), '~', inEmailValue),
    ])) as Q;
  }
  return q;
}

/** A page of members in lower(userName) order (unique per organization, so the order is stable). */
export async function listMembersPage(db: Db, orgId: string, filter: MemberListFilter) {
  let query = db.selectFrom('members').select(MEMBER_COLUMNS)
    .select(sql<string>`lower(user_name)`.as('sort_key'))
    .where('org_id', '=', orgId);
  query = applyMemberFilter(query, filter);
  if (filter.afterUserName !== undefined) query = query.where(sql`lower(user_name)`, '>', filter.afterUserName);
  return query.orderBy(sql`lower(user_name)`).limit(filter.limit).execute();
}

/**
 * How many members match the filter (the same WHERE as the page, without the keyset), counted
 * up to MEMBER_COUNT_CAP + 1 only: a broad filter on 100,000 members reads a thousand index
 * entries, not the organization. `exact` is false when the count stopped there.
 */
export async function countMembers(db: Db, orgId: string, filter: MemberFilter): Promise<{ count: number; exact: boolean }> {
  const matching = applyMemberFilter(db.selectFrom('members').select(sql<number>`1`.as('one')).where('org_id', '=', orgId), filter)
    .limit(MEMBER_COUNT_CAP + 1);
  const { n } = await db.selectFrom(matching.as('m')).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const count = Number(n);
  return count > MEMBER_COUNT_CAP ? { count: MEMBER_COUNT_CAP, exact: false } : { count, exact: true };
}

export async function findMemberDetail(db: Db, orgId: string, memberId: string) {
  return db.selectFrom('members').select(MEMBER_COLUMNS)
    .where('org_id', '=', orgId).where('id', '=', memberId).executeTakeFirst();
}

export type MemberDetailRow = NonNullable<Awaited<ReturnType<typeof findMemberDetail>>>;

/** The SCIM groups a member belongs to. */
export async function groupsOfMember(db: Db, orgId: string, memberId: string) {
  return db.selectFrom('group_members as x')
    .innerJoin('groups as g', (join) => join.onRef('g.org_id', '=', 'x.org_id').onRef('g.id', '=', 'x.group_id'))
    .select(['g.id', 'g.display_name', 'g.external_id'])
    .where('x.org_id', '=', orgId).where('x.member_id', '=', memberId)
    .orderBy('g.display_name').execute();
}

const LOGIN_COLUMNS = ['id', 'user_name', 'external_id', 'active', 'source', 'seat_state', 'seat_type', 'idp_group_ids'] as const;

/**
 * The members an IdP subject id names (exact match on externalId, which is not unique: RFC 7643
 * §3.1), locked for the login in id order (so that two logins lock them in the same order).
 */
export async function findMembersByExternalIdForUpdate(db: Db, orgId: string, externalId: string) {
  return db.selectFrom('members').select(LOGIN_COLUMNS)
    .where('org_id', '=', orgId).where('external_id', '=', externalId).orderBy('id').forUpdate().execute();
}

/** The member with this userName, compared case-insensitively (as the unique index does). */
export async function findMemberByUserNameForUpdate(db: Db, orgId: string, userName: string) {
  return db.selectFrom('members').select(LOGIN_COLUMNS)
    .where('org_id', '=', orgId).where(sql`lower(user_name)`, '=', userName.toLowerCase()).forUpdate().executeTakeFirst();
}

export type LoginMemberRow = Awaited<ReturnType<typeof findMembersByExternalIdForUpdate>>[number];

export async function setIdpGroupIds(db: Db, orgId: string, memberId: string, idpGroupIds: string[]): Promise<void> {
  await db.updateTable('members').set({ idp_group_ids: idpGroupIds, updated_at: sql`now()` })
    .where('org_id', '=', orgId).where('id', '=', memberId).execute();
}
