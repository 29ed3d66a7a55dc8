// SCIM Groups. Membership changes run as SQL deltas (cost grows with the members changed, not
// with the group). A plain add/remove of an unmapped group is one statement that other
// membership changes do not wait for; everything else (If-Match, attributes, replacements,
// mapped groups) runs in a transaction holding the group row, and members whose mapped seat
// type may change are re-evaluated through the gate in it (decision 0017).
import { isUuid } from '../../domain/ids.js';
import { toIsoDate } from '../../domain/dates.js';
import { invalidInput } from '../../domain/errors.js';
import { decodeCursor, encodeCursor, type ListQuery } from '../../protocol/scim/list.js';
import { badRequest } from '../../protocol/scim/errors.js';
import { compileFilter, sortKey } from '../../protocol/scim/filter/index.js';
import { applyPatch, normalizePatchRequest, type MembershipDelta, type PatchDialect, type PatchOperation } from '../../protocol/scim/patch/index.js';
import { groupFieldsFromBody, groupFieldsFromResource, groupPatchDocument, type GroupView } from '../../protocol/scim/representation.js';
import { jsonEqual } from '../../protocol/scim/patch/json.js';
import type { Db } from '../../storage/database.js';
import * as groups from '../../storage/scim-groups.js';
import { groupIsMapped } from '../../storage/seats.js';
import { inSnapshot, inTransaction } from '../../storage/transactions.js';
import { reevaluate, type GateOrg } from '../seats/seat-gate.js';
import type { ServiceContext } from '../context.js';
import { thenCheckSeats } from '../seats/monitoring.js';
import { checkIfMatch, notFoundError, writableOrg, type ScimCaller } from './common.js';

async function withMembers(db: Db, orgId: string, views: GroupView[], wanted: boolean): Promise<GroupView[]> {
  if (!wanted) return views;
  const members = await groups.membersOfGroups(db, orgId, views.map((v) => v.id));
  return views.map((view) => ({ ...view, members: members.get(view.id) ?? [] }));
}

export type GroupViewType = GroupView;

export async function getGroup(ctx: ServiceContext, caller: ScimCaller, id: string, wantMembers: boolean): Promise<GroupView> {
  const view = isUuid(id) ? await groups.findGroup(ctx.db, caller.orgId, id) : undefined;
  if (!view) throw notFoundError('Group', id);
  return (await withMembers(ctx.db, caller.orgId, [view], wantMembers))[0]!;
}

const MEMBER_PAGE = 2000;

/**
 * The group and its members in pages, all from one snapshot (a read-only transaction held while
 * `use` runs): a body with 100,000 members is written page by page, never held whole.
 */
export async function readGroupInPages<T>(
  ctx: ServiceContext, caller: ScimCaller, id: string,
  use: (view: GroupView, pages: () => AsyncGenerator<{ id: string; userName: string }[]>) => Promise<T>,
): Promise<T> {
  if (!isUuid(id)) throw notFoundError('Group', id);
  return inSnapshot(ctx.db, async (trx) => {
    const view = await groups.findGroup(trx, caller.orgId, id);
    if (!view) throw notFoundError('Group', id);
    return use(view, memberPages(trx, caller.orgId, id));
  });
}

type MemberPages = () => AsyncGenerator<{ id: string; userName: string }[]>;

function memberPages(trx: Db, orgId: string, id: string): MemberPages {
  return async function* pages() {
    for (let after: string | undefined; ;) {
      const page = await groups.memberPage(trx, orgId, id, after, MEMBER_PAGE);
      if (page.length > 0) yield page;
      if (page.length < MEMBER_PAGE) return;
      after = page[page.length - 1]!.id;
    }
  };
}

/**
 * A list page of groups with their members, for a body written piece by piece. When the page's
 * groups have at most MEMBER_PAGE members in all (the usual page), they are read in one query and
 * `use` gets the views with their members; otherwise `use` gets the views without members and
 * `pagesOf` to read each group's members in pages of MEMBER_PAGE from one snapshot (held while
 * `use` runs), so that a page holding a 100,000-member group is never whole in memory.
 */
export async function listGroupsInPages<T>(
  ctx: ServiceContext, caller: ScimCaller, query: ListQuery,
  use: (page: { total: number; nextCursor?: string; views: GroupView[]; pagesOf?: (view: GroupView) => MemberPages }) => Promise<T>,
): Promise<T> {
  const page = await listGroups(ctx, caller, query, false);
  const members = await groups.membersOfGroupsUpTo(ctx.db, caller.orgId, page.views.map((v) => v.id), MEMBER_PAGE);
  if (members) return use({ ...page, views: page.views.map((view) => ({ ...view, members: members.get(view.id) ?? [] })) });
  return inSnapshot(ctx.db, (trx) => use({ ...page, pagesOf: (view) => memberPages(trx, caller.orgId, view.id) }));
}

