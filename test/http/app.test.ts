import request from 'supertest';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';

let t: TestApp;
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

describe('health and metrics', () => {
  it('answers /healthz and /readyz', async () => {
    await request(t.app).get('/healthz').expect(200, { status: 'ok' });
    await request(t.app).get('/readyz').expect(200, { status: 'ready', database: 'reachable' });
  });

  it('answers /readyz 503 when the database is unreachable', async () => {
    const { openDatabase } = await import('../../src/storage/database.js');
    const { createApp } = await import('../../src/interfaces/http/app.js');
    const { createLogger } = await import('../../src/observability/logger.js');
    const { createMetrics } = await import('../../src/observability/metrics.js');
    const nowhere = openDatabase('postgres://nobody:nothing@127.0.0.1:1/none', 1);
    try {
      const app = createApp({
        ctx: { db: nowhere.db, plans: t.ctx.plans, now: () => new Date() }, config: t.ctx.config,
        logger: createLogger('error', true), metrics: createMetrics(nowhere.pool),
      });
      await request(app).get('/readyz').expect(503, { status: 'unavailable', database: 'unreachable' });
      await request(app).get('/healthz').expect(200);
    } finally {
      await nowhere.close();
    }
  });

  it('exposes request and pool metrics in Prometheus format, labelled by route template', async () => {
    const org = await newOrganization(t.ctx);
    await request(t.app).get('/admin/v1/organization').set('Authorization', `Bearer ${org.adminToken}`).expect(200);
    const res = await request(t.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(/seatgate_http_requests_total\{method="GET",route="\/admin\/v1\/organization",status="200"\} \d+/);
    expect(res.text).toMatch(/seatgate_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/readyz",status="200"\}/);
    expect(res.text).toMatch(/seatgate_db_pool_connections \d+/);
    expect(res.text).not.toContain(org.orgId); // ids are not labels
  });
});

describe('admin authentication', () => {
  it('accepts an admin token and shows only its own organization', async () => {
    const a = await newOrganization(t.ctx);
    const b = await newOrganization(t.ctx);
    const res = await request(t.app).get('/admin/v1/organization').set('Authorization', `Bearer ${a.adminToken}`).expect(200);
    expect(res.body.id).toBe(a.orgId);
    const resB = await request(t.app).get('/admin/v1/organization').set('Authorization', `Bearer ${b.adminToken}`).expect(200);
    expect(resB.body.id).toBe(b.orgId);
  });

  it.each([
    ['no header', undefined],
    ['a SCIM token', 'scim'],
    ['a JIT secret', 'jit'],
    ['garbage', 'garbage'],
    ['a basic credential', 'basic'],
  ])('answers 401 with WWW-Authenticate for %s', async (_name, which) => {
    const org = await newOrganization(t.ctx);
    const header = which === 'scim' ? `Bearer ${org.scimToken}` : which === 'jit' ? `Bearer ${org.jitSecret}`
      : which === 'garbage' ? 'Bearer not-a-token' : which === 'basic' ? 'Basic dXNlcjpwYXNz' : undefined;
    const req = request(t.app).get('/admin/v1/organization');
    if (header) req.set('Authorization', header);
    const res = await req.expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('logs method, path, status, duration, request id and organization, but never a token', async () => {
    const org = await newOrganization(t.ctx);
    await request(t.app).get('/admin/v1/organization?token=abc').set('Authorization', `Bearer ${org.adminToken}`)
      .set('X-Request-Id', 'req-123').expect(200).expect('X-Request-Id', 'req-123');
    const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === 'req-123');
    expect(line).toMatchObject({ method: 'GET', path: '/admin/v1/organization', status: 200, orgId: org.orgId, route: '/admin/v1/organization' });
    expect(typeof line.durationMs).toBe('number');
    const all = t.logs.join('\n');
    expect(all).not.toContain(org.adminToken);
    expect(all).not.toContain('token=abc');
  });

  it('answers unknown paths with a JSON 404', async () => {
    const res = await request(t.app).get('/nowhere').expect(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('the HTTP server (createHttpServer, decision 0033)', () => {
  it('makes requests and responses with the app\'s prototypes, so Express changes no prototype', async () => {
    const { createHttpServer } = await import('../../src/interfaces/http/app.js');
    const server = createHttpServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // Express sets the prototypes in app.handle; record each call that would change one.
    const original = Object.setPrototypeOf;
    const changed: string[] = [];
    Object.setPrototypeOf = ((target: object, proto: object | null) => {
      if ((target === lastReq || target === lastRes) && Object.getPrototypeOf(target) !== proto) changed.push(target === lastReq ? 'request' : 'response');
      return original(target, proto);
    }) as typeof Object.setPrototypeOf;
    let lastReq: unknown, lastRes: unknown;
    server.prependListener('request', (req, res) => { lastReq = req; lastRes = res; });
    try {
      const { port } = server.address() as import('node:net').AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
      expect(lastReq).toBeInstanceOf((await import('node:http')).IncomingMessage);
      expect(Object.getPrototypeOf(lastReq)).toBe(t.app.request);
      expect(Object.getPrototypeOf(lastRes)).toBe(t.app.response);
      expect(changed).toEqual([]);
    } finally {
      Object.setPrototypeOf = original;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
