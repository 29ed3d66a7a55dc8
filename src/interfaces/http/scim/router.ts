// /scim/v2 for every organization: the organization comes from the bearer token, never from
// the URL (one path for all tenants). Assembled from the list of resource handlers.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../../../config.js';
import type { Logger } from '../../../observability/logger.js';
import type { ServiceContext } from '../../../services/context.js';
import type { ScimCaller } from '../../../services/scim/common.js';
import { errorBody, ScimError, scimNotFound, badRequest, toScimError } from '../../../protocol/scim/errors.js';
import { LIST_RESPONSE_SCHEMA, SEARCH_REQUEST_SCHEMA, parseListQuery, type ListQuery } from '../../../protocol/scim/list.js';
import { parseProjection } from '../../../protocol/scim/projection.js';
import { etagOf } from '../../../protocol/scim/representation.js';
import { MAX_PAYLOAD_BYTES, resourceTypes, schemas, serviceProviderConfig } from '../../../protocol/scim/discovery.js';
import type { PatchDialect } from '../../../protocol/scim/patch/index.js';
import { compileFilter, ScimFilterError } from '../../../protocol/scim/filter/index.js';
import type { RequireBearer } from '../auth.js';
import { RESOURCE_HANDLERS, type ScimResourceHandler, type ScimView } from './resource-types.js';
import { callerOf, scimBaseUrl, scimUnauthorized, sendScim, sendScimError, sendScimInPages, sendScimJson, sendScimListInPages } from './respond.js';
import { bulkRoute } from './bulk.js';
import { handle } from '../handle.js';
import { InputRejected, jsonInput } from '../input.js';
import { retryLaterOn, UNAVAILABLE_MESSAGE } from '../unavailable.js';


const JSON_TYPES = ['application/scim+json', 'application/json', 'application/*+json'];

/** Entra's flag dialect (`?aadOptscim062020`), whatever its case. */
const dialectOf = (req: Request): PatchDialect =>
  (Object.keys(req.query).some((key) => key.toLowerCase() === 'aadoptscim062020') ? 'aadOptscim062020' : 'default');

const header = (req: Request, name: string) => req.get(name) ?? undefined;
const queryText = (req: Request, name: string) => {
  const value = Object.entries(req.query).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  return typeof value === 'string' ? value : undefined;
};

export function scimRouter(ctx: ServiceContext, config: Config, requireBearer: RequireBearer, logger: Logger): Router {
  const router = Router();
  router.use(requireBearer('scim', scimUnauthorized));
  // The per-token rate limit comes with authentication (../auth.ts).
  // RFC 7644 §3.1: bodies are application/scim+json; plain JSON is accepted too.
  router.use((req, res, next) => {
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return next();
    const contentType = req.get('content-type');
    const hasBody = req.get('content-length') !== undefined && req.get('content-length') !== '0' || req.get('transfer-encoding') !== undefined;
    if (hasBody && contentType && !req.is(JSON_TYPES)) {
      return sendScimError(res, new ScimError(415, `Send the body as application/scim+json, not ${contentType}.`));
    }
    next();
  });
  router.use(jsonInput({ type: (req) => !req.headers['content-type'] || Boolean(express.request.is.call(req as Request, JSON_TYPES)), limit: MAX_PAYLOAD_BYTES }));

  // The resources first: an IdP's lookups and writes match without walking the discovery routes
  // (no path of one is a path of the other; decision 0029).
  for (const handler of RESOURCE_HANDLERS) mountResource(router, ctx, config, handler);

  const origin = (req: Request) => scimBaseUrl(req, config.server.publicUrl).replace(/\/scim\/v2$/, '');

  // Discovery (RFC 7644 §4). Unknown query parameters are ignored.
  // /serviceConfiguration: the path of Microsoft's SCIM reference server, which its published
  // test collection calls; the same document (RFC 7644 §4 names /ServiceProviderConfig).
  router.get(['/ServiceProviderConfig', '/serviceConfiguration'], handle(async (req, res) => sendScim(res, 200, await serviceProviderConfig(origin(req)))));
  router.get('/Schemas', handle(async (req, res) => sendScim(res, 200, await schemas(origin(req)))));
  router.get('/Schemas/:id', handle(async (req, res) => sendScim(res, 200, await discoveryOne(() => schemas(origin(req), String(req.params.id)), 'Schema', req.params.id))));
  router.get('/ResourceTypes', handle(async (req, res) => sendScim(res, 200, await resourceTypes(origin(req)))));
  router.get('/ResourceTypes/:id', handle(async (req, res) => sendScim(res, 200, await discoveryOne(() => resourceTypes(origin(req), String(req.params.id)), 'ResourceType', req.params.id))));

  // RFC 7644 §3.11: /Me is for a subject that is a user; organization tokens are not users.
  router.all(['/Me', '/Me/*rest'], (_req, res) => {
    sendScimError(res, new ScimError(501, '/Me is not supported: SCIM tokens belong to an organization, not to a user.'));
  });

  router.post('/Bulk', bulkRoute(ctx, config));

  router.post('/.search', handle(async (req, res) => {
    const query = searchQuery(req.body);
    sendScim(res, 200, await searchAll(ctx, callerOf(res), query, scimBaseUrl(req, config.server.publicUrl)));
  }));

  router.use((_req, res) => sendScimError(res, scimNotFound('No such SCIM endpoint.')));
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof InputRejected) {
      return sendScimError(res, badRequest(error.problem === 'syntax' ? 'invalidSyntax' : 'invalidValue', error.message));
    }
    const scimError = toScimError(error);
    if (scimError) return sendScimError(res, scimError);
    if (retryLaterOn(error, res)) {
      logger.warn('SCIM request found the database unavailable', { requestId: res.locals.requestId, orgId: res.locals.orgId, path: req.path, error: String(error) });
      return sendScim(res, 503, errorBody(503, UNAVAILABLE_MESSAGE));
    }
    logger.error('SCIM request failed', { requestId: res.locals.requestId, orgId: res.locals.orgId, path: req.path, error: String((error as Error)?.stack ?? error) });
    sendScim(res, 500, errorBody(500, `Internal error; the request id is ${res.locals.requestId}.`));
  });
  return router;
}

