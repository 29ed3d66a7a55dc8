// SCIM Groups and their membership. Membership changes are SQL deltas: their cost grows with the
// number of members changed, never with the size of the group.
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { hiddenFromPlanner, prepared, type Db } from './database.js';
import type { Database } from './schema.js';
import { translatePgError } from './errors.js';
import { pageWithTotal } from './paging.js';
import { orgWritableOn } from './organizations.js';
import { commitWithoutFlushWaitIf, flushCommitted, InFlight } from './hot-row-commits.js';
import type { GroupView } from '../protocol/scim/representation.js';

/** A compiled filter; `atMostOne` when it can match one resource at most (a lookup). */
type Where = ((eb: ExpressionBuilder<Database, 'groups'>) => Expression<SqlBool>) & { atMostOne?: boolean };
export type GroupSortSpec = { key: (eb: ExpressionBuilder<Database, 'groups'>) => Expression<unknown>; descending: boolean };

const COLUMNS = ['groups.id', 'groups.display_name', 'groups.external_id', 'groups.attributes', 'groups.version', 'groups.created_at', 'groups.updated_at'] as const;
type Row = { id: string; display_name: string; external_id: string | null; attributes: Record<string, unknown>; version: number; created_at: Date; updated_at: Date };

const toView = (row: Row): GroupView => ({
  id: row.id, displayName: row.display_name, externalId: row.external_id, attributes: row.attributes,
  version: row.version, createdAt: row.created_at, updatedAt: row.updated_at,
});

export async function findGroup(db: Db, orgId: string, id: string, forUpdate = false): Promise<GroupView | undefined> {
  let query = db.selectFrom('groups').select(COLUMNS).where('groups.org_id', '=', orgId).where('groups.id', '=', id);
  if (forUpdate) {
    // The group's key first: the one-statement membership change key-share locks it before it
    // bumps the version, so a transaction that will check If-Match and change the group excludes
    // those changes from here on, and both take the locks in the same order (decision 0022).
    await sql`select 1 from group_keys where org_id = ${orgId}::uuid and id = ${id}::uuid for update`.execute(db);
    query = query.forUpdate();
  }
  const row = await query.executeTakeFirst();
  return row ? toView(row as Row) : undefined;
}

export async function listGroups(db: Db, orgId: string, where: Where | undefined, sort: GroupSortSpec | undefined, offset: number, limit: number) {
  let base = db.selectFrom('groups').where('groups.org_id', '=', orgId);
  if (where) base = base.where(where);
  const page = () => {
    let sorted = base.select(COLUMNS);
    if (sort) sorted = sorted.orderBy(sort.key, (ob) => (sort.descending ? ob.desc() : ob.asc()).nullsLast());
    return sorted.orderBy('groups.created_at').orderBy('groups.id').offset(offset).limit(limit).execute();
  };
  const { total, rows } = await pageWithTotal(offset, limit, where?.atMostOne ?? false, () => countGroups(db, orgId, where), page);
  return { total, views: (rows as Row[]).map(toView) };
}

export async function listGroupsAfter(db: Db, orgId: string, where: Where | undefined, afterId: string | undefined, limit: number) {
  let query = db.selectFrom('groups').select(COLUMNS).where('groups.org_id', '=', orgId);
  if (where) query = query.where(where);
  if (afterId) query = query.where('groups.id', '>', afterId);
  const rows = await query.orderBy('groups.id').limit(limit + 1).execute();
  return { views: (rows.slice(0, limit) as Row[]).map(toView), more: rows.length > limit };
}

