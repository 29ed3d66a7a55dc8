// Members as SCIM Users. Columns hold what is indexed or managed (userName, externalId, active,
// seat); `attributes` holds the rest of the SCIM document.
import { sql, type Compilable, type CompiledQuery, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { hiddenFromPlanner, parseTimestamptz, runPrepared, type Db } from './database.js';
import { isoOfTimestamptz } from './timestamps.js';
import type { Database } from './schema.js';
import { translatePgError } from './errors.js';
import { pageWithTotal } from './paging.js';
import { fromOwnedTemplate, fromTemplate } from './statement-templates.js';
import { orgWritableOn } from './organizations.js';
import { withStoredAttributes, type ListedColumns, type StoredTimes, type UserView } from '../protocol/scim/representation.js';

type Condition = (eb: ExpressionBuilder<Database, 'members'>) => Expression<SqlBool>;
/** A compiled filter; `atMostOne` when it can match one resource at most (a lookup); `template`
 *  when its SQL is the same for every value (protocol/scim/filter: FilterTemplate). */
type Where = Condition & { atMostOne?: boolean; template?: { key: string; value: string; condition(value: string): Condition } };
export type SortSpec = { key: (eb: ExpressionBuilder<Database, 'members'>) => Expression<unknown>; descending: boolean };

export const USER_COLUMNS = [
  'members.id', 'members.user_name', 'members.external_id', 'members.active', 'members.attributes', 'members.seat_state',
  'members.seat_type', 'members.seat_reason', 'members.pending_since', 'members.version', 'members.created_at', 'members.updated_at',
] as const;

const COLUMNS = USER_COLUMNS;

export type UserRow = {
  id: string; user_name: string; external_id: string | null; active: boolean; attributes: Record<string, unknown>;
  seat_state: string; seat_type: string | null; seat_reason: Record<string, unknown>; pending_since: Date | null;
  version: number; created_at: Date; updated_at: Date;
};

type GroupRef = { id: string; displayName: string };

/** A user as the SCIM layer shows it, from its columns (and its groups when read). */
export const toView = (row: UserRow & { groups?: GroupRef[] }): UserView => ({
  id: row.id, userName: row.user_name, externalId: row.external_id, active: row.active, attributes: row.attributes,
  seatState: row.seat_state, seatType: row.seat_type, seatReason: row.seat_reason, pendingSince: row.pending_since,
  version: row.version, createdAt: row.created_at, updatedAt: row.updated_at,
  ...(row.groups ? { groups: row.groups } : {}),
});

/** How a listed user's timestamps, kept as text, become a Date or ISO text (decision 0038). */
const LISTED_TIMES: StoredTimes = { date: parseTimestamptz, iso: isoOfTimestamptz };

/**
 * A listed user (list pages, lookups): its attributes document stays PostgreSQL's jsonb text,
 * parsed only if something reads it; the list answer writes it from the text (decision 0027).
 * Its timestamps stay PostgreSQL's text as well: created and lastModified are written from it
 * (decision 0038); the rare pending date is parsed here.
 * A statement past database.ts's bound of such texts comes back parsed: either form is taken.
 */
type ListedRow = Omit<UserRow, 'attributes' | 'seat_reason' | 'pending_since' | 'created_at' | 'updated_at'>
  & { attributes: unknown; seat_reason: unknown; pending_since: unknown; created_at: string; updated_at: string; groups?: GroupRef[] };
const toListedView = (row: ListedRow): UserView => {
  const pending = row.pending_since;
  return withStoredAttributes({
    id: row.id, userName: row.user_name, externalId: row.external_id, active: row.active,
    seatState: row.seat_state, seatType: row.seat_type,
    seatReason: (typeof row.seat_reason === 'string' ? JSON.parse(row.seat_reason) : row.seat_reason) as Record<string, unknown>,
    pendingSince: typeof pending === 'string' ? parseTimestamptz(pending) : pending as Date | null,
    version: row.version, createdAt: row.created_at, updatedAt: row.updated_at,
    ...(row.groups ? { groups: row.groups } : {}),
  } as ListedColumns, row.attributes as string | Record<string, unknown>, LISTED_TIMES);
};

/**
 * The user's groups as a column of the same query (index group_members_by_member), so that a
 * lookup is one round trip to the database, not two. A user in no group costs one index probe:
 * the aggregate and its sort ran for each of a page's 100 users otherwise (decision 0034).
 */
const GROUPS = sql<GroupRef[]>`(case when exists (select from group_members x where x.org_id = members.org_id and x.member_id = members.id)
  then (select coalesce(json_agg(json_build_object('id', g.id, 'displayName', g.display_name) order by g.display_name, g.id), '[]'::json)
    from group_members x join groups g on g.org_id = x.org_id and g.id = x.group_id
   where x.org_id = members.org_id and x.member_id = members.id)
  else '[]'::json end)`.as('groups');

/** The columns of a user, with its groups when `withGroups`. */
const columns = (withGroups: boolean) => (withGroups ? [...COLUMNS, GROUPS] : COLUMNS);

/**
 * Runs a read as a named prepared statement (database.ts `prepared`): SCIM reads are the
 * requests IdPs repeat most, and PostgreSQL planned each of them again (decision 0016).
 */
async function run(db: Db, query: Compilable): Promise<unknown[]> {
  return runCompiled(db, query.compile());
}

async function runCompiled(db: Db, query: CompiledQuery, options: { jsonbAsText?: boolean } = {}): Promise<unknown[]> {
  return runPrepared(db, query, options);
}

/** A read of listed users: its jsonb and timestamptz columns as text (toListedView). */
const LISTED = { jsonbAsText: true };

export async function findUser(db: Db, orgId: string, id: string, options: { forUpdate?: boolean; withGroups?: boolean } = {}): Promise<UserView | undefined> {
  let query = db.selectFrom('members').select(columns(options.withGroups ?? false)).where('members.org_id', '=', orgId).where('members.id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  const [row] = await run(db, query);
  return row ? toView(row as UserRow) : undefined;
}

/** What a SCIM write needs of the organization: whether its term has ended (orgHasEnded). */
export interface OrgTerm { status: string; autoRenew: boolean; cancelAtTermEnd: boolean; termEnd: string }

/**
 * A user and its organization's term in one statement, unlocked: the read of a write that moves
 * no seat (users.ts changeUser), one round trip instead of two. Undefined when the user is not
 * there (the caller's locked path then says why, the organization first).
 */
export async function findUserWithOrgTerm(db: Db, orgId: string, id: string, withGroups: boolean): Promise<{ user: UserView; org: OrgTerm } | undefined> {
  const [row] = await run(db, db.selectFrom('members').innerJoin('organizations as o', 'o.id', 'members.org_id')
    .select(columns(withGroups)).select(['o.status as org_status', 'o.auto_renew as org_auto_renew', 'o.cancel_at_term_end as org_cancel_at_term_end', 'o.term_end as org_term_end'])
    .where('members.org_id', '=', orgId).where('members.id', '=', id));
  if (!row) return undefined;
  const r = row as UserRow & { org_status: string; org_auto_renew: boolean; org_cancel_at_term_end: boolean; org_term_end: string };
  return { user: toView(r), org: { status: r.org_status, autoRenew: r.org_auto_renew, cancelAtTermEnd: r.org_cancel_at_term_end, termEnd: r.org_term_end } };
}

export interface UserPage { total: number; views: UserView[] }

/** A page by offset with the exact total of the same WHERE (RFC 7644 §3.4.2.4). */
export async function listUsers(
  db: Db, orgId: string, where: Where | undefined, sort: SortSpec | undefined, offset: number, limit: number, withGroups: boolean,
): Promise<UserPage> {
  if (!sort && limit > 0 && !(where?.atMostOne && offset === 0)) return listUsersInCreationOrder(db, orgId, where, offset, limit, withGroups);
  // Built on demand: a templated lookup never builds a Kysely query (decision 0029).
  const base = () => {
    const query = db.selectFrom('members').where('members.org_id', '=', orgId);
    return where ? query.where(where) : query;
  };
  const page = async () => {
    if (where?.atMostOne && offset === 0) {
      // A lookup (`userName eq …`): one row or none, so no order and nothing to skip; the one
      // statement an IdP sends most, named so that PostgreSQL plans it once per connection, and
      // compiled once (statement-templates.ts): the same text as the query below.
      const { template } = where;
      if (template) {
        return runCompiled(db, fromTemplate(`members lookup ${withGroups} ${template.key}`, [orgId, template.value, limit], (slot) =>
          db.selectFrom('members').where('members.org_id', '=', slot(0)).where(template.condition(slot(1))).select(columns(withGroups)).limit(slot(2))), LISTED);
      }
      return runCompiled(db, base().select(columns(withGroups)).limit(limit).compile(), LISTED);
    }
    const sorted = base().select(columns(withGroups)).orderBy(sort!.key, (ob) => (sort!.descending ? ob.desc() : ob.asc()).nullsLast());
    return runCompiled(db, sorted.orderBy('members.created_at').orderBy('members.id').offset(offset).limit(limit).compile(), LISTED);
  };
  const { total, rows } = await pageWithTotal(offset, limit, where?.atMostOne ?? false, () => countUsers(db, orgId, where), page);
  return { total, views: (rows as ListedRow[]).map(toListedView) };
}

/**
 * A page in creation order with its exact total, in ONE statement (decisions 0021, 0026): the
 * keys (created_at, id) of the page's first and last users are found in the index alone
 * (`members_active_by_creation` or `members_by_creation`): the first by skipping `offset`
 * entries, the last by skipping `limit - 1` more from the first. The page is the range between
 * the two keys, and the total the offset plus a count of the same WHERE from the first key on,
 * in the same snapshot.
 * Both ends are bounded so that no plan can read more than the page: on a table that was never
 * analyzed (an organization just provisioned) the planner guesses a few rows per organization,
 * and for `key >= … limit N` it then preferred reading the organization's whole tail and sorting
 * it. Each walk is `limit 1` from an offset the planner cannot see (`hiddenFromPlanner`), which it only
 * plans as an ordered index scan that stops early.
 * A usual page size is written into the text so that the named statement's generic plan knows
 * it and PostgreSQL keeps that plan instead of planning each page again (with `limit $n` its
 * generic plan assumed a tenth of the rows and always lost to a custom plan). Other sizes stay a
 * parameter: each text written takes one of the process's named statements (database.ts), and
 * lookups need theirs. Past the end there is no key and no row: the total is counted apart.
 */
const LITERAL_PAGE_SIZES = new Set([10, 20, 25, 50, 100, 200, 500, 1000]);

const PAGE_FIRST = sql<SqlBool>`(members.created_at, members.id) >= ((select page_first.created_at from page_first), (select page_first.id from page_first))`;
// No last key: the page ends with the organization (a last partial page).
const PAGE_LAST = sql<SqlBool>`(members.created_at, members.id) <= (coalesce((select page_last.created_at from page_last), 'infinity'::timestamptz),
  coalesce((select page_last.id from page_last), 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid))`;

async function listUsersInCreationOrder(
  db: Db, orgId: string, where: Where | undefined, offset: number, limit: number, withGroups: boolean,
): Promise<UserPage> {
  const literal = LITERAL_PAGE_SIZES.has(limit);
  // Compiled once per filter and shape (statement-templates.ts): building and compiling this
  // statement with Kysely was about a sixth of the server's CPU per page (decision 0034).
  const query = fromOwnedTemplate(where ?? NO_FILTER, `page ${withGroups} ${literal ? limit : 'n'}`, literal ? [orgId, offset, limit - 1] : [orgId, offset, limit - 1, limit], (slot) => {
    const org = slot(0) as string;
    return db
      .with('page_first', (qb) => {
        let key = qb.selectFrom('members').select(['members.created_at', 'members.id']).where('members.org_id', '=', org);
        if (where) key = key.where(where);
        return key.orderBy('members.created_at').orderBy('members.id').offset(hiddenFromPlanner<number>(slot(1), 'bigint')).limit(sql.lit(1));
      })
      .with('page_last', (qb) => {
        let key = qb.selectFrom('members').select(['members.created_at', 'members.id']).where('members.org_id', '=', org).where(PAGE_FIRST);
        if (where) key = key.where(where);
        return key.orderBy('members.created_at').orderBy('members.id').offset(hiddenFromPlanner<number>(slot(2), 'bigint')).limit(sql.lit(1));
      })
      .selectFrom('members')
      .select(columns(withGroups))
      .select((eb) => {
        // The total is the offset plus the users from the page's first on: the walk to the first
        // key skipped exactly `offset` of them in this snapshot, so the count need not read them
        // again (half the index on average, decision 0034).
        let count = eb.selectFrom('members').where('members.org_id', '=', org);
        if (where) count = count.where(where);
        return count.where(PAGE_FIRST).select((c) => c.fn.countAll<string>().as('n')).as('from_first');
      })
      .where('members.org_id', '=', org)
      .$call((qb) => (where ? qb.where(where) : qb))
      .where(PAGE_FIRST)
      .where(PAGE_LAST)
      .orderBy('members.created_at').orderBy('members.id')
      .limit(literal ? sql.lit(limit) : slot(3) as number);
  });
  const rows = await runCompiled(db, query, LISTED) as (ListedRow & { from_first: string })[];
  const total = rows.length > 0 ? offset + Number(rows[0]!.from_first) : offset === 0 ? 0 : await countUsers(db, orgId, where);
  return { total, views: rows.map(toListedView) };
}

/** The template owner of pages without a filter. */
const NO_FILTER = {};

/** Keyset page in id order (RFC 9865 cursors): stable under concurrent inserts and deletes. */
export async function listUsersAfter(db: Db, orgId: string, where: Where | undefined, afterId: string | undefined, limit: number, withGroups: boolean) {
  let query = db.selectFrom('members').select(columns(withGroups)).where('members.org_id', '=', orgId);
  if (where) query = query.where(where);
  if (afterId) query = query.where('members.id', '>', afterId);
  const rows = await runCompiled(db, query.orderBy('members.id').limit(limit + 1).compile(), LISTED);
  return { views: (rows.slice(0, limit) as ListedRow[]).map(toListedView), more: rows.length > limit };
}

export async function countUsers(db: Db, orgId: string, where: Where | undefined): Promise<number> {
  let query = db.selectFrom('members').where('members.org_id', '=', orgId);
  if (where) query = query.where(where);
  const [row] = await run(db, query.select((eb) => eb.fn.countAll<string>().as('n')));
  return Number((row as { n: string }).n);
}

export interface UserColumns { userName: string; externalId: string | null; active: boolean; attributes: Record<string, unknown> }

/**
 * Writes a changed user and moves its version on (ETag) and lastModified. With `returning`,
 * answers the user as written (its groups when asked) from the same statement, so that a PUT
 * needs no read after its write. With
 * `returning.ifVersion`, writes only while the user is still at that version (every write of
 * these columns bumps it): undefined when it changed or is gone, and nothing was written.
 */
export async function updateUser(db: Db, orgId: string, id: string, fields: UserColumns): Promise<void>;
export async function updateUser(
  db: Db, orgId: string, id: string, fields: UserColumns, returning: { withGroups: boolean; ifVersion?: number },
): Promise<UserView | undefined>;
export async function updateUser(
  db: Db, orgId: string, id: string, fields: UserColumns, returning?: { withGroups: boolean; ifVersion?: number },
): Promise<UserView | undefined | void> {
  try {
    let update = db.updateTable('members').set({
      user_name: fields.userName,
      external_id: fields.externalId,
      active: fields.active,
      attributes: JSON.stringify(fields.attributes),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    }).where('org_id', '=', orgId).where('id', '=', id);
    if (!returning) {
      await update.execute();
      return;
    }
    if (returning.ifVersion !== undefined) update = update.where('version', '=', returning.ifVersion);
    const row = await update.returning(columns(returning.withGroups)).executeTakeFirst();
    return row ? toView(row as UserRow) : undefined;
  } catch (error) {
    throw translatePgError(error);
  }
}

/**
 * A PUT's write in one statement, without reading first (decision 0025): the user's columns as
 * `fields` says, but only when the change moves no seat and the organization may still be
 * written — `active` as stored (or not sent), an active user's `roles` (the Entra app roles that
 * select seat types) as stored, not a no-op, and the organization not ended — so that nothing
 * the locked path decides is skipped. Undefined when any of that does not hold, or the user is
 * gone: nothing was written, and the caller takes the path that reads (users.ts changeUser).
 * `today`: the date the organization's term is compared with (ISO, as orgHasEnded takes it).
 */
export async function replaceUserUnlessSeatsMove(
  db: Db, orgId: string, id: string, fields: Omit<UserColumns, 'active'> & { active: boolean | undefined }, today: string, withGroups: boolean,
): Promise<UserView | undefined> {
  const attributes = JSON.stringify(fields.attributes);
  const roles = fields.attributes.roles === undefined ? null : JSON.stringify(fields.attributes.roles);
  const sentActive = fields.active !== undefined;
  const values = [orgId, id, fields.userName, fields.externalId, attributes, roles, today, ...(sentActive ? [fields.active] : [])];
  // The same text for every PUT of one shape: compiled once (statement-templates.ts, decision 0040).
  const query = fromTemplate(`members put ${withGroups} ${sentActive}`, values, (slot) => {
    let update = db.updateTable('members').set({
      user_name: slot(2),
      external_id: slot(3),
      attributes: slot(4),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    }).where('org_id', '=', slot(0)).where('id', '=', slot(1));
    // No seat moves (users.ts movesSeats): `active` does not flip, an active user's roles stay.
    if (sentActive) update = update.where('active', '=', slot(7));
    return update.where(sql<boolean>`(not members.active or members.attributes -> 'roles' is not distinct from ${slot(5)}::jsonb)`)
      // Not a no-op (users.ts sameUser): a no-op changes nothing, not even lastModified.
      .where(sql<boolean>`not (members.user_name = ${slot(2)} and members.external_id is not distinct from ${slot(3)}::text
        and members.attributes = ${slot(4)}::jsonb)`)
      // The organization may be written (orgWritableOn; test/integration/scim-user-put.test.ts
      // holds it to the domain rule). Stricter would only cost the read path.
      .where(sql<boolean>`exists (select 1 from organizations o where o.id = members.org_id and ${orgWritableOn(slot(6))})`)
      .returning(columns(withGroups));
  });
  try {
    const [row] = await runCompiled(db, query);
    return row ? toView(row as UserRow) : undefined;
  } catch (error) {
    throw translatePgError(error);
  }
}

export async function deleteUser(db: Db, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('members').where('org_id', '=', orgId).where('id', '=', id).execute();
}
