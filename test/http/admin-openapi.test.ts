import request from 'supertest';
import { adminRouter } from '../../src/interfaces/http/admin/router.js';
import { openApiDocument } from '../../src/interfaces/http/admin/openapi.js';
import { createAuthenticator } from '../../src/interfaces/http/auth.js';
import { createLogger } from '../../src/observability/logger.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';

let t: TestApp;
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

interface Layer { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } }

/** Every `METHOD /path` the admin router mounts, through its sub-routers (mounted at its root). */
function mountedRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).filter((m) => m !== '_all').map((method) => `${method.toUpperCase()} ${path}`);
    }
    return layer.handle?.stack ? mountedRoutes(layer.handle.stack) : [];
  });
}

function documentedRoutes(): string[] {
  return Object.entries(openApiDocument.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
}

describe('GET /admin/v1/openapi.json', () => {
  it('describes exactly the routes the admin router mounts', () => {
    const router = adminRouter(t.ctx, createAuthenticator(t.ctx), createLogger('error', false)) as unknown as { stack: Layer[] };
    const mounted = mountedRoutes(router.stack).sort();
    expect(mounted).toEqual(expect.arrayContaining(['GET /seats', 'PUT /members/{id}/seat', 'POST /group-mappings/dry-run', 'GET /openapi.json']));
    expect(documentedRoutes().sort()).toEqual(mounted);
  });

  it('serves an OpenAPI 3.1 document whose references all resolve', async () => {
    const org = await newOrganization(t.ctx);
    const res = await request(t.app).get('/admin/v1/openapi.json').set('Authorization', `Bearer ${org.adminToken}`).expect(200);
    expect(res.body).toMatchObject({ openapi: '3.1.0', servers: [{ url: '/admin/v1' }] });
    const refs = [...JSON.stringify(res.body).matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)];
    expect(refs.length).toBeGreaterThan(10);
    for (const [, section, name] of refs) expect(res.body.components[section!][name!]).toBeDefined();
    const operationIds = Object.values(res.body.paths as Record<string, Record<string, { operationId: string }>>)
      .flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });
});