export async function listGroups(ctx: ServiceContext, caller: ScimCaller, query: ListQuery, wantMembers: boolean) {
  const where = query.filter === undefined ? undefined : compileFilter('Group', query.filter);
  if (query.cursor !== undefined) {
    if (query.sortBy !== undefined) throw badRequest('invalidValue', 'sortBy cannot be combined with cursor pagination: cursors follow id order.');
    const [page, total] = await Promise.all([
      groups.listGroupsAfter(ctx.db, caller.orgId, where, decodeCursor(query.cursor), query.count),
      groups.countGroups(ctx.db, caller.orgId, where),
    ]);
    const last = page.views[page.views.length - 1];
    return {
      total, views: await withMembers(ctx.db, caller.orgId, page.views, wantMembers),
      ...(page.more && last ? { nextCursor: encodeCursor(last.id) } : {}),
    };
  }
  const sort = query.sortBy === undefined ? undefined : { key: sortKey('Group', query.sortBy), descending: query.descending };
  const page = await groups.listGroups(ctx.db, caller.orgId, where, sort, query.startIndex - 1, query.count);
  return { total: page.total, views: await withMembers(ctx.db, caller.orgId, page.views, wantMembers) };
}

function unknownMembersError(unknown: string[]) {
  const shown = unknown.slice(0, 5).join(', ') + (unknown.length > 5 ? `, … (${unknown.length} in all)` : '');
  return invalidInput(`No user with id ${shown} in this organization.`);
}

async function requireKnownMembers(trx: Db, orgId: string, ids: string[]): Promise<void> {
  const malformed = ids.filter((id) => !isUuid(id));
  const unknown = malformed.length > 0 ? malformed : await groups.unknownMemberIds(trx, orgId, ids);
  if (unknown.length > 0) throw unknownMembersError(unknown);
}

/** Applies membership deltas in order; returns the members whose membership changed. */
async function applyMembership(trx: Db, orgId: string, groupId: string, deltas: MembershipDelta[]): Promise<Set<string>> {
  const changed = new Set<string>();
  const note = (ids: string[]) => ids.forEach((id) => changed.add(id));
  for (const delta of deltas) {
    switch (delta.kind) {
      case 'add':
        await requireKnownMembers(trx, orgId, delta.ids);
        note(await groups.addMembers(trx, orgId, groupId, delta.ids));
        break;
      case 'remove':
        // Ids that are not members (or not even UUIDs) are simply not there to remove.
        note(await groups.removeMembers(trx, orgId, groupId, delta.ids.filter(isUuid)));
        break;
      case 'removeAll':
        note(await groups.removeMembersExcept(trx, orgId, groupId, []));
        break;
      case 'replaceAll':
        await requireKnownMembers(trx, orgId, delta.ids);
        note(await groups.removeMembersExcept(trx, orgId, groupId, delta.ids));
        note(await groups.addMembers(trx, orgId, groupId, delta.ids));
        break;
    }
  }
  return changed;
}

/** Members of a mapped group may move to another seat type; unmapped groups cost nothing here. */
async function reevaluateMembers(trx: Db, org: GateOrg, caller: ScimCaller, groupId: string, memberIds: Set<string>): Promise<void> {
  if (memberIds.size === 0 || !(await groupIsMapped(trx, caller.orgId, groupId))) return;
  for (const memberId of [...memberIds].sort()) await reevaluate(trx, org, memberId, 'group_change', caller.actor);
}

export async function createGroup(ctx: ServiceContext, caller: ScimCaller, body: unknown): Promise<GroupView> {
  const fields = groupFieldsFromBody(body);
  const id = await thenCheckSeats(ctx, caller.orgId, inTransaction(ctx.db, async (trx) => {
    const org = await writableOrg(trx, ctx, caller.orgId);
    const groupId = await groups.insertGroup(trx, caller.orgId, fields);
    const added = await applyMembership(trx, caller.orgId, groupId, fields.memberIds ? [{ kind: 'add', ids: fields.memberIds }] : []);
    await reevaluateMembers(trx, org, caller, groupId, added);
    return groupId;
  }));
  return getGroup(ctx, caller, id, true);
}

