// The SCIM resource types, each behind one interface; the router is assembled from this list.
import type { ResourceType } from '../../../protocol/scim/attributes.js';
import type { ListQuery } from '../../../protocol/scim/list.js';
import type { PatchDialect } from '../../../protocol/scim/patch/index.js';
import { groupMemberEntry, groupResource, userJson, userResource, type JsonObject } from '../../../protocol/scim/representation.js';
import type { ServiceContext } from '../../../services/context.js';
import type { ScimCaller } from '../../../services/scim/common.js';
import * as groups from '../../../services/scim/groups.js';
import * as users from '../../../services/scim/users.js';

export interface ScimResourceHandler {
  type: ResourceType;
  endpoint: string;
  /** The attribute that costs a query of its own (skipped when projected away). */
  related: 'groups' | 'members';
  /** RFC 7644 §3.5.2: a PATCH may answer 204 (200 with the resource when attributes are asked
   *  for). Entra expects it for groups and accepts it for users; Microsoft's collection expects
   *  it for both (decision 0009). */
  patchAnswersNoContent: boolean;
  get(ctx: ServiceContext, caller: ScimCaller, id: string, withRelated: boolean): Promise<ScimView>;
  list(ctx: ServiceContext, caller: ScimCaller, query: ListQuery, withRelated: boolean): Promise<{ total: number; views: ScimView[]; nextCursor?: string }>;
  create(ctx: ServiceContext, caller: ScimCaller, body: unknown): Promise<ScimView>;
  /** A write answers the resource as written when it has it (`withRelated` as for get), or at
   *  least the version it produced, so that the route does not read it again; with neither, the
   *  route reads it. */
  replace(ctx: ServiceContext, caller: ScimCaller, id: string, body: unknown, ifMatch?: string, withRelated?: boolean): Promise<Written>;
  patch(ctx: ServiceContext, caller: ScimCaller, id: string, body: unknown, dialect: PatchDialect, ifMatch?: string, withRelated?: boolean): Promise<Written>;
  remove(ctx: ServiceContext, caller: ScimCaller, id: string, ifMatch?: string): Promise<void>;
  render(view: ScimView, baseUrl: string): JsonObject;
  /** JSON.stringify of the default projection of render (withoutSecrets), written directly
   *  when the type knows how (a list page of users, decision 0027). */
  renderJson?(view: ScimView, baseUrl: string): string;
  /** The resource with its related list in pages (a group of 100,000 members), for a body
   *  written piece by piece; `use` runs while the snapshot is open. */
  readInPages?<T>(ctx: ServiceContext, caller: ScimCaller, id: string, baseUrl: string,
    use: (view: ScimView, rendered: JsonObject, related: AsyncIterable<JsonObject[]>) => Promise<T>): Promise<T>;
  /** A list page, for a body written piece by piece: `relatedOf` is given when the related
   *  lists were too long to read whole (then `rendered` lacks them and `use` runs while the
   *  snapshot they are read from is open); without it, `rendered` carries them. */
  listInPages?<T>(ctx: ServiceContext, caller: ScimCaller, query: ListQuery, baseUrl: string,
    use: (page: ListedInPages) => Promise<T>): Promise<T>;
}

export type ListedInPages = {
  total: number; nextCursor?: string; rendered: JsonObject[]; relatedOf?: (index: number) => AsyncIterable<JsonObject[]>;
};

export type ScimView = { id: string; version: number };
export type Written = { view?: ScimView; version?: number; changed?: boolean };

export const userHandler: ScimResourceHandler = {
  type: 'User', endpoint: 'Users', related: 'groups', patchAnswersNoContent: true,
  get: users.getUser, list: users.listUsers, create: users.createUser,
  replace: users.replaceUser, patch: users.patchUser, remove: users.deleteUser,
  render: (view, baseUrl) => userResource(view as users.UserViewType, baseUrl),
  renderJson: (view, baseUrl) => userJson(view as users.UserViewType, baseUrl),
};

export const groupHandler: ScimResourceHandler = {
  type: 'Group', endpoint: 'Groups', related: 'members', patchAnswersNoContent: true,
  get: groups.getGroup, list: groups.listGroups, create: groups.createGroup,
  replace: groups.replaceGroup, patch: groups.patchGroup, remove: groups.deleteGroup,
  render: (view, baseUrl) => groupResource(view as groups.GroupViewType, baseUrl),
  readInPages: (ctx, caller, id, baseUrl, use) => groups.readGroupInPages(ctx, caller, id, (view, pages) =>
    use(view, groupResource(view, baseUrl), (async function* entries() {
      for await (const page of pages()) yield page.map((member) => groupMemberEntry(member, baseUrl));
    })())),
  listInPages: (ctx, caller, query, baseUrl, use) => groups.listGroupsInPages(ctx, caller, query, ({ total, nextCursor, views, pagesOf }) => use({
    total, nextCursor, rendered: views.map((view) => groupResource(view, baseUrl)),
    relatedOf: pagesOf && ((index) => (async function* entries() {
      for await (const page of pagesOf(views[index]!)()) yield page.map((member) => groupMemberEntry(member, baseUrl));
    })()),
  })),
};

export const RESOURCE_HANDLERS: readonly ScimResourceHandler[] = [userHandler, groupHandler];
