// SCIM Users: every write that can give a seat goes through the seat gate in the same
// transaction (create, reactivation, app-role changes); deactivation and deletion release it.
import { isUuid } from '../../domain/ids.js';
import type { ListQuery } from '../../protocol/scim/list.js';
import { decodeCursor, encodeCursor } from '../../protocol/scim/list.js';
import { badRequest } from '../../protocol/scim/errors.js';
import { DomainError } from '../../domain/errors.js';
import { compileFilter, sortKey } from '../../protocol/scim/filter/index.js';
import { applyPatch, normalizePatchRequest, type PatchDialect } from '../../protocol/scim/patch/index.js';
import {
  userFieldsFromBody, userFieldsFromResource, userPatchDocument, type UserFields, type UserView,
} from '../../protocol/scim/representation.js';
import type { Db } from '../../storage/database.js';
import * as users from '../../storage/scim-users.js';
import { lockMember, writeMemberSeat } from '../../storage/seats.js';
import { findTombstoneById } from '../../storage/access.js';
import { jsonEqual } from '../../protocol/scim/patch/json.js';
import { admit, reevaluate, release, type GateOrg } from '../seats/seat-gate.js';
import { gatedTransaction, insertMemberThroughGate, refusalError, SeatRefused } from '../seats/members.js';
import type { ServiceContext } from '../context.js';
import { afterSeatsChanged, isAlerting, thenCheckSeats } from '../seats/monitoring.js';
import { checkIfMatch, notFoundError, writableOrg, type ScimCaller } from './common.js';

export type UserViewType = UserView;

export async function getUser(ctx: ServiceContext, caller: ScimCaller, id: string, wantGroups: boolean): Promise<UserView> {
  const view = isUuid(id) ? await users.findUser(ctx.db, caller.orgId, id, { withGroups: wantGroups }) : undefined;
  if (!view) throw await userNotFound(ctx.db, caller.orgId, id);
  return view;
}

/**
 * 404 for a user id, saying so when an admin removed that member (services/access/removal.ts):
 * the IdP's next push of a removed member is a 404, never a member brought back with a seat.
 */
async function userNotFound(db: Db, orgId: string, id: string): Promise<DomainError> {
  const removed = isUuid(id) ? await findTombstoneById(db, orgId, id) : undefined;
  if (!removed) return notFoundError('User', id);
  return new DomainError('not_found', `User ${id} not found: an admin removed this member from the organization on `
    + `${removed.removed_at.toISOString()}; a new create (POST) makes a new member, held unassigned until an admin assigns a seat.`);
}

export interface UserList { total: number; views: UserView[]; nextCursor?: string }

export async function listUsers(ctx: ServiceContext, caller: ScimCaller, query: ListQuery, wantGroups: boolean): Promise<UserList> {
  const where = query.filter === undefined ? undefined : compileFilter('User', query.filter);
  if (query.cursor !== undefined) {
    if (query.sortBy !== undefined) throw badRequest('invalidValue', 'sortBy cannot be combined with cursor pagination: cursors follow id order.');
    const after = decodeCursor(query.cursor);
    const [page, total] = await Promise.all([
      users.listUsersAfter(ctx.db, caller.orgId, where, after, query.count, wantGroups),
      users.countUsers(ctx.db, caller.orgId, where),
    ]);
    const last = page.views[page.views.length - 1];
    return {
      total, views: page.views,
      ...(page.more && last ? { nextCursor: encodeCursor(last.id) } : {}),
    };
  }
  const sort = query.sortBy === undefined ? undefined : { key: sortKey('User', query.sortBy), descending: query.descending };
  return users.listUsers(ctx.db, caller.orgId, where, sort, query.startIndex - 1, query.count, wantGroups);
}

export async function createUser(ctx: ServiceContext, caller: ScimCaller, body: unknown): Promise<UserView> {
  const fields = userFieldsFromBody(body);
  let threshold = 0;
  const result = await gatedTransaction(ctx, caller.orgId, { subject: fields.userName, trigger: 'scim_create', actor: caller.actor },
    async (trx, run) => {
      const org = await writableOrg(trx, ctx, caller.orgId, { withSeats: true, takeTombstones: { userName: fields.userName, externalId: fields.externalId } });
      threshold = org.settings.utilizationAlertThreshold;
      return insertMemberThroughGate(trx, ctx, caller.orgId, {
        userName: fields.userName, externalId: fields.externalId, active: fields.active ?? true,
        attributes: fields.attributes, source: 'scim',
      }, 'scim_create', caller.actor, { org, seatAtCommit: run.seatAtCommit });
    });
  // The alert check after commit (monitoring.ts), unless the create left its seat type below
  // the threshold: a create only raises one type's use, so it cannot cross upward then, and
  // re-arming belongs to the change that lowered the use. A seat taken at commit knows its type's
  // use as read plus one, a lower bound: a crossing made by creates committing at once is then
  // alerted by the next create of the type, or by the periodic sweep (sweepSeatAlerts).
  const usage = result.ok && result.value.admission?.outcome === 'assigned' ? result.value.admission.usage : undefined;
  if (!usage || isAlerting(usage.assigned, usage.allocated, threshold)) void afterSeatsChanged(ctx, caller.orgId);
  if (!result.ok) throw refusalError(result.admission);
  // A member no one rewrote is shown as inserted (a new member is in no group); otherwise read.
  if (result.value.user) return { ...users.toView(result.value.user), groups: [] };
  return getUser(ctx, caller, result.value.memberId, true);
}

