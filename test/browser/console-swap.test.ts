/// <reference lib="dom" />
// The seed's swap (SPEC §4.4) from the console, as one atomic batch: ten premium seats all
// assigned, A (premium) → standard and B (standard) → premium together, without buying.
// It runs against POST /admin/v1/seat-changes and its dry run.
import { newOrganization } from '../support/http.js';
import { memberRow, seatedMember, seats } from '../support/gate.js';
import { signIn, startHarness, type ConsoleHarness } from './browser.js';

// A whole user journey in Chromium on a shared 2-core machine can take over a minute.
const JOURNEY = 180_000;

describe('the swap in the console', () => {
  let h: ConsoleHarness;
  beforeAll(async () => { h = await startHarness(); }, 60_000);
  afterAll(async () => { await h?.close(); });

  it('swaps a premium and a standard member in one batch, previewed first, with every premium seat taken', async () => {
    const { page } = h;
    const org = await newOrganization(h.t.ctx, { seats: { premium: 10, standard: 1 } });
    for (let i = 0; i < 9; i += 1) await seatedMember(h.t.ctx, org.orgId); // the owner + 9: premium is full
    const standardId = await seatedMember(h.t.ctx, org.orgId); // the only standard seat
    expect((await memberRow(h.t.ctx, org.orgId, standardId)).seat_type).toBe('standard');
    const premiumMember = (await h.t.ctx.db.selectFrom('members').select(['id', 'user_name']).where('org_id', '=', org.orgId)
      .where('seat_type', '=', 'premium').where('role', '=', 'member').orderBy('user_name').executeTakeFirstOrThrow());
    const standardName = (await memberRow(h.t.ctx, org.orgId, standardId)).user_name;

    await signIn(page, org.adminToken);
    await page.goto('/console/members');
    await page.getByRole('status').filter({ hasText: 'members match' }).waitFor();
    await page.getByLabel(`Select ${premiumMember.user_name} for a batch seat change`).check();
    await page.getByLabel(`Select ${standardName} for a batch seat change`).check();
    await page.getByLabel(`${premiumMember.user_name} (now premium)`).selectOption('standard');
    await page.getByLabel(`${standardName} (now standard)`).selectOption('premium');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('These changes fit in the seats you have:').waitFor();
    await page.getByRole('button', { name: 'Apply 2 change(s)' }).click();
    await page.getByRole('status').filter({ hasText: '2 seat change(s) applied together.' }).waitFor();

    expect((await memberRow(h.t.ctx, org.orgId, premiumMember.id)).seat_type).toBe('standard');
    expect((await memberRow(h.t.ctx, org.orgId, standardId)).seat_type).toBe('premium');
    expect(await seats(h.t.ctx, org.orgId)).toEqual({ premium: { allocated: 10, assigned: 10 }, standard: { allocated: 1, assigned: 1 } });
  }, JOURNEY);
});
