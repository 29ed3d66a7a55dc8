// A SCIM client for supertest: bearer token, SCIM media type, JSON bodies.
import request from 'supertest';
import type { Express } from 'express';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SEATGATE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:seatgate:2.0:User';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

export const patchOp = (...Operations: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

export function scimClient(app: Express, token: string) {
  const auth = (req: request.Test) => req.set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/scim+json');
  const withBody = (req: request.Test, body: unknown) => auth(req).send(JSON.stringify(body));
  return {
    get: (path: string) => auth(request(app).get(`/scim/v2${path}`)),
    post: (path: string, body: unknown) => withBody(request(app).post(`/scim/v2${path}`), body),
    put: (path: string, body: unknown) => withBody(request(app).put(`/scim/v2${path}`), body),
    patch: (path: string, body: unknown) => withBody(request(app).patch(`/scim/v2${path}`), body),
    delete: (path: string) => auth(request(app).delete(`/scim/v2${path}`)),
  };
}

export type ScimClient = ReturnType<typeof scimClient>;
