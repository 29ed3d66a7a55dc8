/// <reference lib="dom" />
// The console's operations pages in Chromium (issue 12): the alert webhook's test send in
// Settings (against a real local receiver), the audit log filtered by actor and time with the
// state in the URL, and the owners' renewal controls on Billing (auto-renew, cancel, resume, each
// confirmed; scheduled reductions shown as they apply at the renewal). axe-core on each state,
// and the 375 px layout.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Route } from 'playwright-core';
import { newOrganization } from '../support/http.js';
import { tokenWithRole } from '../http/admin-support.js';
import { addMember, scimActor } from '../support/gate.js';
import { expectAccessible, expectFitsWidth, screenshot, signIn, startHarness, type ConsoleHarness } from './browser.js';

// Next year: other test files' servers settle every term due by the real clock.
const YEAR = new Date().getUTCFullYear() + 1;
const NOW = new Date(`${YEAR}-03-01T10:30:00Z`);
const JOURNEY = 180_000;
const TERM = { termStart: `${YEAR}-01-01` };
let h: ConsoleHarness;
let receiver: { server: http.Server; url: string; bodies: unknown[]; status: number };

beforeAll(async () => {
  h = await startHarness(() => NOW);
  // The receiver is on loopback over http, which the SSRF policy refuses by default: allowed here
  // as an operator would allow it (`alerts.webhook.allowHttp` + `allowPrivateTargets`).
  h.t.ctx.webhookPolicy = { allowHttp: true, allowPrivateTargets: true, allowedTargets: [] };
  h.t.ctx.webhookTimeoutMs = 2000;
  const state = { bodies: [] as unknown[], status: 204 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += String(chunk); });
    req.on('end', () => { state.bodies.push(JSON.parse(body)); res.statusCode = state.status; res.end(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver = Object.assign(state, { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/seatgate` });
}, 60_000);
afterAll(async () => {
  receiver?.server.closeAllConnections();
  await new Promise((resolve) => receiver?.server.close(resolve));
  await h?.close();
});
afterEach(async () => {
  await h.context.clearCookies();
  expect(h.pageProblems.splice(0)).toEqual([]);
});

/** Waits (up to 10 s) until `locator` matches exactly `n` elements: pages load after navigation. */
async function expectCount(locator: { count(): Promise<number> }, n: number): Promise<void> {
  let found = -1;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    found = await locator.count();
    if (found === n) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(found).toBe(n);
}

describe('console operations in Chromium', () => {
  it('sends a test event to the webhook (not saved yet, then saved) and shows what happened', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx, TERM);
    const admin = await tokenWithRole(h.t.ctx, org.orgId, 'admin');
    await signIn(page, admin.token);
    await page.goto('/console/settings');
    const button = page.getByRole('button', { name: 'Send a test event' });
    await expect(button.isDisabled()).resolves.toBe(true); // nothing to test yet
    await page.getByLabel('Alert webhook URL (optional)').fill(receiver.url);
    const before = receiver.bodies.length;
    await button.click();
    const result = page.getByTestId('webhook-test-result');
    await result.getByText('Test delivered').waitFor();
    await expect(result.textContent()).resolves.toMatch(/Test delivered \(127\.0\.0\.1:\d+\): Delivered: the webhook answered 204\./);
    expect(receiver.bodies.slice(before)).toEqual([expect.objectContaining({ type: 'seatgate.webhook_test', test: true, orgId: org.orgId })]);
    // Nothing was saved by the test.
    expect((await request(h.t.app).get('/admin/v1/settings').set('Authorization', `Bearer ${admin.token}`)).body.alertWebhookUrl).toBeNull();
    await expectAccessible(page, 'settings with a delivered test');
    await screenshot(page, 'settings-webhook-test');

    // Saved, the receiver now failing: the test says so, with the status. Keyboard only. The
    // settings' reload after the save is held back: a test sent before it returns must still
    // test the saved URL (CI once caught the console sending it again as "not saved yet").
    const slowReload = async (route: Route) => {
      if (route.request().method() === 'GET') await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    };
    await page.route('**/admin/v1/settings', slowReload);
    const reloaded = page.waitForResponse((r) => r.url().endsWith('/admin/v1/settings') && r.request().method() === 'GET');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    receiver.status = 503;
    await button.focus();
    await page.keyboard.press('Enter');
    await result.getByText('Test failed').waitFor();
    await expect(result.textContent()).resolves.toMatch(/Failed: the webhook answered 503\./);
    await reloaded;
    await page.unroute('**/admin/v1/settings', slowReload);
    await expectAccessible(page, 'settings with a failed test');
    receiver.status = 204;
    const audit = await h.t.ctx.db.selectFrom('audit_events').select('reason').where('org_id', '=', org.orgId).where('action', '=', 'webhook.tested').orderBy('id').execute();
    expect(audit.map((e) => [(e.reason as { url: string }).url, (e.reason as { outcome: string }).outcome])).toEqual([['supplied', 'delivered'], ['saved', 'failed']]);

    // The audit log shows the tests, filtered by this admin; the filters are in the URL.
    await page.goto('/console/audit');
    await page.getByLabel('Action (prefix)').fill('webhook.');
    await page.getByLabel('Done by', { exact: true }).selectOption('admin');
    await page.getByLabel('Done by member (id)').fill(admin.memberId);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(new RegExp(`actorMemberId=${admin.memberId}`));
    await expectCount(page.getByRole('cell', { name: 'webhook.tested' }), 2);
  }, JOURNEY);

  it('filters the audit log by who acted and when; the URL keeps the filters across a reload', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx, TERM);
    const admin = await tokenWithRole(h.t.ctx, org.orgId, 'admin');
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    for (const [token, threshold] of [[org.adminToken, 0.5], [admin.token, 0.6], [org.adminToken, 0.7], [admin.token, 0.8]] as const) {
      await request(h.t.app).patch('/admin/v1/settings').set(bearer(token)).send({ utilizationAlertThreshold: threshold }).expect(200);
    }
    // The settings changes at 09:00, 10:00, 11:00 and 12:00 UTC on 2 March.
    const rows = await h.t.ctx.db.selectFrom('audit_events').select('id').where('org_id', '=', org.orgId).where('action', '=', 'settings.updated').orderBy('id').execute();
    for (const [n, row] of rows.entries()) {
      await h.t.ctx.db.updateTable('audit_events').set({ at: new Date(Date.UTC(YEAR, 2, 2, 9 + n)) }).where('org_id', '=', org.orgId).where('id', '=', row.id).execute();
    }
    await signIn(page, org.adminToken);
    await page.goto('/console/audit?action=settings.');
    await expectCount(page.getByRole('cell', { name: 'settings.updated' }), 4);
    // "only theirs" on one of the admin's rows filters by that member.
    await page.getByRole('button', { name: `Only actions by member ${admin.memberId}` }).first().click();
    await page.waitForURL(new RegExp(`actorMemberId=${admin.memberId}`));
    await expectCount(page.getByRole('cell', { name: 'settings.updated' }), 2);
    await page.getByLabel('From (UTC)').fill(`${YEAR}-03-02T10:30`);
    await page.getByLabel('To (UTC, excluded)').fill(`${YEAR}-03-02T13:00`);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/from=/);
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toEqual({
      action: 'settings.', actorMemberId: admin.memberId, from: `${YEAR}-03-02T10:30:00Z`, to: `${YEAR}-03-02T13:00:00Z` });
    await page.getByRole('cell', { name: `${YEAR}-03-02 12:00 UTC` }).waitFor();
    await expectCount(page.getByRole('cell', { name: 'settings.updated' }), 1);
    await expectAccessible(page, 'audit filtered by actor and time');
    await screenshot(page, 'audit-filters');
    await page.reload();
    await page.getByRole('cell', { name: `${YEAR}-03-02 12:00 UTC` }).waitFor();
    await expect(page.getByLabel('From (UTC)').inputValue()).resolves.toBe(`${YEAR}-03-02T10:30`);
    await expect(page.getByLabel('Done by member (id)').inputValue()).resolves.toBe(admin.memberId);
    // A range the server refuses is said, not a blank page.
    await page.goto(`/console/audit?from=${YEAR}-03-03&to=${YEAR}-03-02`);
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/could not be loaded \(400 invalid_input\).*from must be before to/);
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForURL(/\/console\/audit$/);
    // An IdP's event: "only this token" filters by its credential.
    await addMember(h.t.ctx, org.orgId);
    await page.goto('/console/audit?actorType=scim');
    await page.getByRole('button', { name: `Only actions with credential ${scimActor.credentialId}` }).first().click();
    await page.waitForURL(new RegExp(`actorCredentialId=${scimActor.credentialId}`));
    await expectCount(page.getByRole('cell', { name: 'seat.assigned' }), 1);
    await expectAccessible(page, 'audit filtered by credential');
  }, JOURNEY);

  it('lets owners turn automatic renewal off and on, cancel and resume, each confirmed; shows the reductions at the renewal; admins get none of it', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx, { ...TERM, seats: { premium: 5, standard: 8 }, prices: { premium: 3000, standard: 2000 } });
    const bearer = { Authorization: `Bearer ${org.adminToken}` };
    await request(h.t.app).post('/admin/v1/seats/reductions').set(bearer).send({ seatType: 'standard', quantity: 3 }).expect(201);
    await signIn(page, org.adminToken);
    await page.goto('/console/billing');
    const seatsAtRenewal = page.getByRole('region', { name: 'Seats at the renewal' });
    await seatsAtRenewal.getByRole('row', { name: 'standard 8 −3 5' }).waitFor();
    await expect(page.getByTestId('renewal-total').textContent()).resolves.toBe('$3,000.00'); // 12 × (5 × 30 + 5 × 20)
    await expect(page.getByTestId('at-term-end').textContent()).resolves.toBe(`renews on ${YEAR + 1}-01-01 as team`);

    await page.getByRole('button', { name: 'Turn off automatic renewal…' }).click();
    const confirm = page.getByRole('group', { name: 'Turn off automatic renewal?' });
    await confirm.waitFor();
    await expect(confirm.textContent()).resolves.toContain(`The subscription will end on ${YEAR + 1}-01-01`);
    await expectAccessible(page, 'billing renewal confirmation');
    await screenshot(page, 'billing-renewal-confirm');
    // "Keep it on" changes nothing.
    await confirm.getByRole('button', { name: 'Keep it on' }).click();
    const autoRenew = async () => (await h.t.ctx.db.selectFrom('organizations').select(['auto_renew', 'cancel_at_term_end']).where('id', '=', org.orgId).executeTakeFirstOrThrow());
    expect(await autoRenew()).toEqual({ auto_renew: true, cancel_at_term_end: false });
    // Keyboard: focus moves to the question, Tab reaches the confirm button.
    await page.getByRole('button', { name: 'Turn off automatic renewal…' }).click();
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Turn off automatic renewal?');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: `Automatic renewal is off: the subscription ends on ${YEAR + 1}-01-01.` }).waitFor();
    await page.getByTestId('at-term-end').filter({ hasText: `ends on ${YEAR + 1}-01-01: automatic renewal is off` }).waitFor();
    expect(await autoRenew()).toEqual({ auto_renew: false, cancel_at_term_end: false });
    await expect(seatsAtRenewal.count()).resolves.toBe(0);
    await page.getByText('The scheduled reductions apply only if the subscription renews.').waitFor();

    await page.getByRole('button', { name: 'Turn on automatic renewal…' }).click();
    await page.getByRole('group', { name: 'Turn on automatic renewal?' }).getByRole('button', { name: 'Turn on automatic renewal' }).click();
    await page.getByTestId('at-term-end').filter({ hasText: 'renews on' }).waitFor();
    await page.getByRole('button', { name: 'Cancel at term end…' }).click();
    await page.getByRole('group', { name: 'Cancel at the end of the term?' }).getByRole('button', { name: 'Cancel at term end' }).click();
    await page.getByTestId('at-term-end').filter({ hasText: 'the subscription is cancelled' }).waitFor();
    expect(await autoRenew()).toEqual({ auto_renew: true, cancel_at_term_end: true });
    await page.getByRole('button', { name: 'Resume the subscription…' }).click();
    await page.getByRole('group', { name: 'Resume the subscription?' }).getByRole('button', { name: 'Resume the subscription' }).click();
    await page.getByTestId('at-term-end').filter({ hasText: 'renews on' }).waitFor();
    expect(await autoRenew()).toEqual({ auto_renew: true, cancel_at_term_end: false });
    await expectAccessible(page, 'billing');
    const actions = await h.t.ctx.db.selectFrom('audit_events').select('action').where('org_id', '=', org.orgId).where('action', 'like', 'subscription.%').orderBy('id').execute();
    expect(actions.map((a) => a.action)).toEqual(['subscription.auto_renew_changed', 'subscription.auto_renew_changed', 'subscription.cancelled', 'subscription.resumed']);

    // Admins: no billing page, and the API refuses them whatever the page shows (SPEC §1).
    await page.getByRole('button', { name: 'Sign out' }).click();
    const admin = await tokenWithRole(h.t.ctx, org.orgId, 'admin');
    await signIn(page, admin.token);
    await page.goto('/console/billing');
    await page.getByRole('heading', { name: 'Not available' }).waitFor();
    await expect(page.getByRole('button', { name: /automatic renewal/ }).count()).resolves.toBe(0);
    const refused = await request(h.t.app).patch('/admin/v1/subscription').set('Authorization', `Bearer ${admin.token}`).send({ autoRenew: false }).expect(403);
    expect(refused.body.error.code).toBe('forbidden');
  }, JOURNEY);

  it('fits 375 px: settings with a test result, the audit filters, the renewal confirmation', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx, TERM);
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      await signIn(page, org.adminToken);
      await page.goto('/console/settings');
      await page.getByLabel('Alert webhook URL (optional)').fill(`${receiver.url}/a-rather-long-path/that/should/wrap/instead/of/overflowing`);
      await page.getByRole('button', { name: 'Send a test event' }).click();
      await page.getByTestId('webhook-test-result').getByText('Test delivered').waitFor();
      await expectFitsWidth(page, 'settings with a test result');
      await page.goto(`/console/audit?from=${YEAR}-01-01T00:00:00Z&actorType=admin`);
      await page.locator('#page-title').waitFor();
      await page.getByText(/^Loading/).first().waitFor({ state: 'detached' }).catch(() => {});
      await expectFitsWidth(page, 'audit filters');
      await page.goto('/console/billing');
      await page.getByRole('button', { name: 'Turn off automatic renewal…' }).click();
      await page.getByRole('group', { name: 'Turn off automatic renewal?' }).waitFor();
      await expectFitsWidth(page, 'billing renewal confirmation');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  }, JOURNEY);
});
