// The cost of an IdP's PUT of a user (issue 14): Okta sends a PUT of the whole user for every
// profile change. A profile-only PUT is one conditional UPDATE … RETURNING (decisions 0019, 0025:
// no read before or after, no utilization check: no seat moved); seat changes, no-ops and ended
// organizations still take the path that reads, the gate and the check. The answer is the user
// as written: the same document a GET gives afterwards.
import { Kysely, PostgresDialect } from 'kysely';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { SeatMonitor, withSeatMonitor } from '../../src/services/seats/monitoring.js';
import type { ServiceContext } from '../../src/services/context.js';
import { createUser, deleteUser, patchUser, replaceUser } from '../../src/services/scim/users.js';
import type { ScimCaller } from '../../src/services/scim/common.js';
import type { Database } from '../../src/storage/schema.js';
import { orgHasEnded } from '../../src/domain/organization.js';
import { addDays, toIsoDate } from '../../src/domain/dates.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { patchOp, scimClient, USER_SCHEMA as USER } from '../support/scim.js';

let base: TestContext;
let t: TestApp;
let statements: string[];
let checks: string[];
let ctx: ServiceContext;
let race: (() => Promise<unknown>) | undefined;

class CountingMonitor extends SeatMonitor {
  override async check(c: ServiceContext, orgId: string) {
    checks.push(orgId);
    return super.check(c, orgId);
  }
}

beforeAll(() => {
  base = openTestContext();
  t = openTestApp();
  statements = [];
  checks = [];
  // The same pool, through a Kysely that logs every statement the use case sends.
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: base.handle.pool }),
    log: (event) => { if (event.level === 'query') statements.push(event.query.sql); },
  }).withPlugin({
    transformQuery: (args) => args.node,
    // A write by someone else right after the use case's first read of the user (a lost race).
    transformResult: async (args) => {
      const last = statements[statements.length - 1] ?? '';
      if (race && /from "members"/.test(last) && !/for update/.test(last)) {
        const run = race;
        race = undefined;
        await run();
      }
      return args.result;
    },
  });
  const monitor = new CountingMonitor({ logger: createLogger('error'), registry: createMetrics(base.handle.pool).registry });
  ctx = withSeatMonitor({ db, plans: base.plans, now: () => new Date() }, monitor);
});
afterAll(async () => {
  await t.close();
  await base.close();
});

const okta = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER], userName, externalId: `00u-${userName}`, name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [{ value: userName, type: 'work', primary: true }], displayName: 'Ada Lovelace', locale: 'en-US',
  groups: [], active: true, password: 'placeholder', ...extra,
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 100)); // the check after commit is not awaited

