/// <reference lib="dom" />
// The member page's actions in a real Chromium (issue 12): change role, transfer ownership and
// remove (each behind its confirmation), unassign and restore. Every outcome is checked on the
// server (the admin API, SCIM), not only in the page's words.
import type { Page } from 'playwright-core';
import { newOrganization } from '../support/http.js';
import { seatedMember } from '../support/gate.js';
import { as, tokenWithRole } from '../http/admin-support.js';
import { patchOp, scimClient, USER_SCHEMA } from '../support/scim.js';
import { expectAccessible, expectFitsWidth, signIn, startHarness, type ConsoleHarness } from './browser.js';

// A whole user journey in Chromium on a shared 2-core machine can take over a minute.
const JOURNEY = 180_000;
let h: ConsoleHarness;
beforeAll(async () => { h = await startHarness(); }, 60_000);
afterAll(async () => { await h?.close(); });
afterEach(async () => {
  await h.context.clearCookies();
  expect(h.pageProblems.splice(0)).toEqual([]);
});

/** Answers the next window.confirm, and returns its question. */
function answerNextDialog(page: Page, accept: boolean): Promise<string> {
  return new Promise((resolve) => {
    page.once('dialog', (dialog) => {
      const question = dialog.message();
      void (accept ? dialog.accept() : dialog.dismiss()).then(() => resolve(question));
    });
  });
}

async function openMember(page: Page, id: string, userName: string): Promise<void> {
  await page.goto(`/console/members/${id}`);
  await page.getByRole('heading', { name: userName, level: 1 }).waitFor();
  await page.getByText(/^Loading/).first().waitFor({ state: 'detached' }).catch(() => {});
}