export async function countGroups(db: Db, orgId: string, where: Where | undefined): Promise<number> {
  let query = db.selectFrom('groups').where('groups.org_id', '=', orgId);
  if (where) query = query.where(where);
  return Number((await query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
}

/** Members of several groups at once (a list page), in a stable order. */
export async function membersOfGroups(db: Db, orgId: string, groupIds: string[]): Promise<Map<string, { id: string; userName: string }[]>> {
  if (groupIds.length === 0) return byGroup(groupIds, []);
  return byGroup(groupIds, await membersOfGroupsQuery(db, orgId, groupIds).execute());
}

/**
 * The members of the groups, as `membersOfGroups`, when they are at most `limit` in all; else
 * undefined (reads at most limit + 1 rows): a list page's members are read whole only when few.
 */
export async function membersOfGroupsUpTo(db: Db, orgId: string, groupIds: string[], limit: number): Promise<Map<string, { id: string; userName: string }[]> | undefined> {
  if (groupIds.length === 0) return byGroup(groupIds, []);
  const rows = await membersOfGroupsQuery(db, orgId, groupIds).limit(limit + 1).execute();
  return rows.length > limit ? undefined : byGroup(groupIds, rows);
}

function membersOfGroupsQuery(db: Db, orgId: string, groupIds: string[]) {
  return db.selectFrom('group_members as x')
    .innerJoin('members as m', (join) => join.onRef('m.org_id', '=', 'x.org_id').onRef('m.id', '=', 'x.member_id'))
    .select(['x.group_id', 'm.id', 'm.user_name'])
    .where('x.org_id', '=', orgId).where('x.group_id', 'in', groupIds)
    .orderBy('x.group_id').orderBy('m.id');
}

function byGroup(groupIds: string[], rows: { group_id: string; id: string; user_name: string }[]): Map<string, { id: string; userName: string }[]> {
  const result = new Map<string, { id: string; userName: string }[]>(groupIds.map((id) => [id, []]));
  for (const row of rows) result.get(row.group_id)?.push({ id: row.id, userName: row.user_name });
  return result;
}

/** One page of a group's members in id order, after `afterId` (keyset: each page is one index range). */
export async function memberPage(db: Db, orgId: string, groupId: string, afterId: string | undefined, limit: number): Promise<{ id: string; userName: string }[]> {
  let query = db.selectFrom('group_members as x')
    .innerJoin('members as m', (join) => join.onRef('m.org_id', '=', 'x.org_id').onRef('m.id', '=', 'x.member_id'))
    .select(['m.id', 'm.user_name'])
    .where('x.org_id', '=', orgId).where('x.group_id', '=', groupId);
  if (afterId !== undefined) query = query.where('x.member_id', '>', afterId);
  const rows = await query.orderBy('x.member_id').limit(limit).execute();
  return rows.map((row) => ({ id: row.id, userName: row.user_name }));
}

export interface GroupColumns { displayName: string; externalId: string | null; attributes: Record<string, unknown> }

export async function insertGroup(db: Db, orgId: string, fields: GroupColumns): Promise<string> {
  try {
    const row = await db.insertInto('groups').values({
      org_id: orgId, display_name: fields.displayName, external_id: fields.externalId, attributes: JSON.stringify(fields.attributes),
    }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  } catch (error) {
    throw translatePgError(error);
  }
}

/** Writes the group's own attributes (or only bumps its version when `fields` is undefined); returns the new version. */
export async function updateGroup(db: Db, orgId: string, id: string, fields: GroupColumns | undefined): Promise<number> {
  try {
    const row = await db.updateTable('groups').set({
      ...(fields ? { display_name: fields.displayName, external_id: fields.externalId, attributes: JSON.stringify(fields.attributes) } : {}),
      version: sql`version + 1`,
      updated_at: sql`now()`,
    }).where('org_id', '=', orgId).where('id', '=', id).returning('version').executeTakeFirstOrThrow();
    return row.version;
  } catch (error) {
    throw translatePgError(error);
  }
}

/** Ids among `ids` that name no member of the organization. */
export async function unknownMemberIds(db: Db, orgId: string, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const found = await db.selectFrom('members').select('id')
    .where('org_id', '=', orgId).where('id', '=', sql<string>`any(${unique}::uuid[])`).execute();
  const known = new Set(found.map((row) => row.id));
  return unique.filter((id) => !known.has(id));
}

/** Adds members; existing ones are left alone (adding a member twice is a no-op). Returns the added ids. */
export async function addMembers(db: Db, orgId: string, groupId: string, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const rows = await sql<{ member_id: string }>`
    insert into group_members (org_id, group_id, member_id)
    select ${orgId}::uuid, ${groupId}::uuid, m.id from members m
    where m.org_id = ${orgId}::uuid and m.id = any(${unique}::uuid[])
    on conflict do nothing
    returning member_id`.execute(db);
  return rows.rows.map((row) => row.member_id);
}

export async function removeMembers(db: Db, orgId: string, groupId: string, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const rows = await db.deleteFrom('group_members')
    .where('org_id', '=', orgId).where('group_id', '=', groupId).where('member_id', '=', sql<string>`any(${unique}::uuid[])`)
    .returning('member_id').execute();
  return rows.map((row) => row.member_id);
}

/** Removes every member not in `keep` (all of them when `keep` is empty). */
export async function removeMembersExcept(db: Db, orgId: string, groupId: string, keep: string[]): Promise<string[]> {
  let query = db.deleteFrom('group_members').where('org_id', '=', orgId).where('group_id', '=', groupId);
  if (keep.length > 0) query = query.where('member_id', '<>', sql<string>`all(${[...new Set(keep)]}::uuid[])`);
  const rows = await query.returning('member_id').execute();
  return rows.map((row) => row.member_id);
}

/** Deletes the group; returns who were its members. */
export async function deleteGroup(db: Db, orgId: string, id: string): Promise<string[]> {
  const members = await db.selectFrom('group_members').select('member_id').where('org_id', '=', orgId).where('group_id', '=', id).execute();
  await db.deleteFrom('groups').where('org_id', '=', orgId).where('id', '=', id).execute();
  return members.map((row) => row.member_id);
}

export type MemberDeltaOutcome =
  | { kind: 'applied'; version: number; changed: string[] }
  | { kind: 'orgNotWritable' }
  | { kind: 'notFound' }
  | { kind: 'mapped' }
  | { kind: 'unknownMembers'; unknown: string[] };

/**
 * Adds and removes members (disjoint id sets) of an unmapped group in ONE statement, run on its
 * own (autocommit), and bumps the group's version when a row changed. Nothing is written when
 * the group is gone, is mapped to a seat type (the caller then takes the gate's path), or an id
 * to add names no member. The group's key row (`group_keys`, never updated) is locked
 * `FOR KEY SHARE`: a delete or a transaction that checks If-Match waits for us (they lock it FOR
 * UPDATE), other membership changes do not. The group row itself is only read and, as the last
 * step, updated: never locked by a reader, so its versions carry no multixacts (decision 0022).
 * Concurrent changes of one group serialize only from that update to their commit.
 */
export async function applyMemberDelta(db: Db, orgId: string, groupId: string, add: string[], remove: string[], today: string): Promise<MemberDeltaOutcome> {
  // Another change of this group in flight in this process: the version row is contended, and
  // its lock should not be held through our commit's WAL flush (hot-row-commits.ts).
  return changesInFlight.run(`${orgId}/${groupId}`, (contended) => memberDeltaWithRetries(db, orgId, groupId, add, remove, today, contended));
}

/** Plain membership changes in flight in this process, per organization/group. */
const changesInFlight = new InFlight();

async function memberDeltaWithRetries(db: Db, orgId: string, groupId: string, add: string[], remove: string[], today: string, contended: boolean): Promise<MemberDeltaOutcome> {
  // The statement is atomic, so running it again is safe: after a deadlock with a transaction
  // that locks the same member rows, or a foreign-key failure because a user was deleted between
  // our read and our insert (the next run reports it as unknown).
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await memberDeltaOnce(db, orgId, groupId, [...new Set(add)], [...new Set(remove)], today, contended);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 3 || !code || !['40P01', '40001', '23503'].includes(code)) throw translatePgError(error);
    }
  }
}