describe('PUT of a user (Okta update)', () => {
  it('a profile-only PUT is one statement and no utilization check; an unchanged PUT two, and writes nothing', async () => {
    const org = await newOrganization(base, { seats: { premium: 5, standard: 5 } });
    const caller: ScimCaller = { orgId: org.orgId, actor: { type: 'system' } };
    const created = await createUser(ctx, caller, okta('ada@put.example'));
    await settle();

    statements.length = 0; checks.length = 0;
    const changed = await replaceUser(ctx, caller, created.id, okta('ada@put.example', { title: 'Countess', name: { givenName: 'Ada', familyName: 'King' } }));
    await settle();
    expect(changed.changed).toBe(true);
    expect(changed.view).toMatchObject({ version: created.version + 1, attributes: expect.objectContaining({ title: 'Countess' }), seatState: 'assigned', groups: [] });
    expect(statements).toHaveLength(1); // UPDATE … WHERE <no seat moves, not a no-op, organization writable> RETURNING
    expect(statements[0]).toMatch(/^update "members"/);
    expect(checks).toEqual([]);

    statements.length = 0;
    const same = await replaceUser(ctx, caller, created.id, okta('ada@put.example', { title: 'Countess', name: { givenName: 'Ada', familyName: 'King' } }));
    await settle();
    expect(same).toMatchObject({ changed: false, view: { version: created.version + 1 } });
    expect(statements).toHaveLength(2); // the UPDATE that matched nothing, then the user with its organization's term and groups
    expect(checks).toEqual([]);
  });

  it('a PUT that deactivates or reactivates still moves the seat and runs the utilization check', async () => {
    const org = await newOrganization(base, { seats: { premium: 5, standard: 5 } });
    const caller: ScimCaller = { orgId: org.orgId, actor: { type: 'system' } };
    const created = await createUser(ctx, caller, okta('grace@put.example'));
    await settle();
    checks.length = 0;
    const off = await replaceUser(ctx, caller, created.id, okta('grace@put.example', { active: false }));
    await settle();
    expect(off.view).toMatchObject({ active: false, seatState: 'inactive', seatType: null });
    expect(checks).toEqual([org.orgId]);
    const on = await replaceUser(ctx, caller, created.id, okta('grace@put.example', { active: true }));
    await settle();
    expect(on.view).toMatchObject({ active: true, seatState: 'assigned' });
    expect(checks).toEqual([org.orgId, org.orgId]);
  });

  it('a write that lands between the read and the UPDATE is not lost: the change is redone under the lock', async () => {
    const org = await newOrganization(base, { seats: { premium: 5, standard: 5 } });
    const caller: ScimCaller = { orgId: org.orgId, actor: { type: 'system' } };
    const created = await createUser(ctx, caller, okta('race@put.example'));
    // The other writer (an Entra-style PATCH on another connection) sets a title meanwhile.
    race = () => patchUser(base, caller, created.id, patchOp({ op: 'replace', path: 'title', value: 'Concurrent' }), 'default');
    const result = await patchUser(ctx, caller, created.id, patchOp({ op: 'replace', path: 'name.familyName', value: 'Byron' }), 'default');
    expect(race).toBeUndefined();
    expect(result.view).toMatchObject({ version: created.version + 2, attributes: expect.objectContaining({ title: 'Concurrent', name: expect.objectContaining({ familyName: 'Byron' }) }) });
    // A deletion meanwhile: 404, nothing written. (A PUT's common write has no read to race with:
    // its one UPDATE decides on the row as it is; a deleted user makes it match nothing.)
    race = () => deleteUser(base, caller, created.id);
    await expect(patchUser(ctx, caller, created.id, patchOp({ op: 'replace', path: 'title', value: 'Late' }), 'default')).rejects.toMatchObject({ code: 'not_found' });
    await expect(replaceUser(ctx, caller, created.id, okta('race@put.example', { title: 'Later' }))).rejects.toMatchObject({ code: 'not_found' });
    expect(await base.db.selectFrom('members').select('id').where('id', '=', created.id).executeTakeFirst()).toBeUndefined();
  });

  it('a PUT that changes an active user\'s app roles is re-evaluated through the gate, not written in one statement', async () => {
    const org = await newOrganization(base, { seats: { premium: 5, standard: 5 } });
    await base.db.updateTable('organizations').set({ settings: JSON.stringify({ roleSeatTypes: { Basic: 'standard' } }) }).where('id', '=', org.orgId).execute();
    const caller: ScimCaller = { orgId: org.orgId, actor: { type: 'system' } };
    const created = await createUser(ctx, caller, okta('roles@put.example'));
    expect(created).toMatchObject({ seatState: 'assigned', seatType: 'premium' });
    const put = await replaceUser(ctx, caller, created.id, okta('roles@put.example', { roles: [{ value: 'Basic' }] }));
    expect(put.view).toMatchObject({ seatState: 'assigned', seatType: 'standard' });
    // An inactive user's roles move no seat: one statement.
    await replaceUser(ctx, caller, created.id, okta('roles@put.example', { roles: [{ value: 'Basic' }], active: false }));
    await settle();
    statements.length = 0;
    const off = await replaceUser(ctx, caller, created.id, okta('roles@put.example', { roles: [{ value: 'Other' }], active: false, title: 'Gone' }));
    expect(off.view).toMatchObject({ active: false, seatState: 'inactive', attributes: expect.objectContaining({ roles: [{ value: 'Other' }], title: 'Gone' }) });
    expect(statements).toHaveLength(1);
  });

  it('a PUT to an organization whose term has ended answers 403 and writes nothing, exactly when orgHasEnded says so', async () => {
    const org = await newOrganization(base, { seats: { premium: 50 } });
    const caller: ScimCaller = { orgId: org.orgId, actor: { type: 'system' } };
    const created = await createUser(ctx, caller, okta('term@put.example'));
    const today = toIsoDate(new Date());
    let n = 0;
    for (const status of ['active', 'ended'] as const) {
      for (const autoRenew of [true, false]) {
        for (const cancelAtTermEnd of [false, true]) {
          for (const termEnd of [addDays(today, -1), today, addDays(today, 1)]) {
            await base.db.updateTable('organizations').set({ status, auto_renew: autoRenew, cancel_at_term_end: cancelAtTermEnd, term_start: addDays(termEnd, -365), term_end: termEnd })
              .where('id', '=', org.orgId).execute();
            const ended = orgHasEnded({ status, autoRenew, cancelAtTermEnd, termEnd }, today);
            const before = await base.db.selectFrom('members').select(['version', 'attributes']).where('id', '=', created.id).executeTakeFirstOrThrow();
            statements.length = 0;
            const title = `Title ${n += 1}`;
            const put = replaceUser(ctx, caller, created.id, okta('term@put.example', { title }));
            const where = JSON.stringify({ status, autoRenew, cancelAtTermEnd, termEnd, today });
            if (ended) {
              await expect(put).rejects.toMatchObject({ code: 'org_inactive' });
              const after = await base.db.selectFrom('members').select(['version', 'attributes']).where('id', '=', created.id).executeTakeFirstOrThrow();
              expect({ where, after }).toEqual({ where, after: before });
            } else {
              expect({ where, title: (await put).view.attributes.title, statements: statements.length }).toEqual({ where, title, statements: 1 });
            }
          }
        }
      }
    }
  });

  it('answers over HTTP the same document a GET gives afterwards: groups, version, lastModified; excludedAttributes honoured', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 5 } });
    const scim = scimClient(t.app, org.scimToken);
    const user = (await scim.post('/Users', okta('lin@put.example')).expect(201)).body;
    await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Engineering', members: [{ value: user.id }] }).expect(201);
    const put = await scim.put(`/Users/${user.id}`, { ...okta('lin@put.example', { title: 'Lead' }), id: user.id, meta: user.meta }).expect(200);
    const get = await scim.get(`/Users/${user.id}`).expect(200);
    const hostless = (body: unknown) => JSON.parse(JSON.stringify(body).replace(/127\.0\.0\.1:\d+/g, 'host')); // supertest: a port per request
    expect(hostless(put.body)).toEqual(hostless(get.body));
    expect(put.headers.etag).toBe(get.headers.etag);
    expect(put.body.groups).toEqual([expect.objectContaining({ value: expect.any(String), display: 'Engineering' })]);
    const lean = await scim.put(`/Users/${user.id}?excludedAttributes=groups`, { ...okta('lin@put.example', { title: 'Principal' }), id: user.id }).expect(200);
    expect(lean.body.groups).toBeUndefined();
    expect(lean.body.title).toBe('Principal');
    const patched = await scim.patch(`/Users/${user.id}`, patchOp({ op: 'replace', path: 'title', value: 'CTO' })).expect(204);
    expect(patched.headers.etag).toBe((await scim.get(`/Users/${user.id}`).expect(200)).headers.etag);
  });
});