const appRoles = (attributes: Record<string, unknown>) => attributes.roles;

/**
 * Writes a changed user: seat effects of `active` (deactivation releases; reactivation runs the
 * gate, or returns an admin-unassigned member to `unassigned`), and re-evaluation when the
 * Entra app roles that select seat types changed.
 */
async function applyUserChange(trx: Db, org: GateOrg, caller: ScimCaller, current: UserView, fields: UserFields): Promise<void> {
  const active = fields.active ?? current.active; // a PUT without "active" is not a deactivation
  await users.updateUser(trx, caller.orgId, current.id, { userName: fields.userName, externalId: fields.externalId, active, attributes: fields.attributes });
  if (current.active && !active) {
    await release(trx, org, current.id, 'inactive', 'scim_deactivate', caller.actor);
  } else if (!current.active && active) {
    const member = await lockMember(trx, caller.orgId, current.id);
    if (member?.unassigned_by_admin) {
      await writeMemberSeat(trx, caller.orgId, current.id, { seatState: 'unassigned', seatType: null, reason: { kind: 'admin', trigger: 'scim_reactivate' } });
    } else {
      const admission = await admit(trx, org, current.id, 'scim_reactivate', caller.actor);
      if (admission.outcome === 'refused') throw new SeatRefused(admission);
    }
  } else if (active && !jsonEqual(appRoles(current.attributes), appRoles(fields.attributes))) {
    await reevaluate(trx, org, current.id, 'scim_update', caller.actor);
  }
}

async function changeUser(
  ctx: ServiceContext, caller: ScimCaller, id: string, ifMatch: string | undefined,
  compute: (current: UserView) => UserFields | undefined,
): Promise<{ view: UserView; changed: boolean }> {
  if (!isUuid(id)) throw notFoundError('User', id);
  const result = await thenCheckSeats(ctx, caller.orgId, gatedTransaction(ctx, caller.orgId, { subject: id, trigger: 'scim_reactivate', actor: caller.actor, memberId: id },
    async (trx) => {
      const org = await writableOrg(trx, ctx, caller.orgId);
      const current = await users.findUser(trx, caller.orgId, id, { forUpdate: true });
      if (!current) throw await userNotFound(trx, caller.orgId, id);
      checkIfMatch(current.version, ifMatch);
      const fields = compute(current);
      if (!fields) return false; // a no-op changes nothing, not even lastModified
      await applyUserChange(trx, org, caller, current, fields);
      return true;
    }));
  if (!result.ok) throw refusalError(result.admission);
  return { view: await getUser(ctx, caller, id, true), changed: result.value };
}

const sameUser = (current: UserView, fields: UserFields) =>
  current.userName === fields.userName && current.externalId === fields.externalId
  && (fields.active === undefined || fields.active === current.active) && jsonEqual(current.attributes, fields.attributes);

/** PUT: a full replace of what the client manages; id, created, seat data are never touched. */
export async function replaceUser(ctx: ServiceContext, caller: ScimCaller, id: string, body: unknown, ifMatch?: string) {
  return changeUser(ctx, caller, id, ifMatch, (current) => {
    const fields = userFieldsFromBody(body, userPatchDocument(current));
    return sameUser(current, fields) ? undefined : fields;
  });
}

export async function patchUser(ctx: ServiceContext, caller: ScimCaller, id: string, body: unknown, dialect: PatchDialect, ifMatch?: string) {
  const operations = normalizePatchRequest('User', body, { dialect });
  return changeUser(ctx, caller, id, ifMatch, (current) => {
    const document = userPatchDocument(current);
    const result = applyPatch('User', document, operations, { id: current.id });
    if (!result.changed) return undefined;
    const fields = userFieldsFromResource(result.resource, document);
    return sameUser(current, fields) ? undefined : fields; // e.g. only a password, which is not stored
  });
}

/** DELETE releases the seat (serving the pending queue) and removes the member. */
export async function deleteUser(ctx: ServiceContext, caller: ScimCaller, id: string, ifMatch?: string): Promise<void> {
  if (!isUuid(id)) throw notFoundError('User', id);
  await thenCheckSeats(ctx, caller.orgId, gatedTransaction(ctx, caller.orgId, { subject: id, trigger: 'scim_delete', actor: caller.actor }, async (trx) => {
    const org = await writableOrg(trx, ctx, caller.orgId);
    const current = await users.findUser(trx, caller.orgId, id, { forUpdate: true });
    if (!current) throw await userNotFound(trx, caller.orgId, id);
    checkIfMatch(current.version, ifMatch);
    const member = await lockMember(trx, caller.orgId, id);
    if (member?.role === 'primary_owner') {
      throw new DomainError('forbidden', 'The primary owner cannot be deleted by provisioning; transfer ownership first (POST /admin/v1/organization/transfer-ownership; deactivation is allowed).');
    }
    await release(trx, org, id, 'deleted', 'scim_delete', caller.actor);
    await users.deleteUser(trx, caller.orgId, id);
  }));
}
