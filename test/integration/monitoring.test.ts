// Seat monitoring: one alert per upward crossing of the threshold (log, metric, webhook), re-armed
// below it, whatever runs at once; the webhook never blocks and its failures are logged.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { afterSeatsChanged, SeatMonitor, seatUtilization, sweepSeatAlerts, withSeatMonitor } from '../../src/services/seats/monitoring.js';
import { purchaseSeats } from '../../src/services/billing/purchases.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';
import { addMember, seatedMember } from '../support/gate.js';
import { inTransaction } from '../../src/storage/transactions.js';
import { loadGateOrg, release } from '../../src/services/seats/seat-gate.js';
import { STRICT_WEBHOOK_POLICY } from '../../src/domain/webhook-target.js';
import { deliverWebhook } from '../../src/services/alerts/webhook-delivery.js';

type Monitored = TestContext & { seatMonitor: SeatMonitor };
let ctx: Monitored;
let strict: Monitored;
let logs: Record<string, unknown>[];
let metrics: ReturnType<typeof createMetrics>;
let webhook: { server: http.Server; url: string; port: number; bodies: unknown[]; hosts: string[]; connections: number; status: number; hang: boolean };

beforeAll(async () => {
  const base = openTestContext(() => new Date('2025-06-01T12:00:00Z'));
  logs = [];
  const stream = new Writable({ write(chunk, _enc, done) { logs.push(JSON.parse(String(chunk))); done(); } });
  metrics = createMetrics(base.handle.pool);
  // The webhook receiver below is on loopback over http: allowed here as an operator would allow
  // it in config (`alerts.webhook`); the strict default is tested with `strict` below.
  const monitor = new SeatMonitor({ logger: createLogger('info', false, stream), registry: metrics.registry, webhookTimeoutMs: 300 });
  strict = withSeatMonitor({ ...base, webhookPolicy: STRICT_WEBHOOK_POLICY }, monitor);
  ctx = withSeatMonitor(Object.assign(base, { webhookPolicy: { allowHttp: true, allowPrivateTargets: true, allowedTargets: [] } }), monitor);
  const bodies: unknown[] = [];
  const hosts: string[] = [];
  const state = { status: 204, hang: false, connections: 0 };
  const server = http.createServer((req, res) => {
    hosts.push(String(req.headers.host));
    let body = '';
    req.on('data', (chunk) => { body += String(chunk); });
    req.on('end', () => {
      bodies.push({ method: req.method, path: req.url, contentType: req.headers['content-type'], body: JSON.parse(body) });
      if (state.hang) return; // never answers: the sender's timeout must fire
      res.statusCode = state.status;
      if (state.status >= 300 && state.status < 400) res.setHeader('location', '/hooks/redirected');
      res.end();
    });
  });
  server.on('connection', () => { state.connections += 1; });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  webhook = Object.assign(state, { server, port, url: `http://127.0.0.1:${port}/hooks/seats`, bodies, hosts });
});
afterAll(async () => {
  await ctx.seatMonitor.idle();
  webhook.server.closeAllConnections();
  await new Promise((resolve) => webhook.server.close(resolve));
  await ctx.close();
});

const setSettings = (orgId: string, settings: Record<string, unknown>) =>
  ctx.db.updateTable('organizations').set({ settings: JSON.stringify(settings) }).where('id', '=', orgId).execute();
const auditOf = async (orgId: string, prefix: string) =>
  (await ctx.db.selectFrom('audit_events').selectAll().where('org_id', '=', orgId).where('action', 'like', `${prefix}%`).orderBy('at').execute());
const alertsFor = (orgId: string) => logs.filter((l) => l.event === 'seat.utilization_alert' && l.orgId === orgId);
const stateOf = async (orgId: string, seatType: string) =>
  (await ctx.db.selectFrom('seat_alert_state').selectAll().where('org_id', '=', orgId).where('seat_type', '=', seatType).executeTakeFirst())?.alerting ?? false;
async function eventually(check: () => Promise<boolean> | boolean, ms = 3000): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met in time');
}

