/// <reference lib="dom" />
// The admin console in a real Chromium (issue 12): sign-in and what each role sees, the members
// table and a seat change that shows the purchase quote, a mapping dry run then save, the
// worked-example purchase (SPEC §5), SCIM token rotation, the session ending when its token is
// revoked, 375 px and 1440 px layouts, and axe-core on every page. Screenshots for the README
// are taken here, so they show what the console really does.
import request from 'supertest';
import { revokeCredentialById } from '../../src/services/access/credentials.js';
import { newOrganization } from '../support/http.js';
import { addGroup, addMember, joinGroup, seatedMember } from '../support/gate.js';
import { tokenWithRole } from '../http/admin-support.js';
import { expectAccessible, expectFitsWidth, screenshot, signIn, signOut, startHarness, type ConsoleHarness } from './browser.js';

// The service clock: 1 March of next year, so that a term starting 1 January has 10 months left.
// Next year, not a past one: other test files share the database, and a server they start settles
// every term due by the real clock, which would renew a past term under this test's feet.
const YEAR = new Date().getUTCFullYear() + 1;
const NOW = new Date(`${YEAR}-03-01T10:30:00Z`);
// A whole user journey in Chromium on a shared 2-core machine can take over a minute.
const JOURNEY = 180_000;
let h: ConsoleHarness;
beforeAll(async () => {
  h = await startHarness(() => NOW);
  h.page.on('dialog', (dialog) => { void dialog.accept(); });
}, 60_000);
afterAll(async () => { await h?.close(); });
afterEach(async () => {
  await h.context.clearCookies();
  expect(h.pageProblems.splice(0)).toEqual([]);
});

const TERM = { termStart: `${YEAR}-01-01` };

async function showcaseOrg() {
  const org = await newOrganization(h.t.ctx, { ...TERM, name: `Acme Robotics ${Math.random().toString(36).slice(2, 6)}`, seats: { premium: 5, standard: 8 }, prices: { premium: 3000, standard: 2000 } });
  const engineering = await addGroup(h.t.ctx, org.orgId, 'okta-grp-engineering');
  for (let i = 0; i < 9; i += 1) {
    const id = await seatedMember(h.t.ctx, org.orgId);
    if (i < 3) await joinGroup(h.t.ctx, org.orgId, engineering, id);
  }
  await h.t.ctx.db.updateTable('groups').set({ display_name: 'Engineering' }).where('org_id', '=', org.orgId).where('id', '=', engineering).execute();
  // Fill standard, then two SCIM creates are refused (block): they show in the overview.
  for (let i = 0; i < 5; i += 1) await addMember(h.t.ctx, org.orgId);
  return { org, engineering };
}

