// POST /Bulk (RFC 7644 §3.7): operations run in order through the same use cases as the single
// endpoints; `bulkId:` references are resolved to the ids created earlier in the request.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../../../config.js';
import type { ServiceContext } from '../../../services/context.js';
import { badRequest, errorBody, ScimError, toScimError } from '../../../protocol/scim/errors.js';
import { BULK_MAX_OPERATIONS } from '../../../protocol/scim/discovery.js';
import { etagOf } from '../../../protocol/scim/representation.js';
import { RESOURCE_HANDLERS } from './resource-types.js';
import { scimBaseUrl, sendScim } from './respond.js';
import { callerOf } from './respond.js';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

interface BulkOperation { method?: unknown; bulkId?: unknown; path?: unknown; data?: unknown; version?: unknown }

type Json = Record<string, unknown>;

/** Replaces every "bulkId:x" string in `value` by the id created for x; unknown ones are an error. */
function resolveReferences(value: unknown, created: Map<string, string>): unknown {
  if (typeof value === 'string' && value.startsWith('bulkId:')) {
    const id = created.get(value.slice('bulkId:'.length));
    if (!id) throw new ScimError(409, `${value} names no resource created earlier in this request.`, 'invalidValue');
    return id;
  }
  if (Array.isArray(value)) return value.map((element) => resolveReferences(element, created));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, created)]));
  }
  return value;
}

export function bulkRoute(ctx: ServiceContext, config: Config): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    run(req, res).catch(next);
  };

  async function run(req: Request, res: Response): Promise<void> {
    const body = req.body as Json | undefined;
    if (!body || !Array.isArray(body.schemas) || !body.schemas.includes(BULK_REQUEST)) {
      throw badRequest('invalidSyntax', `"schemas" must list ${BULK_REQUEST}.`);
    }
    if (!Array.isArray(body.Operations)) throw badRequest('invalidSyntax', '"Operations" must be an array.');
    // RFC 7644 §3.7.4: more operations than maxOperations → 413.
    if (body.Operations.length > BULK_MAX_OPERATIONS) {
      throw new ScimError(413, `A bulk request may carry at most ${BULK_MAX_OPERATIONS} operations (got ${body.Operations.length}).`);
    }
    const failOnErrors = typeof body.failOnErrors === 'number' && body.failOnErrors > 0 ? body.failOnErrors : Infinity;
    const caller = callerOf(res);
    const baseUrl = scimBaseUrl(req, config.server.publicUrl);
    const created = new Map<string, string>();
    const results: Json[] = [];
    let errors = 0;
    for (const raw of body.Operations as BulkOperation[]) {
      if (errors >= failOnErrors) break;
      const method = typeof raw?.method === 'string' ? raw.method.toUpperCase() : '';
      const bulkId = typeof raw?.bulkId === 'string' ? raw.bulkId : undefined;
      const echo = { method, ...(bulkId ? { bulkId } : {}) };
      try {
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest('invalidSyntax', 'Each bulk operation must be an object.');
        const path = typeof raw.path === 'string' ? raw.path : '';
        const resolvedPath = path.replace(/bulkId:[^/]+/, (reference) => String(resolveReferences(reference, created)));
        const match = /^\/(Users|Groups)(?:\/([^/]+))?$/.exec(resolvedPath);
        const handler = RESOURCE_HANDLERS.find((h) => h.endpoint === match?.[1]);
        if (!match || !handler) throw badRequest('invalidPath', `"path" must be /Users, /Groups or /Users/{id}, /Groups/{id} (got "${path}").`);
        const id = match[2];
        const data = resolveReferences(raw.data, created);
        const ifMatch = typeof raw.version === 'string' ? raw.version : undefined;
        if (method === 'POST' && !id) {
          if (!bulkId) throw badRequest('invalidValue', 'A bulk POST needs a "bulkId".');
          const view = await handler.create(ctx, caller, data);
          created.set(bulkId, view.id);
          results.push({ ...echo, location: `${baseUrl}/${handler.endpoint}/${view.id}`, version: etagOf(view.version), status: '201' });
        } else if (id && (method === 'PUT' || method === 'PATCH')) {
          if (method === 'PUT') await handler.replace(ctx, caller, id, data, ifMatch);
          else await handler.patch(ctx, caller, id, data, 'default', ifMatch);
          const view = await handler.get(ctx, caller, id, false);
          results.push({ ...echo, location: `${baseUrl}/${handler.endpoint}/${id}`, version: etagOf(view.version), status: '200' });
        } else if (id && method === 'DELETE') {
          await handler.remove(ctx, caller, id, ifMatch);
          results.push({ ...echo, location: `${baseUrl}/${handler.endpoint}/${id}`, status: '204' });
        } else {
          throw badRequest('invalidSyntax', `Unsupported bulk operation ${method || '(no method)'} ${path}.`);
        }
      } catch (error) {
        const scimError = toScimError(error);
        if (!scimError) throw error;
        errors += 1;
        results.push({ ...echo, status: String(scimError.status), response: errorBody(scimError.status, scimError.message, scimError.scimType) });
      }
    }
    sendScim(res, 200, { schemas: [BULK_RESPONSE], Operations: results });
  }
}
