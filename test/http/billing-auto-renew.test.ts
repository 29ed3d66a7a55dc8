// PATCH /admin/v1/subscription {"autoRenew"}: owners of self-serve organizations turn automatic
// renewal off and on; with cancellation it decides what happens at the term end.
// Next year's terms: other files' servers settle every term due by the real clock.
import request from 'supertest';
import { runDueRenewals } from '../../src/services/billing/renewals.js';
import { cli } from '../support/cli.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { auditActions } from '../support/gate.js';
import { tokenWithRole } from './admin-support.js';

const YEAR = new Date().getUTCFullYear() + 1;
let today = `${YEAR}-06-01`;
let t: TestApp;
beforeAll(() => { t = openTestApp(() => new Date(`${today}T08:00:00Z`)); });
afterAll(() => t.close());
beforeEach(() => { today = `${YEAR}-06-01`; });

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const setAutoRenew = (token: string, body: unknown) => request(t.app).patch('/admin/v1/subscription').set(bearer(token)).send(body as object);
const subscription = async (token: string) => (await request(t.app).get('/admin/v1/subscription').set(bearer(token)).expect(200)).body;

describe('automatic renewal', () => {
  it('is turned off and on by an owner, audited once per change; off, the term ends instead of renewing', async () => {
    const org = await newOrganization(t.ctx, { termStart: `${YEAR}-01-01` });
    expect(await subscription(org.adminToken)).toMatchObject({ autoRenew: true, atTermEnd: 'renews' });
    const off = await setAutoRenew(org.adminToken, { autoRenew: false }).expect(200);
    expect(off.body).toMatchObject({ autoRenew: false, cancelAtTermEnd: false, atTermEnd: 'ends', projectedRenewal: null, termEnd: `${YEAR + 1}-01-01` });
    await setAutoRenew(org.adminToken, { autoRenew: false }).expect(200); // idempotent
    expect(await auditActions(t.ctx, org.orgId, 'subscription.auto_renew_changed')).toBe(1);
    const [event] = await t.ctx.db.selectFrom('audit_events').select(['actor', 'before', 'after'])
      .where('org_id', '=', org.orgId).where('action', '=', 'subscription.auto_renew_changed').execute();
    expect(event).toMatchObject({ actor: { type: 'admin', memberId: org.ownerId }, before: { autoRenew: true }, after: { autoRenew: false } });

    const on = await setAutoRenew(org.adminToken, { autoRenew: true }).expect(200);
    expect(on.body).toMatchObject({ autoRenew: true, atTermEnd: 'renews', projectedRenewal: { termStart: `${YEAR + 1}-01-01` } });
    expect(await auditActions(t.ctx, org.orgId, 'subscription.auto_renew_changed')).toBe(2);

    // Off at the term end: the organization ends (not cancelled: auto-renew was off).
    await setAutoRenew(org.adminToken, { autoRenew: false }).expect(200);
    today = `${YEAR + 1}-01-01`;
    const run = await runDueRenewals(t.ctx, { orgIds: [org.orgId] });
    expect(run.outcomes).toEqual([{ orgId: org.orgId, outcome: 'ended', termEnd: `${YEAR + 1}-01-01`, reason: 'not_auto_renewing' }]);
    // Once ended, nothing brings it back through the API.
    const late = await setAutoRenew(org.adminToken, { autoRenew: true }).expect(403);
    expect(late.body.error).toMatchObject({ code: 'org_inactive', message: expect.stringMatching(/ended on/) });
  });

  it('and cancellation both decide the term end: it renews only with auto-renew on and no cancellation', async () => {
    const org = await newOrganization(t.ctx, { termStart: `${YEAR}-01-01` });
    await request(t.app).post('/admin/v1/subscription/cancel').set(bearer(org.adminToken)).expect(200);
    expect((await setAutoRenew(org.adminToken, { autoRenew: true }).expect(200)).body).toMatchObject({ cancelAtTermEnd: true, atTermEnd: 'ends' });
    await setAutoRenew(org.adminToken, { autoRenew: false }).expect(200);
    expect((await request(t.app).post('/admin/v1/subscription/resume').set(bearer(org.adminToken)).expect(200)).body)
      .toMatchObject({ cancelAtTermEnd: false, autoRenew: false, atTermEnd: 'ends' });
    expect((await setAutoRenew(org.adminToken, { autoRenew: true }).expect(200)).body).toMatchObject({ atTermEnd: 'renews' });
  });

  it('is refused to admins (SPEC §1), to sales-assisted organizations, and on bad input', async () => {
    const org = await newOrganization(t.ctx, { termStart: `${YEAR}-01-01` });
    const admin = await tokenWithRole(t.ctx, org.orgId, 'admin');
    expect((await setAutoRenew(admin.token, { autoRenew: false }).expect(403)).body.error.code).toBe('forbidden');
    const owner = await tokenWithRole(t.ctx, org.orgId, 'owner');
    await setAutoRenew(owner.token, { autoRenew: false }).expect(200);

    const sales = await newOrganization(t.ctx, { termStart: `${YEAR}-01-01`, billingMode: 'sales_assisted' });
    expect((await setAutoRenew(sales.adminToken, { autoRenew: false }).expect(403)).body.error.message).toMatch(/account team/);
    expect(await subscription(sales.adminToken)).toMatchObject({ autoRenew: true });

    for (const body of [{}, { autoRenew: 'no' }, { autoRenew: null }, { autoRenew: false, cancelAtTermEnd: true }]) {
      const res = await setAutoRenew(org.adminToken, body).expect(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    expect((await request(t.app).patch('/admin/v1/subscription').set(bearer(org.adminToken)).expect(400)).body.error.message).toMatch(/send a JSON body/);
  });

  it('is changed by an operator for a sales-assisted organization through the CLI, audited as the operator', async () => {
    const sales = await newOrganization(t.ctx, { termStart: `${YEAR}-01-01`, billingMode: 'sales_assisted' });
    const off = await cli('subscription', 'auto-renew-off', '--org', sales.orgId, '--json');
    expect(off.code).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ autoRenew: false, atTermEnd: 'ends' });
    expect(JSON.parse((await cli('subscription', 'auto-renew-on', '--org', sales.orgId, '--json')).stdout)).toMatchObject({ autoRenew: true, atTermEnd: 'renews' });
    const actors = await t.ctx.db.selectFrom('audit_events').select('actor').where('org_id', '=', sales.orgId)
      .where('action', '=', 'subscription.auto_renew_changed').execute();
    expect(actors).toEqual([{ actor: { type: 'operator' } }, { actor: { type: 'operator' } }]);
  });
});