describe('utilization alerts', () => {
  it('alert once per upward crossing, re-armed when utilization falls back below the threshold', async () => {
    const org = await newOrganization(ctx, { termStart: '2025-01-01', seats: { premium: 10, standard: 0 } }); // owner: 1/10
    await setSettings(org.orgId, { utilizationAlertThreshold: 0.5 });
    expect(await afterSeatsChanged(ctx, org.orgId)).toEqual([]);
    const members: string[] = [];
    for (let i = 0; i < 3; i += 1) members.push(await seatedMember(ctx, org.orgId)); // 4/10
    expect(await afterSeatsChanged(ctx, org.orgId)).toEqual([]);
    members.push(await seatedMember(ctx, org.orgId)); // 5/10: crosses 0.5 (≥)
    expect(await afterSeatsChanged(ctx, org.orgId)).toEqual([expect.objectContaining({
      type: 'seat.utilization_alert', orgId: org.orgId, seatType: 'premium', assigned: 5, allocated: 10, utilization: 0.5, threshold: 0.5,
    })]);
    members.push(await seatedMember(ctx, org.orgId)); // 6/10: still above, no new alert
    expect(await afterSeatsChanged(ctx, org.orgId)).toEqual([]);
    expect(await afterSeatsChanged(ctx, org.orgId)).toEqual([]);
    expect(alertsFor(org.orgId)).toHaveLength(1);
    expect(alertsFor(org.orgId)[0]).toMatchObject({ level: 'warn', seatType: 'premium', assigned: 5 });

    // A purchase lowers utilization (6/20): its own hook re-arms the alert after the commit.
    await purchaseSeats(ctx, org.orgId, { seatType: 'premium', quantity: 10 }, { type: 'operator' }, { idempotencyKey: `m-${org.orgId}` });
    await eventually(async () => !(await stateOf(org.orgId, 'premium')));
    expect(logs.some((l) => l.event === 'seat.utilization_rearmed' && l.orgId === org.orgId)).toBe(true);

    for (let i = 0; i < 4; i += 1) await seatedMember(ctx, org.orgId); // 10/20: the second crossing
    expect(await afterSeatsChanged(ctx, org.orgId)).toHaveLength(1);
    expect(alertsFor(org.orgId)).toHaveLength(2);
    expect(await seatUtilization(ctx, org.orgId)).toMatchObject({
      threshold: 0.5, seatTypes: [{ seatType: 'premium', allocated: 20, assigned: 10, free: 10, utilization: 0.5, alerting: true },
        { seatType: 'standard', allocated: 0, alerting: false }],
    });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/seatgate_seat_alerts_total\{seat_type="premium"\} [1-9]/);
    expect(text).not.toContain(org.orgId); // organization ids are never labels

    // Falling back below the threshold by releasing seats re-arms it too.
    await inTransaction(ctx.db, async (trx) => {
      const gate = await loadGateOrg(trx, ctx, org.orgId);
      for (const id of members.slice(0, 3)) await release(trx, gate, id, 'inactive', 'scim_create', { type: 'system' });
    });
    expect(await afterSeatsChanged(ctx, org.orgId)).toEqual([]);
    expect(await stateOf(org.orgId, 'premium')).toBe(false);
  });

  it('alerts once when many checks run at once', async () => {
    const org = await newOrganization(ctx, { termStart: '2025-01-01', seats: { premium: 2, standard: 0 } });
    await setSettings(org.orgId, { utilizationAlertThreshold: 1 });
    await seatedMember(ctx, org.orgId); // 2/2: full
    const others = [1, 2, 3].map(() => withSeatMonitor(openTestContext(), ctx.seatMonitor));
    try {
      const raised = await Promise.all([ctx, ...others, ctx, ...others].map((c) => afterSeatsChanged(c, org.orgId)));
      expect(raised.flat()).toHaveLength(1);
    } finally {
      await Promise.all(others.map((c) => c.close()));
    }
    expect(alertsFor(org.orgId)).toHaveLength(1);
  });

  it('catches crossings made without the hook at the periodic sweep', async () => {
    const org = await newOrganization(ctx, { termStart: '2025-01-01', seats: { premium: 2, standard: 0 } });
    await setSettings(org.orgId, { utilizationAlertThreshold: 0.9 });
    await addMember(ctx, org.orgId); // 2/2, no hook called
    expect(alertsFor(org.orgId)).toHaveLength(0);
    await sweepSeatAlerts(ctx);
    expect(alertsFor(org.orgId)).toHaveLength(1);
    await sweepSeatAlerts(ctx);
    expect(alertsFor(org.orgId)).toHaveLength(1);
  });

  it('is raised by a purchase that serves pending members up to the threshold', async () => {
    const org = await newOrganization(ctx, { termStart: '2025-01-01', seats: { premium: 1, standard: 0 } });
    await setSettings(org.orgId, { onNoSeat: 'pending', utilizationAlertThreshold: 0.8 });
    for (let i = 0; i < 3; i += 1) await addMember(ctx, org.orgId); // pending
    await purchaseSeats(ctx, org.orgId, { seatType: 'standard', quantity: 3 }, { type: 'operator' }, { idempotencyKey: 'serve' });
    await eventually(() => alertsFor(org.orgId).some((a) => a.seatType === 'standard'));
    // The owner already filled the single premium seat: that type alerts at this first check too.
    expect(alertsFor(org.orgId).map((a) => [a.seatType, a.assigned, a.allocated]).sort()).toEqual([['premium', 1, 1], ['standard', 3, 3]]);
  });
});