/**
 * Every change updates the group's version row and holds its lock until its commit ends; under
 * contention the statement commits without holding it through the WAL flush, and the change is
 * made durable by `flushCommitted` before we answer (decision 0030, storage/hot-row-commits.ts).
 * Alone, one statement and one round trip.
 */
async function memberDeltaOnce(db: Db, orgId: string, groupId: string, adds: string[], removes: string[], today: string, asyncCommit: boolean): Promise<MemberDeltaOutcome> {
  // A named prepared statement (decision 0016): its text never varies, and planning these five
  // statements at every PATCH cost about as much as running them (decision 0022). Every value the
  // planner could estimate from is hidden from it (`hiddenFromPlanner`, decision 0032): a custom plan then
  // costs what the cached generic plan costs, so PostgreSQL keeps the generic one after five
  // executions on each connection instead of planning every change again.
  const org = hiddenFromPlanner(orgId, 'uuid');
  const { rows } = await db.executeQuery(prepared(sql<{ writable: boolean; found_group: boolean; mapped: boolean; version: number | null; known: string[] | null; changed: string[] | null; bumped: number | null }>`
    with o as (
      -- The organization's writability, in the same round trip (orgWritableOn).
      select ${orgWritableOn(today)} as writable
        from organizations o where o.id = ${org}
    ),
    k as (select k.id from group_keys k where k.org_id = ${org} and k.id = ${hiddenFromPlanner(groupId, 'uuid')} and (select writable from o) for key share),
    g as (
      select g.id, g.version,
             exists (select 1 from group_mappings gm where gm.org_id = g.org_id and gm.idp_group_id in (g.id::text, g.external_id)) as mapped
        from groups g where g.org_id = ${org} and g.id = (select id from k)
    ),
    known as (select m.id from members m where m.org_id = ${org} and m.id = any(${hiddenFromPlanner(adds, 'uuid[]')})),
    go as (select g.id from g where not g.mapped and (select count(*) from known) = ${hiddenFromPlanner(adds.length, 'int')}),
    ins as (
      insert into group_members (org_id, group_id, member_id)
      select ${orgId}::uuid, go.id, known.id from go, known
      on conflict do nothing returning member_id
    ),
    del as (
      delete from group_members x using go
       where x.org_id = ${org} and x.group_id = go.id and x.member_id = any(${hiddenFromPlanner(removes, 'uuid[]')})
      returning x.member_id
    ),
    bump as (
      update groups set version = version + 1, updated_at = greatest(updated_at, now())
       where org_id = ${org} and id = (select id from go) and (exists (select 1 from ins) or exists (select 1 from del))
      returning version
    )
    select coalesce((select writable from o), false) as writable, exists (select 1 from g) as found_group, coalesce((select mapped from g), false) as mapped, (select version from g) as version,
           (select array_agg(id) from known) as known,
           (select array_agg(member_id) from (select member_id from ins union all select member_id from del) c) as changed,
           (select version from bump) as bumped,
           ${commitWithoutFlushWaitIf(asyncCommit)} as commit_mode`.compile(db)));
  const row = rows[0]!;
  if (!row.writable) return { kind: 'orgNotWritable' };
  if (!row.found_group) return { kind: 'notFound' };
  if (row.mapped) return { kind: 'mapped' };
  const known = new Set(row.known ?? []);
  if (known.size < adds.length) return { kind: 'unknownMembers', unknown: adds.filter((id) => !known.has(id)) };
  if (asyncCommit && row.bumped !== null) await flushCommitted(db);
  return { kind: 'applied', version: row.bumped ?? row.version!, changed: row.changed ?? [] };
}
