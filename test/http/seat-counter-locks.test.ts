// The seat counter rows are locked only by their updaters (decision 0028, migration 0027). Every
// create takes its seat by updating a stripe of the counter at commit (decision 0036); the
// member's foreign key on (org_id, seat_type) falls on `seat_type_keys` (never updated), so a
// create in flight beside another create's commit does not turn a stripe's xmax into a multixact.
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { scimClient, USER_SCHEMA as USER } from '../support/scim.js';
import { someoneWaits } from '../support/locks.js';

let t: TestApp;
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());


it('a create beside another seat update in flight leaves no multixact on the seat counter row', async () => {
  const org = await newOrganization(t.ctx, { seats: { premium: 500, standard: 0 } });
  const client = scimClient(t.app, org.scimToken);
  await client.post('/Users', { schemas: [USER], userName: 'first@x.com' }).expect(201); // the one-statement path is remembered
  const other = await t.ctx.handle.pool.connect();
  try {
    // Another create's commit-time seat update (migration 0015's trigger), not committed yet.
    await other.query('begin');
    const xid = (await other.query('select pg_current_xact_id()::text::bigint as xid')).rows[0].xid as string;
    // (All 16 stripes, so that ours, whichever it is, is among them.)
    await other.query("update seat_stripes set assigned = assigned + 1 where org_id = $1 and seat_type = 'premium'", [org.orgId]);
    const creating = client.post('/Users', { schemas: [USER], userName: 'second@x.com' }).then((r) => r);
    await someoneWaits(t.ctx.handle.pool); // our create waits at commit for the other seat update, as it must
    // Before migration 0027 the member's foreign key key-share locked this row while the other
    // transaction updated it: its xmax became a multixact of both.
    const { rows } = await t.ctx.handle.pool.query("select distinct xmax::text::bigint as xmax from seat_stripes where org_id = $1 and seat_type = 'premium'", [org.orgId]);
    expect(rows).toEqual([{ xmax: xid }]);
    await other.query('rollback');
    expect((await creating).status).toBe(201);
  } finally {
    await other.query('rollback').catch(() => {});
    other.release();
  }
  const { rows } = await t.ctx.handle.pool.query(
    "select assigned, (select count(*)::int from members m where m.org_id = a.org_id and m.seat_state = 'assigned' and m.seat_type = 'premium') as seated from seat_allocations a where org_id = $1 and seat_type = 'premium'",
    [org.orgId]);
  expect(rows[0].assigned).toBe(rows[0].seated); // the counter is exact: the rolled-back update took nothing
});

it('a member still needs a seat type its organization has, and an allocation in use cannot be deleted', async () => {
  const org = await newOrganization(t.ctx, { seats: { premium: 10, standard: 5 } });
  const client = scimClient(t.app, org.scimToken);
  await client.post('/Users', { schemas: [USER], userName: 'seated@x.com' }).expect(201);
  const pool = t.ctx.handle.pool;
  // Every allocation has its key (the insert trigger), none else.
  const keys = await pool.query('select seat_type from seat_type_keys where org_id = $1 order by seat_type', [org.orgId]);
  expect(keys.rows.map((r) => r.seat_type)).toEqual(['premium', 'standard']);
  await expect(pool.query(`insert into members (org_id, user_name, seat_state, seat_type, source) values ($1, 'ghost@x.com', 'assigned', 'nonexistent', 'admin')`, [org.orgId]))
    .rejects.toMatchObject({ code: '23503' });
  await expect(pool.query("delete from seat_allocations where org_id = $1 and seat_type = 'premium'", [org.orgId])).rejects.toMatchObject({ code: '23503' });
  // An allocation nobody uses goes, and its key with it.
  await pool.query("delete from seat_allocations where org_id = $1 and seat_type = 'standard'", [org.orgId]);
  expect((await pool.query("select count(*)::int as n from seat_type_keys where org_id = $1 and seat_type = 'standard'", [org.orgId])).rows[0].n).toBe(0);
});