async function discoveryOne(read: () => Promise<unknown>, what: string, id: unknown) {
  try {
    return await read();
  } catch (error) {
    if ((error as { status?: number }).status === 404) throw scimNotFound(`${what} ${String(id)} not found`);
    throw error;
  }
}

function searchQuery(body: unknown): ListQuery {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('invalidSyntax', 'A search needs a SearchRequest body.');
  const schemasList = (body as { schemas?: unknown }).schemas;
  if (!Array.isArray(schemasList) || !schemasList.includes(SEARCH_REQUEST_SCHEMA)) {
    throw badRequest('invalidSyntax', `"schemas" must list ${SEARCH_REQUEST_SCHEMA}.`);
  }
  return parseListQuery(body as Record<string, unknown>);
}

function listResponse(query: ListQuery, total: number, resources: unknown[], nextCursor?: string) {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: total,
    itemsPerPage: resources.length,
    ...(query.cursor === undefined ? { startIndex: query.startIndex } : {}),
    ...(nextCursor ? { nextCursor } : {}),
    Resources: resources,
  };
}

async function listOf(ctx: ServiceContext, caller: ScimCaller, handler: ScimResourceHandler, query: ListQuery, baseUrl: string) {
  const projection = parseProjection(handler.type, query.attributes, query.excludedAttributes);
  const page = await handler.list(ctx, caller, query, projection.wants(handler.related));
  return { total: page.total, nextCursor: page.nextCursor, resources: page.views.map((view) => projection.apply(handler.render(view, baseUrl))) };
}

/** Whether a filter is valid for a resource type (root searches span types). */
function filterFits(type: ScimResourceHandler['type'], filter: string | undefined): boolean {
  if (filter === undefined) return true;
  try {
    compileFilter(type, filter);
    return true;
  } catch (error) {
    if (error instanceof ScimFilterError) return false;
    throw error;
  }
}

/**
 * Root-level search (RFC 7644 §3.4.3) over Users then Groups, paged across both. A filter that
 * names attributes of only one type searches that type; one valid for neither is invalidFilter.
 */
async function searchAll(ctx: ServiceContext, caller: ScimCaller, query: ListQuery, baseUrl: string) {
  if (query.cursor !== undefined) throw badRequest('invalidValue', 'Cursor pagination is not supported on the root search; search /Users or /Groups.');
  const handlers = RESOURCE_HANDLERS.filter((handler) => filterFits(handler.type, query.filter));
  if (handlers.length === 0) compileFilter('User', query.filter ?? ''); // throws the filter's error
  let total = 0;
  let skip = query.startIndex - 1;
  const resources: unknown[] = [];
  for (const handler of handlers) {
    const page = await listOf(ctx, caller, handler, { ...query, startIndex: skip + 1, count: query.count - resources.length }, baseUrl);
    resources.push(...page.resources);
    total += page.total;
    skip = Math.max(skip - page.total, 0);
  }
  return listResponse(query, total, resources);
}

const notModified = (ifNoneMatch: string, etag: string) =>
  ifNoneMatch.split(',').map((t) => t.trim()).some((t) => t === '*' || t === etag || `W/${t}` === etag);

