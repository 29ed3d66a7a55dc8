// Small leaks at the edge: hosts written into answers, and requests without a rate limit.
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../../src/interfaces/http/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { Config } from '../../src/config.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { USER_SCHEMA as USER } from '../support/scim.js';

let t: TestApp;
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

function appWith(change: (config: Config) => Config) {
  const quiet = new Writable({ write(_c, _e, done) { done(); } });
  return createApp({ ctx: t.ctx, config: change(t.ctx.config), logger: createLogger('error', true, quiet), metrics: createMetrics(t.ctx.handle.pool) });
}

const createUser = (app: ReturnType<typeof appWith>, token: string, headers: Record<string, string>) => {
  const req = request(app).post('/scim/v2/Users').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/scim+json');
  for (const [name, value] of Object.entries(headers)) req.set(name, value);
  return req.send(JSON.stringify({ schemas: [USER], userName: `h-${Math.random().toString(36).slice(2)}@x.test` }));
};

describe('the host in Location and meta.location', () => {
  it('never comes from a client\'s Host header when publicUrl is unset (the address the server was reached on instead)', async () => {
    const org = await newOrganization(t.ctx);
    const res = await createUser(t.app, org.scimToken, { Host: 'evil.example', 'X-Forwarded-Host': 'evil.example' }).expect(201);
    for (const text of [res.headers.location, res.body.meta.location, JSON.stringify((await request(t.app).get('/scim/v2/ServiceProviderConfig').set('Authorization', `Bearer ${org.scimToken}`).set('Host', 'evil.example')).body)]) {
      expect(text).not.toContain('evil.example');
    }
    expect(res.headers.location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2\/Users\/[0-9a-f-]{36}$/);
  });

  it('is publicUrl when set', async () => {
    const org = await newOrganization(t.ctx);
    const app = appWith((c) => ({ ...c, server: { ...c.server, publicUrl: 'https://scim.example.com/' } }));
    const res = await createUser(app, org.scimToken, { Host: 'evil.example' }).expect(201);
    expect(res.headers.location).toBe(`https://scim.example.com/scim/v2/Users/${res.body.id}`);
    expect(res.body.meta.location).toBe(res.headers.location);
  });

  it('follows the proxy\'s headers only when trustProxy says a proxy is in front', async () => {
    const org = await newOrganization(t.ctx);
    const app = appWith((c) => ({ ...c, server: { ...c.server, trustProxy: true } }));
    const res = await createUser(app, org.scimToken, { 'X-Forwarded-Host': 'idp-facing.example', 'X-Forwarded-Proto': 'https' }).expect(201);
    expect(res.headers.location).toBe(`https://idp-facing.example/scim/v2/Users/${res.body.id}`);
  });
});

describe('rate limits per token on the admin API and JIT (as on SCIM)', () => {
  const limited = () => appWith((c) => ({ ...c, admin: { rateLimitPerMinute: 2 }, jit: { rateLimitPerMinute: 2 } }));

  it('admin: 429 in the admin error shape with an integer Retry-After; other tokens are not affected', async () => {
    const app = limited();
    const org = await newOrganization(t.ctx);
    const other = await newOrganization(t.ctx);
    const get = (token: string) => request(app).get('/admin/v1/organization').set('Authorization', `Bearer ${token}`);
    await get(org.adminToken).expect(200);
    await get(org.adminToken).expect(200);
    const res = await get(org.adminToken).expect(429);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.body).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/retry after \d+ seconds/) } });
    await get(other.adminToken).expect(200);
  });

  it('JIT: 429 in the JIT error shape with an integer Retry-After', async () => {
    const app = limited();
    const org = await newOrganization(t.ctx);
    const login = () => request(app).post('/jit/v1/login').set('Authorization', `Bearer ${org.jitSecret}`).send({ subject: 'rl-1', email: 'rl1@x.test' });
    await login().expect(200);
    await login().expect(200);
    const res = await login().expect(429);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.body.error).toMatchObject({ code: 'rate_limited' });
  });

  it('the limits are configuration (defaults: admin 600, JIT 6,000 a minute)', () => {
    expect(t.ctx.config.admin.rateLimitPerMinute).toBe(600);
    expect(t.ctx.config.jit.rateLimitPerMinute).toBe(6000);
  });
});