describe('the console in Chromium', () => {
  it('signs in with an admin token only, and shows each role what it may use (admins: no billing)', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx, TERM);
    const admin = await tokenWithRole(h.t.ctx, org.orgId, 'admin');

    await page.goto('/console/');
    await expectAccessible(page, 'sign-in');
    await page.getByLabel('Admin token').fill(org.scimToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Sign-in refused.*SCIM token.*sign in with an admin token/);
    await screenshot(page, 'sign-in-refused');

    await signIn(page, admin.token);
    await expect(page.getByTestId('role').textContent()).resolves.toBe('Admin');
    const nav = page.getByRole('navigation', { name: 'Console' });
    await expect(nav.getByRole('link').allTextContents()).resolves.toEqual(['Overview', 'Members', 'Group mappings', 'Identity provider', 'Settings', 'Audit log']);
    await page.goto('/console/billing');
    await page.getByRole('heading', { name: 'Not available' }).waitFor();
    // The server refuses too, whatever the page shows: the session carries the admin's role.
    const status = await page.evaluate(async () => (await fetch('/admin/v1/invoices')).status);
    expect(status).toBe(403);
    await signOut(page);

    await signIn(page, org.adminToken);
    await expect(page.getByTestId('role').textContent()).resolves.toBe('Primary owner');
    await expect(nav.getByRole('link', { name: 'Billing' }).count()).resolves.toBe(1);
    await signOut(page);

    // A member has no console: once demoted, the admin's token no longer signs in.
    await h.t.ctx.db.updateTable('members').set({ role: 'member' }).where('org_id', '=', org.orgId).where('id', '=', admin.memberId).execute();
    await page.getByLabel('Admin token').fill(admin.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/no longer an admin or owner/);
  }, JOURNEY);

  it('overview, members (search and filters in the URL) and a member page whose full seat type offers the quote and a Buy button', async () => {
    const { page } = h;
    const { org } = await showcaseOrg();
    await signIn(page, org.adminToken);
    await page.getByRole('heading', { name: 'premium' }).waitFor();
    await expect(page.getByRole('meter', { name: 'premium utilization' }).getAttribute('aria-valuetext')).resolves.toMatch(/^5 of 5 seats assigned/);
    await expect(page.getByRole('list').filter({ hasText: 'premium is full' }).count()).resolves.toBe(1);
    await expect(page.getByRole('img', { name: /^2 refusal\(s\) in the last 30 days/ }).count()).resolves.toBe(1);
    await expectAccessible(page, 'overview');
    await screenshot(page, 'overview');

    await page.getByRole('navigation').getByRole('link', { name: 'Members' }).click();
    await page.getByRole('status').filter({ hasText: /^13 members match\.$/ }).waitFor();
    await page.getByLabel('Seat type').selectOption('standard');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/seatType=standard/);
    await page.getByRole('status').filter({ hasText: /^8 members match\.$/ }).waitFor();
    await expectAccessible(page, 'members');
    await screenshot(page, 'members');
    // The URL is the state: reloading it shows the same page.
    await page.reload();
    await page.getByRole('status').filter({ hasText: '8 members match.' }).waitFor();
    await page.getByLabel('Seat type').locator('option', { hasText: 'standard' }).waitFor({ state: 'attached' });
    await expect(page.getByLabel('Seat type').inputValue()).resolves.toBe('standard');

    const first = page.getByRole('table').getByRole('link').first();
    const userName = await first.textContent();
    await first.click();
    await page.getByRole('heading', { name: userName! }).waitFor();
    await page.getByLabel('Change the seat type to').selectOption('premium');
    await page.getByRole('button', { name: 'Change seat' }).click();
    const quote = page.getByRole('alert').filter({ hasText: 'No premium seat is free' });
    await expect(quote.textContent()).resolves.toMatch(new RegExp(`1 more premium seat would cost \\$300\\.00 today, prorated from ${YEAR}-03-01 to ${YEAR + 1}-01-01`));
    await expectAccessible(page, 'member with quote');
    await screenshot(page, 'member-quote');
    await quote.getByRole('button', { name: /Buy 1 premium seat and assign it/ }).click();
    await page.getByRole('status').filter({ hasText: 'Bought 1 premium seat(s) and assigned one.' }).waitFor();
    const row = await h.t.ctx.db.selectFrom('members').select(['seat_type']).where('org_id', '=', org.orgId).where('user_name', '=', userName!).executeTakeFirstOrThrow();
    expect(row.seat_type).toBe('premium');
  }, JOURNEY);

  it('maps a group to a seat type: the dry run is shown before saving, then saving applies it', async () => {
    const { page } = h;
    const { org } = await showcaseOrg();
    await signIn(page, org.adminToken);
    await page.goto('/console/mappings');
    await page.getByRole('button', { name: 'New mapping' }).click();
    await page.getByLabel('IdP group id').fill('okta-grp-engineering');
    await page.getByText('Group "Engineering", 3 member(s).').waitFor();
    await page.getByLabel('Seat type').selectOption('standard');
    await expect(page.getByRole('button', { name: 'Save mapping' }).isDisabled()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Preview changes (dry run)' }).click();
    const dry = page.getByRole('heading', { name: /^Dry run:/ });
    await expect(dry.textContent()).resolves.toMatch(/^Dry run: \d+ of 3 member\(s\) would change seat$/);
    await expectAccessible(page, 'mapping dry run');
    await screenshot(page, 'mapping-dry-run');
    expect(await h.t.ctx.db.selectFrom('group_mappings').select('id').where('org_id', '=', org.orgId).execute()).toEqual([]);
    // Changing a value asks for a new dry run before saving.
    await page.getByLabel('Seat type').selectOption('premium');
    await expect(page.getByRole('button', { name: 'Save mapping' }).isDisabled()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Preview changes (dry run)' }).click();
    await dry.waitFor();
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByRole('status').filter({ hasText: /^Saved:/ }).waitFor();
    const saved = await h.t.ctx.db.selectFrom('group_mappings').select(['idp_group_id', 'seat_type']).where('org_id', '=', org.orgId).execute();
    expect(saved).toEqual([{ idp_group_id: 'okta-grp-engineering', seat_type: 'premium' }]);
    await page.getByRole('cell', { name: 'Engineering okta-grp-engineering', exact: true }).waitFor();
    await expectAccessible(page, 'mappings');
  }, JOURNEY);

  it('buys seats at the worked-example price: term 1 January, 100 seats, 5 added on 1 March = 5 × price × 10', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx, { ...TERM, name: `Northwind ${Math.random().toString(36).slice(2, 6)}`, seats: { premium: 100, standard: 0 }, prices: { premium: 3000, standard: 2000 } });
    await signIn(page, org.adminToken);
    await page.getByRole('navigation').getByRole('link', { name: 'Billing' }).click();
    await page.getByLabel('Seat type', { exact: true }).selectOption('premium');
    await page.getByLabel('Number of seats').fill('5');
    const preview = page.getByTestId('purchase-preview');
    await preview.getByText('Invoiced today: $1,500.00').waitFor();
    await expect(preview.textContent()).resolves.toContain(`5 seats × 3000 per month × 10 months from ${YEAR}-03-01 to ${YEAR + 1}-01-01 (exclusive) = 150000`);
    await expectAccessible(page, 'billing');
    await screenshot(page, 'billing');
    await page.getByRole('button', { name: 'Buy 5 premium seats for $1,500.00' }).click();
    const done = page.getByRole('status').filter({ hasText: 'Bought.' });
    await expect(done.textContent()).resolves.toMatch(/Invoice INV-000001 for \$1,500\.00;\s+105 seats allocated now/);
    await done.getByRole('link', { name: 'INV-000001' }).click();
    await expect(page.getByTestId('invoice-total').textContent()).resolves.toBe('$1,500.00');
    await expectAccessible(page, 'invoice');
    await screenshot(page, 'invoice');
    const invoices = await h.t.ctx.db.selectFrom('invoices').select(['total_minor']).where('org_id', '=', org.orgId).execute();
    expect(invoices.map((i) => Number(i.total_minor))).toEqual([150000]);
  }, JOURNEY);

  it('creates and rotates a SCIM token, shown once; the old one stops working', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx, TERM);
    await signIn(page, org.adminToken);
    await page.goto('/console/identity-provider');
    await expect(page.getByTestId('scim-base-url').textContent()).resolves.toBe(`${h.baseUrl}/scim/v2`);
    await page.getByLabel('Label (optional)').fill('Okta production');
    await page.getByRole('button', { name: 'Create SCIM token' }).click();
    const first = (await page.getByTestId('new-secret').textContent())!;
    expect(first).toMatch(/^sgscim_/);
    await request(h.t.app).get('/scim/v2/Users').set('Authorization', `Bearer ${first}`).expect(200);
    await page.getByRole('cell', { name: 'Okta production' }).waitFor();
    await page.getByRole('button', { name: `Rotate SCIM token ${first.slice(0, 13)}` }).click();
    await page.getByText('(the old one no longer works)').waitFor();
    const second = (await page.getByTestId('new-secret').textContent())!;
    expect(second).toMatch(/^sgscim_/);
    expect(second).not.toBe(first);
    await request(h.t.app).get('/scim/v2/Users').set('Authorization', `Bearer ${first}`).expect(401);
    await request(h.t.app).get('/scim/v2/Users').set('Authorization', `Bearer ${second}`).expect(200);
    await page.getByRole('tab', { name: 'Microsoft Entra ID' }).click();
    await page.getByText(`${h.baseUrl}/scim/v2?aadOptscim062020`).waitFor();
    await page.getByRole('tab', { name: 'Okta' }).click();
    await expectAccessible(page, 'identity provider');
    await screenshot(page, 'identity-provider');
    // Reloaded, the page never shows the secret again.
    await page.reload();
    await page.getByRole('cell', { name: 'Okta production' }).waitFor();
    await expect(page.content()).resolves.not.toContain(second);
  }, JOURNEY);

  it('settings and audit log pages work and are accessible', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx, TERM);
    await signIn(page, org.adminToken);
    await page.goto('/console/settings');
    await page.getByLabel(/Create the member as pending/).check();
    await page.getByLabel('Utilization alert threshold (%)').fill('80');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expectAccessible(page, 'settings');
    await screenshot(page, 'settings');
    await page.getByLabel('Alert webhook URL (optional)').fill('not a url');
    await page.getByLabel('Alert webhook URL (optional)').evaluate((input: HTMLInputElement) => { input.type = 'text'; });
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/The settings were refused \(400 invalid_input\).*alertWebhookUrl/);
    await page.goto('/console/audit?action=settings.');
    await page.getByRole('cell', { name: 'settings.updated' }).first().waitFor();
    await expect(page.getByLabel('Action (prefix)').inputValue()).resolves.toBe('settings.');
    await expectAccessible(page, 'audit');
    await screenshot(page, 'audit');
  }, JOURNEY);

  it('ends the session at once when its admin token is revoked', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx, TERM);
    const admin = await tokenWithRole(h.t.ctx, org.orgId, 'admin');
    await signIn(page, admin.token);
    await page.getByRole('heading', { name: 'premium' }).waitFor();
    await page.waitForLoadState('networkidle'); // the overview's requests are all answered
    const [credential] = await h.t.ctx.db.selectFrom('credentials').select('id').where('org_id', '=', org.orgId).where('member_id', '=', admin.memberId).execute();
    await revokeCredentialById(h.t.ctx, org.orgId, credential!.id);
    await page.getByRole('navigation').getByRole('link', { name: 'Members' }).click();
    await page.getByLabel('Admin token').waitFor();
    await expect(page.getByRole('status').first().textContent()).resolves.toMatch(/session ended: its admin token was revoked/);
  }, JOURNEY);

  it('fits a 375 px wide screen on every page', async () => {
    const { page } = h;
    const { org } = await showcaseOrg();
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      await page.goto('/console/');
      await expectFitsWidth(page, 'sign-in');
      await signIn(page, org.adminToken);
      for (const path of ['/', '/members', '/mappings', '/billing', '/identity-provider', '/settings', '/audit']) {
        await page.goto(`/console${path}`);
        await page.locator('#page-title').waitFor();
        await page.getByText(/^Loading/).first().waitFor({ state: 'detached' }).catch(() => {});
        await expectFitsWidth(page, path);
      }
      await page.goto('/console/');
      await page.getByRole('heading', { name: 'premium' }).waitFor();
      await screenshot(page, 'overview-375');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  }, JOURNEY);
});
