// SCIM Users: every write that can give a seat goes through the seat gate in the same
// transaction (create, reactivation, app-role changes); deactivation and deletion release it.
import { isUuid } from '../../domain/ids.js';
import { toIsoDate } from '../../domain/dates.js';
import { orgHasEnded } from '../../domain/organization.js';
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
import { checkIfMatch, notFoundError, orgInactiveError, writableOrg, type ScimCaller } from './common.js';
import { createInOneStatement } from '../seats/one-statement-create.js';

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
  // The usual create is one statement (decision 0020); when it cannot be, it wrote nothing.
  const quick = fields.active === false ? undefined
    : await createInOneStatement(ctx, caller.orgId, { userName: fields.userName, externalId: fields.externalId, attributes: fields.attributes }, caller.actor);
  if (quick) {
    if (isAlerting(quick.usage.assigned, quick.usage.allocated, quick.alertThreshold)) void afterSeatsChanged(ctx, caller.orgId);
    return { ...users.toView(quick.user), groups: [] };
  }
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
 * Whether a change can move a seat: `active` flips, or an active user's app roles change.
 * storage/scim-users.ts replaceUserUnlessSeatsMove says the same in SQL: change both together.
 */
function movesSeats(current: UserView, fields: UserFields): boolean {
  const active = fields.active ?? current.active;
  return current.active !== active || (active && !jsonEqual(appRoles(current.attributes), appRoles(fields.attributes)));
}

/**
 * Writes a changed user: seat effects of `active` (deactivation releases; reactivation runs the
 * gate, or returns an admin-unassigned member to `unassigned`), and re-evaluation when the
 * Entra app roles that select seat types changed. Answers the user as written and whether seats
 * may have changed; a profile-only change (most of an IdP's PUTs) is one UPDATE … RETURNING.
 */
async function applyUserChange(
  trx: Db, org: GateOrg, caller: ScimCaller, current: UserView, fields: UserFields, withGroups: boolean,
): Promise<{ view: UserView; seatsChanged: boolean }> {
  const active = fields.active ?? current.active; // a PUT without "active" is not a deactivation
  const columns = { userName: fields.userName, externalId: fields.externalId, active, attributes: fields.attributes };
  if (!movesSeats(current, fields)) {
    const view = await users.updateUser(trx, caller.orgId, current.id, columns, { withGroups });
    if (!view) throw notFoundError('User', current.id); // locked: cannot happen
    return { view, seatsChanged: false };
  }
  await users.updateUser(trx, caller.orgId, current.id, columns);
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
  } else {
    await reevaluate(trx, org, current.id, 'scim_update', caller.actor);
  }
  // The seat columns were written after the UPDATE: read the user as it now is.
  const view = await users.findUser(trx, caller.orgId, current.id, { withGroups });
  if (!view) throw notFoundError('User', current.id);
  return { view, seatsChanged: true };
}

/**
 * A PUT or PATCH of one user; the answer is the user as written (no read after commit). A change
 * that moves no seat (a profile edit: most of an IdP's PUTs) is written optimistically, without a
 * transaction: read (the user and its organization's term, one statement), compute, then one
 * UPDATE … WHERE version = the version read … RETURNING — two statements (a no-op: one or two
 * reads; a PUT usually gets here only when its one-statement write did not apply, decision 0025).
 * Every write of a user's SCIM columns bumps its version, so a concurrent write (or a deletion)
 * makes that UPDATE match nothing, and the change is redone under the row lock. Seat moves
 * always run locked, through the gate. The utilization alert check runs only when seats may have
 * changed, never after a profile edit (decision 0019).
 */
async function changeUser(
  ctx: ServiceContext, caller: ScimCaller, id: string, ifMatch: string | undefined, withGroups: boolean,
  compute: (current: UserView) => UserFields | undefined, likelyNoOp = false,
): Promise<{ view: UserView; changed: boolean }> {
  if (!isUuid(id)) throw notFoundError('User', id);
  // The user and its organization's term in one unlocked read (decision 0025); its groups when a
  // no-op is likely (it answers them; a write answers them from its RETURNING).
  const read = await users.findUserWithOrgTerm(ctx.db, caller.orgId, id, withGroups && likelyNoOp);
  if (read) {
    if (orgHasEnded(read.org, toIsoDate(ctx.now()))) throw orgInactiveError();
    const seen = read.user;
    checkIfMatch(seen.version, ifMatch);
    const fields = compute(seen);
    // A no-op changes nothing, not even lastModified.
    if (!fields) {
      const view = withGroups && !seen.groups ? await users.findUser(ctx.db, caller.orgId, id, { withGroups }) : seen;
      return { view: view ?? seen, changed: false };
    }
    if (!movesSeats(seen, fields)) {
      const active = fields.active ?? seen.active;
      const view = await users.updateUser(ctx.db, caller.orgId, id,
        { userName: fields.userName, externalId: fields.externalId, active, attributes: fields.attributes },
        { withGroups, ifVersion: seen.version });
      if (view) return { view, changed: true };
    }
  }
  return changeUserLocked(ctx, caller, id, ifMatch, withGroups, compute);
}