function mountResource(router: Router, ctx: ServiceContext, config: Config, handler: ScimResourceHandler): void {
  const base = `/${handler.endpoint}`;
  const baseUrl = (req: Request) => scimBaseUrl(req, config.server.publicUrl);
  const projectionOf = (req: Request) => parseProjection(handler.type, queryText(req, 'attributes'), queryText(req, 'excludedAttributes'));
  const idOf = (req: Request) => String(req.params.id);

  // Without attributes/excludedAttributes, a resource whose related list can be long (a group's
  // members) is written page by page from one snapshot; a projection takes the whole-body path.
  const inPages = (req: Request) => handler.readInPages !== undefined
    && queryText(req, 'attributes') === undefined && queryText(req, 'excludedAttributes') === undefined;
  const sendInPages = (req: Request, res: Response, status: number, id: string, ifNoneMatch?: string) =>
    handler.readInPages!(ctx, callerOf(res), id, baseUrl(req), async (view, rendered, related) => {
      const etag = etagOf(view.version);
      if (ifNoneMatch && notModified(ifNoneMatch, etag)) {
        res.status(304).setHeader('ETag', etag);
        res.end();
        return;
      }
      await sendScimInPages(res, status, rendered, handler.related, related, { ETag: etag });
    });

  /** `written`: the resource as the write answered it, when it did (no read after the write). */
  const sendResource = async (req: Request, res: Response, status: number, id: string, written?: ScimView) => {
    if (!written && inPages(req)) return sendInPages(req, res, status, id);
    const projection = projectionOf(req);
    const view = written ?? await handler.get(ctx, callerOf(res), id, projection.wants(handler.related));
    sendScim(res, status, projection.apply(handler.render(view, baseUrl(req))), { ETag: etagOf(view.version) });
  };

  // A list page whose related lists may be long (groups with their members) is written piece by
  // piece when they are (projections take the whole-body path, as for one resource).
  const sendList = async (res: Response, query: ListQuery, url: string) => {
    if (handler.listInPages !== undefined && query.attributes === undefined && query.excludedAttributes === undefined) {
      const projection = parseProjection(handler.type);
      return handler.listInPages(ctx, callerOf(res), query, url, async ({ total, nextCursor, rendered, relatedOf }) => {
        const resources = rendered.map((resource) => projection.apply(resource));
        if (!relatedOf) return sendScim(res, 200, listResponse(query, total, resources, nextCursor));
        await sendScimListInPages(res, listResponse(query, total, resources, nextCursor), resources, handler.related, relatedOf);
      });
    }
    const projection = parseProjection(handler.type, query.attributes, query.excludedAttributes);
    if (projection.plain && handler.renderJson) {
      // The default answer, each resource written as JSON text directly (decision 0027).
      const page = await handler.list(ctx, callerOf(res), query, true);
      let resources = '';
      for (let i = 0; i < page.views.length; i++) resources += (i > 0 ? ',' : '') + handler.renderJson(page.views[i]!, url);
      // `Resources` is the list's last member: its `[]}` becomes the resources written.
      const head = JSON.stringify(listResponse(query, page.total, new Array(page.views.length), page.nextCursor));
      return sendScimJson(res, 200, `${head.slice(0, head.lastIndexOf("["))}[${resources}]}`);
    }
    const page = await listOf(ctx, callerOf(res), handler, query, url);
    sendScim(res, 200, listResponse(query, page.total, page.resources, page.nextCursor));
  };

  router.get(base, handle(async (req, res) => {
    await sendList(res, parseListQuery(req.query as Record<string, unknown>), baseUrl(req));
  }));

  router.post(`${base}/.search`, handle(async (req, res) => {
    await sendList(res, searchQuery(req.body), baseUrl(req));
  }));

  router.get(`${base}/:id`, handle(async (req, res) => {
    const ifNoneMatch = header(req, 'if-none-match');
    if (inPages(req)) return sendInPages(req, res, 200, idOf(req), ifNoneMatch);
    const projection = projectionOf(req);
    const view = await handler.get(ctx, callerOf(res), idOf(req), projection.wants(handler.related));
    const etag = etagOf(view.version);
    if (ifNoneMatch && notModified(ifNoneMatch, etag)) {
      res.status(304).setHeader('ETag', etag);
      res.end();
      return;
    }
    sendScim(res, 200, projection.apply(handler.render(view, baseUrl(req))), { ETag: etag });
  }));

  router.post(base, handle(async (req, res) => {
    const view = await handler.create(ctx, callerOf(res), req.body);
    const rendered = handler.render(view, baseUrl(req));
    sendScim(res, 201, projectionOf(req).apply(rendered), {
      ETag: etagOf(view.version), Location: String((rendered.meta as { location: string }).location),
    });
  }));

  router.put(`${base}/:id`, handle(async (req, res) => {
    const { view } = await handler.replace(ctx, callerOf(res), idOf(req), req.body, header(req, 'if-match'), projectionOf(req).wants(handler.related));
    await sendResource(req, res, 200, idOf(req), view);
  }));

  router.patch(`${base}/:id`, handle(async (req, res) => {
    const asked = queryText(req, 'attributes') !== undefined || queryText(req, 'excludedAttributes') !== undefined;
    const noContent = handler.patchAnswersNoContent && !asked;
    const written = await handler.patch(ctx, callerOf(res), idOf(req), req.body, dialectOf(req), header(req, 'if-match'), !noContent && projectionOf(req).wants(handler.related));
    if (noContent) {
      // The version the change produced, when the handler says it (no read after the write).
      const version = written.view?.version ?? written.version ?? (await handler.get(ctx, callerOf(res), idOf(req), false)).version;
      res.status(204).setHeader('ETag', etagOf(version));
      res.end();
      return;
    }
    await sendResource(req, res, 200, idOf(req), written.view);
  }));

  router.delete(`${base}/:id`, handle(async (req, res) => {
    await handler.remove(ctx, callerOf(res), idOf(req), header(req, 'if-match'));
    res.status(204).end();
  }));
}
