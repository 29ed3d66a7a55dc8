// POST /admin/v1/settings/alert-webhook/test: one marked test event through the real delivery and
// SSRF guard (decision 0010), against real local HTTP and HTTPS receivers. The receivers are on
// loopback, which the guard refuses by default: `lax` allows them as an operator would
// (`alerts.webhook.allowHttp` + `allowPrivateTargets`); `strict` is the default, which must send
// nothing at all.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { STRICT_WEBHOOK_POLICY } from '../../src/domain/webhook-target.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { as, tokenWithRole } from './admin-support.js';

let t: TestApp;
let receiver: { server: http.Server; url: string; bodies: { path: string; body: unknown }[]; connections: number; status: number; hang: boolean };
let tls: { server: https.Server; url: string; connections: number };
const lax = { allowHttp: true, allowPrivateTargets: true, allowedTargets: [] };

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  t = openTestApp();
  t.ctx.webhookPolicy = lax;
  t.ctx.webhookTimeoutMs = 500;
  const state = { bodies: [] as { path: string; body: unknown }[], connections: 0, status: 204, hang: false };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += String(chunk); });
    req.on('end', () => {
      state.bodies.push({ path: String(req.url), body: JSON.parse(body) });
      if (state.hang) return;
      res.statusCode = state.status;
      res.end();
    });
  });
  server.on('connection', () => { state.connections += 1; });
  receiver = Object.assign(state, { server, url: `http://127.0.0.1:${await listen(server)}/hooks/seats?token=s3cret` });
  // A self-signed certificate: a real TLS handshake that the sender must refuse.
  const dir = mkdtempSync(path.join(tmpdir(), 'seatgate-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    '-days', '2', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const tlsServer = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) }, (_req, res) => res.end());
  rmSync(dir, { recursive: true, force: true });
  tls = { server: tlsServer, url: '', connections: 0 };
  tlsServer.on('connection', () => { tls.connections += 1; });
  tls.url = `https://127.0.0.1:${await listen(tlsServer)}/hook`;
});
afterAll(async () => {
  for (const server of [receiver.server, tls.server]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await t.close();
});
beforeEach(() => { t.ctx.webhookPolicy = lax; receiver.status = 204; receiver.hang = false; });

const test = (token: string, body?: object) => as(t, token).post('/settings/alert-webhook/test', body);
const tested = async (orgId: string) => (await t.ctx.db.selectFrom('audit_events').select(['actor', 'reason'])
  .where('org_id', '=', orgId).where('action', '=', 'webhook.tested').orderBy('id').execute());

describe('alert webhook test send', () => {
  it('sends one marked test event to the saved URL and says it was delivered, with the status; audited with the host only', async () => {
    const org = await newOrganization(t.ctx);
    const admin = await tokenWithRole(t.ctx, org.orgId, 'admin');
    await as(t, org.adminToken).patch('/settings', { alertWebhookUrl: receiver.url }).expect(200);
    const before = receiver.bodies.length;
    receiver.status = 202;
    const res = await test(admin.token).expect(200);
    expect(res.body).toMatchObject({ outcome: 'delivered', status: 202, url: 'saved', host: receiver.url.split('/')[2], message: 'Delivered: the webhook answered 202.' });
    expect(receiver.bodies.slice(before)).toEqual([{ path: '/hooks/seats?token=s3cret', body: {
      type: 'seatgate.webhook_test', test: true, message: expect.stringContaining('no seat changed'), orgId: org.orgId, orgName: expect.any(String), at: expect.any(String),
    } }]);
    const audit = await tested(org.orgId);
    expect(audit).toEqual([{ actor: expect.objectContaining({ type: 'admin', memberId: admin.memberId }),
      reason: { url: 'saved', host: receiver.url.split('/')[2], outcome: 'delivered', status: 202 } }]);
    expect(JSON.stringify(audit)).not.toContain('s3cret');
  });

  it('tests a URL that is not saved yet, and saves nothing', async () => {
    const org = await newOrganization(t.ctx);
    const res = await test(org.adminToken, { url: receiver.url }).expect(200);
    expect(res.body).toMatchObject({ outcome: 'delivered', status: 204, url: 'supplied' });
    expect((await as(t, org.adminToken).get('/settings')).body.alertWebhookUrl).toBeNull();
  });

  it('says why it failed: a non-2xx status, a timeout, a refused connection, a certificate that is not accepted', async () => {
    const org = await newOrganization(t.ctx);
    receiver.status = 500;
    expect((await test(org.adminToken, { url: receiver.url }).expect(200)).body).toMatchObject({
      outcome: 'failed', status: 500, reason: 'the webhook answered 500', message: 'Failed: the webhook answered 500.' });
    receiver.hang = true;
    expect((await test(org.adminToken, { url: receiver.url }).expect(200)).body).toMatchObject({
      outcome: 'failed', reason: 'no answer within 500 ms (timeout)' });
    receiver.hang = false;
    // A port nobody listens on: a closed server's.
    const closed = http.createServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    expect((await test(org.adminToken, { url: `http://127.0.0.1:${port}/x` }).expect(200)).body).toMatchObject({
      outcome: 'failed', reason: 'could not deliver: the connection was refused (ECONNREFUSED)' });
    expect((await test(org.adminToken, { url: tls.url }).expect(200)).body).toMatchObject({
      outcome: 'failed', reason: expect.stringMatching(/^could not deliver: TLS failed, the webhook's certificate was not accepted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID)\)$/) });
    expect(tls.connections).toBeGreaterThan(0);
    expect((await tested(org.orgId)).map((e) => (e.reason as { outcome: string }).outcome)).toEqual(['failed', 'failed', 'failed', 'failed']);
  });

  it('under the default policy sends nothing to a loopback receiver, saved before the policy or supplied, and says why', async () => {
    t.ctx.webhookPolicy = STRICT_WEBHOOK_POLICY;
    const org = await newOrganization(t.ctx);
    // Saved under a laxer policy (or before it existed): refused at the send.
    await t.ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ alertWebhookUrl: receiver.url }) }).where('id', '=', org.orgId).execute();
    const connections = receiver.connections;
    expect((await test(org.adminToken).expect(200)).body).toMatchObject({
      outcome: 'refused', url: 'saved', reason: 'the URL must be an https:// URL (this server does not allow http:// webhooks)',
      message: 'Not sent: the URL must be an https:// URL (this server does not allow http:// webhooks).' });
    expect((await test(org.adminToken, { url: `https://127.0.0.1:${receiver.url.split(':')[2]!.split('/')[0]}/x` }).expect(200)).body).toMatchObject({
      outcome: 'refused', reason: expect.stringMatching(/not a loopback address/) });
    // A name whose addresses are not public: the answer does not say which address it was.
    const named = await test(org.adminToken, { url: 'https://localhost.seatgate-test.invalid/x' }).expect(200);
    expect(named.body).toMatchObject({ outcome: 'refused', reason: 'the host does not resolve to a public address' });
    expect(receiver.connections).toBe(connections);
  });

  it('refuses bad input with 400: no URL saved nor given, a malformed URL, unknown fields', async () => {
    const org = await newOrganization(t.ctx);
    expect((await test(org.adminToken).expect(400)).body.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/no alert webhook URL is saved/) });
    expect((await test(org.adminToken, { url: 'not a url' }).expect(400)).body.error.message).toMatch(/url/);
    expect((await test(org.adminToken, { url: 'ftp://example.test/x' }).expect(400)).body.error.message).toMatch(/url/);
    expect((await test(org.adminToken, { url: receiver.url, colour: 'blue' }).expect(400)).body.error.code).toBe('invalid_input');
    expect(await tested(org.orgId)).toEqual([]);
  });

  it('is bounded: 5 a minute per organization (429 with Retry-After), whoever asks; other organizations are not affected', async () => {
    const org = await newOrganization(t.ctx);
    const other = await newOrganization(t.ctx);
    const admin = await tokenWithRole(t.ctx, org.orgId, 'admin');
    const before = receiver.bodies.length;
    for (let i = 0; i < 5; i += 1) await test(i % 2 ? admin.token : org.adminToken, { url: receiver.url }).expect(200);
    const refused = await test(admin.token, { url: receiver.url }).expect(429);
    expect(refused.body.error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/at most 5 test sends a minute/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(receiver.bodies.length - before).toBe(5);
    await test(other.adminToken, { url: receiver.url }).expect(200);
  });

  it('runs one test at a time per organization: a second while the first waits is a 429', async () => {
    const org = await newOrganization(t.ctx);
    receiver.hang = true;
    const first = test(org.adminToken, { url: receiver.url }).then((res) => res);
    // The first is in flight once the receiver has its body.
    const count = receiver.bodies.length;
    for (let i = 0; i < 100 && receiver.bodies.length === count; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    const second = await test(org.adminToken, { url: receiver.url }).expect(429);
    expect(second.body.error.message).toMatch(/already running/);
    expect((await first).body).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/timeout/) });
  });
});