async function changeGroup(
  ctx: ServiceContext, caller: ScimCaller, id: string, ifMatch: string | undefined,
  compute: (current: GroupView) => { fields?: ReturnType<typeof groupFieldsFromResource>; membership: MembershipDelta[] },
): Promise<{ changed: boolean; version: number }> {
  if (!isUuid(id)) throw notFoundError('Group', id);
  return thenCheckSeats(ctx, caller.orgId, inTransaction(ctx.db, async (trx) => {
    const org = await writableOrg(trx, ctx, caller.orgId);
    const current = await groups.findGroup(trx, caller.orgId, id, true);
    if (!current) throw notFoundError('Group', id);
    checkIfMatch(current.version, ifMatch);
    const { fields, membership } = compute(current);
    const changedMembers = await applyMembership(trx, caller.orgId, id, membership);
    // a no-op changes nothing, not even lastModified
    if (!fields && changedMembers.size === 0) return { changed: false, version: current.version };
    const version = await groups.updateGroup(trx, caller.orgId, id, fields);
    await reevaluateMembers(trx, org, caller, id, changedMembers);
    return { changed: true, version };
  }));
}

const sameGroup = (current: GroupView, fields: ReturnType<typeof groupFieldsFromResource>) =>
  current.displayName === fields.displayName && current.externalId === fields.externalId && jsonEqual(current.attributes, fields.attributes);

/** PUT: replaces name and attributes; `members` replaces the membership when sent (omitted: kept). */
export async function replaceGroup(ctx: ServiceContext, caller: ScimCaller, id: string, body: unknown, ifMatch?: string) {
  const changed = await changeGroup(ctx, caller, id, ifMatch, (current) => {
    const { memberIds, ...fields } = groupFieldsFromBody(body, groupPatchDocument(current));
    return {
      fields: sameGroup(current, fields) ? undefined : fields,
      membership: memberIds === undefined ? [] : [{ kind: 'replaceAll', ids: memberIds }],
    };
  });
  return changed;
}

/**
 * The add and remove ids of a PATCH that only adds and removes members (what Entra and Okta send
 * for a membership change), when no id is both added and removed (then order would matter).
 */
function plainMembershipChange(operations: PatchOperation[]): { add: string[]; remove: string[] } | undefined {
  const add: string[] = [];
  const remove: string[] = [];
  for (const operation of operations) {
    if (operation.kind !== 'membership') return undefined;
    const { delta } = operation;
    if (delta.kind === 'add') add.push(...delta.ids);
    else if (delta.kind === 'remove') remove.push(...delta.ids);
    else return undefined;
  }
  const removed = new Set(remove);
  return add.some((id) => removed.has(id)) ? undefined : { add, remove };
}

export async function patchGroup(ctx: ServiceContext, caller: ScimCaller, id: string, body: unknown, dialect: PatchDialect, ifMatch?: string) {
  const operations = normalizePatchRequest('Group', body, { dialect });
  // The IdPs' membership change (one member in or out, usually) is one statement on its own:
  // no transaction, no read of the group, no lock that other membership changes wait for. A
  // mapped group, If-Match or anything else takes the transaction below (decision 0017).
  const plain = ifMatch === undefined && isUuid(id) ? plainMembershipChange(operations) : undefined;
  if (plain) {
    const malformed = plain.add.filter((member) => !isUuid(member));
    if (malformed.length > 0) throw unknownMembersError(malformed);
    // The statement checks the organization's writability itself (one round trip, not two);
    // when it says no, the domain's check gives the error (and, should they ever disagree, the
    // transaction below makes the change after its own check).
    const outcome = await groups.applyMemberDelta(ctx.db, caller.orgId, id, plain.add, plain.remove.filter(isUuid), toIsoDate(ctx.now()));
    if (outcome.kind === 'orgNotWritable') await writableOrg(ctx.db, ctx, caller.orgId);
    if (outcome.kind === 'notFound') throw notFoundError('Group', id);
    if (outcome.kind === 'unknownMembers') throw unknownMembersError(outcome.unknown);
    if (outcome.kind === 'applied') return { changed: outcome.changed.length > 0, version: outcome.version };
  }
  return changeGroup(ctx, caller, id, ifMatch, (current) => {
    const document = groupPatchDocument(current);
    const result = applyPatch('Group', document, operations, { id: current.id });
    return { fields: result.changed ? groupFieldsFromResource(result.resource, document) : undefined, membership: result.membership };
  });
}

export async function deleteGroup(ctx: ServiceContext, caller: ScimCaller, id: string, ifMatch?: string): Promise<void> {
  if (!isUuid(id)) throw notFoundError('Group', id);
  await thenCheckSeats(ctx, caller.orgId, inTransaction(ctx.db, async (trx) => {
    const org = await writableOrg(trx, ctx, caller.orgId);
    const current = await groups.findGroup(trx, caller.orgId, id, true);
    if (!current) throw notFoundError('Group', id);
    checkIfMatch(current.version, ifMatch);
    const mapped = await groupIsMapped(trx, caller.orgId, id);
    const former = await groups.deleteGroup(trx, caller.orgId, id);
    if (mapped) for (const memberId of former.sort()) await reevaluate(trx, org, memberId, 'group_change', caller.actor);
  }));
}