describe('alert webhook', () => {
  it('POSTs the alert as JSON to the organization\'s URL, after the check returned', async () => {
    const org = await newOrganization(ctx, { termStart: '2025-01-01', seats: { premium: 2, standard: 0 } });
    await setSettings(org.orgId, { utilizationAlertThreshold: 1, alertWebhookUrl: webhook.url });
    await seatedMember(ctx, org.orgId);
    webhook.status = 204;
    webhook.hang = false;
    const before = webhook.bodies.length;
    await afterSeatsChanged(ctx, org.orgId);
    await ctx.seatMonitor.idle();
    expect(webhook.bodies.slice(before)).toEqual([{
      method: 'POST', path: '/hooks/seats', contentType: 'application/json',
      body: expect.objectContaining({ type: 'seat.utilization_alert', orgId: org.orgId, orgName: expect.any(String), seatType: 'premium',
        assigned: 2, allocated: 2, utilization: 1, threshold: 1, at: '2025-06-01T12:00:00.000Z' }),
    }]);
    expect(logs.some((l) => l.event === 'seat.alert_webhook' && l.orgId === org.orgId && l.status === 204)).toBe(true);
    expect(await metrics.registry.metrics()).toMatch(/seatgate_seat_alert_webhooks_total\{outcome="delivered"\} 1/);
    expect((await auditOf(org.orgId, 'webhook.')).map((e) => [e.action, e.reason])).toEqual([
      ['webhook.delivered', { host: `127.0.0.1:${webhook.port}`, outcome: 'delivered', status: 204 }]]);
  });

  it('logs failures (error status, timeout) without blocking or retrying the alert', async () => {
    for (const mode of ['status', 'hang'] as const) {
      const org = await newOrganization(ctx, { termStart: '2025-01-01', seats: { premium: 2, standard: 0 } });
      await setSettings(org.orgId, { utilizationAlertThreshold: 1, alertWebhookUrl: webhook.url });
      await seatedMember(ctx, org.orgId);
      webhook.status = 500;
      webhook.hang = mode === 'hang';
      const started = Date.now();
      expect(await afterSeatsChanged(ctx, org.orgId)).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(250); // the check does not wait for the webhook
      await ctx.seatMonitor.idle();
      const failure = logs.find((l) => l.event === 'seat.alert_webhook' && l.orgId === org.orgId && l.level === 'error');
      expect(failure).toMatchObject({ host: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
      expect(String(failure?.reason)).toMatch(mode === 'hang' ? /abort|timeout/i : /500/);
      expect(alertsFor(org.orgId)).toHaveLength(1);
    }
    webhook.hang = false;
    expect(await metrics.registry.metrics()).toMatch(/seatgate_seat_alert_webhooks_total\{outcome="failed"\} 2/);
  });
});

describe('alert webhook SSRF policy (decision 0010)', () => {
  const alertTo = async (c: Monitored, url: string) => {
    const org = await newOrganization(c, { termStart: '2025-01-01', seats: { premium: 2, standard: 0 } });
    // Written directly, as a URL saved before the policy existed would be: delivery checks again.
    await setSettings(org.orgId, { utilizationAlertThreshold: 1, alertWebhookUrl: url });
    await seatedMember(c, org.orgId);
    expect(await afterSeatsChanged(c, org.orgId)).toHaveLength(1);
    await c.seatMonitor.idle();
    return org.orgId;
  };

  it('by default refuses a webhook to 127.0.0.1 (in any spelling): the local server receives nothing', async () => {
    webhook.status = 204;
    const before = { connections: webhook.connections, bodies: webhook.bodies.length };
    const spellings = [webhook.url, `http://2130706433:${webhook.port}/x`, `http://0x7f000001:${webhook.port}/x`,
      `http://[::ffff:127.0.0.1]:${webhook.port}/x`, `http://localhost:${webhook.port}/x`, `https://127.0.0.1:${webhook.port}/x`,
      `https://u:p@127.0.0.1:${webhook.port}/x`];
    for (const url of spellings) {
      const orgId = await alertTo(strict, url);
      const events = await auditOf(orgId, 'webhook.');
      expect(events.map((e) => e.action)).toEqual(['webhook.refused']);
      expect(events[0]!.reason).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/https|public|user name/) });
    }
    expect({ connections: webhook.connections, bodies: webhook.bodies.length }).toEqual(before);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/seatgate_seat_alert_webhooks_total\{outcome="refused"\} [1-9]/);
    // The unauthenticated /metrics carries coarse outcomes only: never a URL, host, port or error.
    expect(text).not.toContain(String(webhook.port));
    expect(text).not.toMatch(/127\.0\.0\.1|localhost|ECONN|timeout/);
  });

  it('checks the resolved addresses at send time (DNS rebinding) and keeps the Host header', async () => {
    const before = { connections: webhook.connections, bodies: webhook.bodies.length };
    const httpOnly = { ...STRICT_WEBHOOK_POLICY, allowHttp: true };
    const to = (host: string) => `http://${host}:${webhook.port}/hooks/seats`;
    // A public-looking name whose DNS answer is loopback, or mixes a public and a loopback address.
    for (const answer of [[{ address: '127.0.0.1', family: 4 }], [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }],
      [{ address: '::1', family: 6 }], [{ address: '::ffff:127.0.0.1', family: 6 }]]) {
      const outcome = await deliverWebhook(to('hooks.example.com'), { ping: 1 }, { policy: httpOnly, timeoutMs: 1000, resolve: async () => answer });
      expect(outcome).toEqual({ outcome: 'refused', reason: 'the host does not resolve to a public address' });
    }
    // A name that does not resolve at all says the same (no oracle for internal DNS names).
    expect(await deliverWebhook(to('no-such-host.invalid'), {}, { policy: httpOnly, timeoutMs: 1000 }))
      .toEqual({ outcome: 'refused', reason: 'the host does not resolve to a public address' });
    expect({ connections: webhook.connections, bodies: webhook.bodies.length }).toEqual(before);

    // Allowed: the socket goes to exactly the address that was checked, with the URL's Host.
    const allowed = await deliverWebhook(to('hooks.seatgate.test'), { ping: 2 }, {
      policy: { ...httpOnly, allowedTargets: ['127.0.0.0/8'] }, timeoutMs: 1000, resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    expect(allowed).toEqual({ outcome: 'delivered', status: 204 });
    expect(webhook.hosts.at(-1)).toBe(`hooks.seatgate.test:${webhook.port}`);
    expect(webhook.bodies.at(-1)).toMatchObject({ body: { ping: 2 } });
  });

  it('never follows a redirect', async () => {
    webhook.status = 302;
    try {
      const before = webhook.bodies.length;
      const orgId = await alertTo(ctx, webhook.url);
      expect(webhook.bodies.slice(before).map((b) => (b as { path: string }).path)).toEqual(['/hooks/seats']);
      expect((await auditOf(orgId, 'webhook.')).map((e) => [e.action, (e.reason as { status?: number }).status])).toEqual([['webhook.failed', 302]]);
    } finally {
      webhook.status = 204;
    }
  });
});

describe('SCIM writes run the alert check after they commit', () => {
  it('a SCIM create that crosses the threshold raises one alert', async () => {
    const { createUser } = await import('../../src/services/scim/users.js');
    const org = await newOrganization(ctx, { seats: { premium: 4, standard: 0 } }); // the owner holds 1 of 4
    await setSettings(org.orgId, { utilizationAlertThreshold: 0.75 });
    const caller = { orgId: org.orgId, actor: { type: 'scim' as const, credentialId: '00000000-0000-0000-0000-000000000009' } };
    const body = (userName: string) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName });
    await createUser(ctx, caller, body('one@x.test')); // 2 of 4: below
    await ctx.seatMonitor.idle();
    expect(alertsFor(org.orgId)).toHaveLength(0);
    await createUser(ctx, caller, body('two@x.test')); // 3 of 4: crosses 75 %
    await createUser(ctx, caller, body('three@x.test')); // 4 of 4: still above, no second alert
    await eventually(() => alertsFor(org.orgId).length > 0);
    await ctx.seatMonitor.idle();
    expect(alertsFor(org.orgId)).toHaveLength(1);
  });
});