describe('member actions in the console', () => {
  it('changes a role (keyboard only), and shows the refusal when an admin tries to appoint an owner', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx);
    const id = await seatedMember(h.t.ctx, org.orgId);
    const api = as(h.t, org.adminToken);
    const userName = (await api.get(`/members/${id}`).expect(200)).body.userName as string;

    await signIn(page, org.adminToken);
    await openMember(page, id, userName);
    // Keyboard: focus the role select, choose with the arrows, Tab to the button, Enter.
    await page.getByLabel('Role', { exact: true }).focus();
    await page.keyboard.press('ArrowDown'); // choose… → owner
    await page.keyboard.press('ArrowDown'); // owner → admin
    await expect(page.getByLabel('Role', { exact: true }).inputValue()).resolves.toBe('admin');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Change role');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Role changed to admin.' }).waitFor();
    expect((await api.get(`/members/${id}`).expect(200)).body).toMatchObject({ role: 'admin', roleSource: 'manual' });
    await page.getByRole('definition').filter({ hasText: /^admin$/ }).waitFor();
    await expectAccessible(page, 'member after a role change');

    // An admin may not appoint an owner (SPEC §1): the API's refusal, in words; nothing changed.
    const admin = await tokenWithRole(h.t.ctx, org.orgId, 'admin');
    await h.context.clearCookies();
    await signIn(page, admin.token);
    await openMember(page, id, userName);
    await page.getByLabel('Role', { exact: true }).selectOption('owner');
    await page.getByRole('button', { name: 'Change role' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/\(403 forbidden\)/);
    expect((await api.get(`/members/${id}`).expect(200)).body.role).toBe('admin');
    await expectAccessible(page, 'member with a refusal');
  }, JOURNEY);

  it('transfers primary ownership after a confirmation; the old owner at once sees itself as an owner', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx);
    const id = await seatedMember(h.t.ctx, org.orgId);
    const api = as(h.t, org.adminToken);
    const userName = (await api.get(`/members/${id}`).expect(200)).body.userName as string;

    await signIn(page, org.adminToken);
    await expect(page.getByTestId('role').textContent()).resolves.toBe('Primary owner');
    await openMember(page, id, userName);
    const transfer = page.getByRole('button', { name: 'Transfer primary ownership' });

    // Dismissed: nothing happens.
    const asked = answerNextDialog(page, false);
    await transfer.click();
    await expect(asked).resolves.toBe(`Make ${userName} the primary owner? You become an owner.`);
    expect((await api.get(`/members/${org.ownerId}`).expect(200)).body.role).toBe('primary_owner');
    expect((await api.get(`/members/${id}`).expect(200)).body.role).toBe('member');

    const confirmed = answerNextDialog(page, true);
    await transfer.click();
    await confirmed;
    await page.getByRole('status').filter({ hasText: `Ownership transferred: ${userName} is the primary owner, you are an owner.` }).waitFor();
    expect((await api.get(`/members/${id}`).expect(200)).body.role).toBe('primary_owner');
    expect((await api.get(`/members/${org.ownerId}`).expect(200)).body.role).toBe('owner');
    // The old owner's view follows: its role in the header, and no transfer button any more.
    await page.getByTestId('role').filter({ hasText: /^Owner$/ }).waitFor();
    await transfer.waitFor({ state: 'detached' });
    await expect(page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Billing' }).count()).resolves.toBe(1);
    // Still after a reload (the server's word, not the page's memory).
    await page.reload();
    await page.getByTestId('role').filter({ hasText: /^Owner$/ }).waitFor();
    await page.getByRole('heading', { name: userName, level: 1 }).waitFor();
    await expect(transfer.count()).resolves.toBe(0);
    await expectAccessible(page, 'member after a transfer');
  }, JOURNEY);

  it('removes a member after a confirmation: gone from the table and the API, the seat freed, and the IdP\'s re-push answered 404', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx);
    const api = as(h.t, org.adminToken);
    const scim = scimClient(h.t.app, org.scimToken);
    const userName = `leaver-${Math.random().toString(36).slice(2, 8)}@example.test`;
    const created = await scim.post('/Users', { schemas: [USER_SCHEMA], userName, externalId: `okta-${userName}`, active: true, displayName: 'Lea Ver' }).expect(201);
    const id = created.body.id as string;
    const removedType = (await api.get(`/members/${id}`).expect(200)).body.seatType as string;
    expect(removedType).toEqual(expect.any(String));
    const before = (await api.get('/seats').expect(200)).body;

    await signIn(page, org.adminToken);
    await openMember(page, id, userName);
    const remove = page.getByRole('button', { name: 'Remove member' });
    const asked = answerNextDialog(page, false);
    await remove.click();
    await expect(asked).resolves.toBe(`Remove ${userName} from the organization? The seat is released; the bill does not change.`);
    await api.get(`/members/${id}`).expect(200);

    const confirmed = answerNextDialog(page, true);
    await remove.click();
    await confirmed;
    await page.waitForURL(/\/console\/members$/);
    await page.getByRole('status').filter({ hasText: `${userName} was removed.` }).waitFor();
    await expect(page.getByRole('table').getByRole('link', { name: userName }).count()).resolves.toBe(0);
    await expectAccessible(page, 'members after a removal');
    // The server: gone, its seat back in the pool, the allocation (and the bill) unchanged.
    await api.get(`/members/${id}`).expect(404);
    const after = (await api.get('/seats').expect(200)).body;
    const assigned = (o: { seatTypes: { seatType: string; assigned: number; allocated: number }[] }) => o.seatTypes.map((t) => [t.seatType, t.assigned, t.allocated]);
    expect(assigned(after)).toEqual(assigned(before).map(([type, n, allocated]) => [type, type === removedType ? Number(n) - 1 : n, allocated]));
    // The tombstone rule: the IdP pushing the removed id again is told it is gone (404).
    const put = await scim.put(`/Users/${id}`, { schemas: [USER_SCHEMA], userName, active: true }).expect(404);
    expect(put.body.detail).toMatch(/removed/);
    await scim.patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: false })).expect(404);
    await scim.get(`/Users/${id}`).expect(404);
  }, JOURNEY);

  it('unassigns a seat and restores it; the member page fits 375 px', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx);
    const id = await seatedMember(h.t.ctx, org.orgId);
    const api = as(h.t, org.adminToken);
    const member = (await api.get(`/members/${id}`).expect(200)).body as { userName: string; seatType: string };
    const seatsOf = async () => Object.fromEntries(((await api.get('/seats').expect(200)).body.seatTypes as { seatType: string; assigned: number }[])
      .map((t) => [t.seatType, t.assigned]));
    const before = await seatsOf();

    await signIn(page, org.adminToken);
    await openMember(page, id, member.userName);
    await page.getByRole('button', { name: 'Unassign' }).click();
    await page.getByRole('status').filter({ hasText: 'The seat was taken away.' }).waitFor();
    expect((await api.get(`/members/${id}`).expect(200)).body).toMatchObject({ seatState: 'unassigned', seatType: null, unassignedByAdmin: true });
    expect(await seatsOf()).toEqual({ ...before, [member.seatType]: before[member.seatType]! - 1 });
    await page.getByText('Restore: choose a seat type and give the seat.').waitFor();

    await page.setViewportSize({ width: 375, height: 800 });
    try {
      await expectFitsWidth(page, 'member page');
      await expectAccessible(page, 'member page at 375 px');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }

    await page.getByLabel('Change the seat type to').selectOption(member.seatType);
    await page.getByRole('button', { name: 'Give this seat' }).click();
    await page.getByRole('status').filter({ hasText: `Now on a ${member.seatType} seat.` }).waitFor();
    expect((await api.get(`/members/${id}`).expect(200)).body).toMatchObject({ seatState: 'assigned', seatType: member.seatType, unassignedByAdmin: false });
    expect(await seatsOf()).toEqual(before);
  }, JOURNEY);
});