/** The same change in one transaction, the user locked: seat moves, and lost races. */
async function changeUserLocked(
  ctx: ServiceContext, caller: ScimCaller, id: string, ifMatch: string | undefined, withGroups: boolean,
  compute: (current: UserView) => UserFields | undefined,
): Promise<{ view: UserView; changed: boolean }> {
  const result = await gatedTransaction(ctx, caller.orgId, { subject: id, trigger: 'scim_reactivate', actor: caller.actor, memberId: id },
    async (trx) => {
      const org = await writableOrg(trx, ctx, caller.orgId);
      // Locked without its groups: the write answers them (RETURNING); only a no-op reads them.
      const current = await users.findUser(trx, caller.orgId, id, { forUpdate: true });
      if (!current) throw await userNotFound(trx, caller.orgId, id);
      checkIfMatch(current.version, ifMatch);
      const fields = compute(current);
      // A no-op changes nothing, not even lastModified.
      if (!fields) {
        const view = withGroups ? await users.findUser(trx, caller.orgId, id, { withGroups }) : current;
        return { view: view ?? current, changed: false, seatsChanged: false };
      }
      return { ...(await applyUserChange(trx, org, caller, current, fields, withGroups)), changed: true };
    });
  if (!result.ok) {
    void afterSeatsChanged(ctx, caller.orgId);
    throw refusalError(result.admission);
  }
  if (result.value.seatsChanged) void afterSeatsChanged(ctx, caller.orgId);
  return { view: result.value.view, changed: result.value.changed };
}

/**
 * A PUT body's fields checked without the stored user; undefined when a check fails, since a
 * value the user already holds may pass (representation.ts checkLength) and errors keep their
 * order (403, 404, then 400): the path that reads decides.
 */
function fieldsIfValid(body: unknown): UserFields | undefined {
  try {
    return userFieldsFromBody(body);
  } catch {
    return undefined;
  }
}

/** A no-op; storage/scim-users.ts replaceUserUnlessSeatsMove says the same in SQL. */
const sameUser = (current: UserView, fields: UserFields) =>
  current.userName === fields.userName && current.externalId === fields.externalId
  && (fields.active === undefined || fields.active === current.active) && jsonEqual(current.attributes, fields.attributes);

/**
 * PUT: a full replace of what the client manages; id, created, seat data are never touched.
 * A PUT's fields do not depend on the user it replaces, so the common one (a profile change, no
 * If-Match: Okta's update) is first tried as one conditional UPDATE … RETURNING that writes only
 * when no seat moves, the change is not a no-op and the organization is writable (decision
 * 0025); anything else — a seat move, a no-op, an ended organization, a missing user, a body
 * whose check depends on the stored value — takes changeUser's path, which decides as before.
 */
export async function replaceUser(ctx: ServiceContext, caller: ScimCaller, id: string, body: unknown, ifMatch?: string, withGroups = true) {
  if (ifMatch === undefined && isUuid(id)) {
    const fields = fieldsIfValid(body);
    const view = fields && await users.replaceUserUnlessSeatsMove(ctx.db, caller.orgId, id, fields, toIsoDate(ctx.now()), withGroups);
    if (view) return { view, changed: true };
  }
  // After a write the UPDATE refused, a no-op (Okta echoing the user) is the likeliest reason.
  return changeUser(ctx, caller, id, ifMatch, withGroups, (current) => {
    const fields = userFieldsFromBody(body, userPatchDocument(current));
    return sameUser(current, fields) ? undefined : fields;
  }, ifMatch === undefined);
}

export async function patchUser(ctx: ServiceContext, caller: ScimCaller, id: string, body: unknown, dialect: PatchDialect, ifMatch?: string, withGroups = true) {
  const operations = normalizePatchRequest('User', body, { dialect });
  return changeUser(ctx, caller, id, ifMatch, withGroups, (current) => {
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
