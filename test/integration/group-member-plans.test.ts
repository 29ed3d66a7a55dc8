// Decision 0032: a one-member change of a group is planned once per connection. Its custom plans
// (the ids known to the planner) used to look cheaper than the cached one, so PostgreSQL planned
// the statement again at every change (about twice its execution); whether a connection had
// escaped that depended on what it had run before (1,000-member batches made the cached plan win),
// which is why the first one-client run of a sitting was slow and the second not.
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import * as groups from '../../src/storage/scim-groups.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';

let ctx: TestContext;
let orgId: string;
let memberIds: string[];
const URL = () => process.env.SEATGATE_TEST_DATABASE_URL!;
const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  ctx = openTestContext();
  orgId = (await newOrganization(ctx)).orgId;
  memberIds = (await sql<{ id: string }>`
    insert into members (org_id, user_name, seat_state, source, attributes)
    select ${orgId}, 'plan-' || i || '@example.test', 'unassigned', 'scim', '{}'::jsonb from generate_series(1, 10200) as i
    returning id`.execute(ctx.db)).rows.map((row) => row.id);
  // A group of 10,000 and statistics that know them, as in any database that has run a while: with
  // them, a plan for one known id costs a fifth of the cached plan's guess of ten ids.
  const seeded = await newGroup('plans-base');
  await sql`insert into group_members (org_id, group_id, member_id) select ${orgId}, ${seeded}, id from members
    where org_id = ${orgId} and id = any(${memberIds.slice(0, 10000)}::uuid[])`.execute(ctx.db);
  await sql`analyze members`.execute(ctx.db);
  await sql`analyze group_members`.execute(ctx.db);
});
afterAll(() => ctx.close());

async function newGroup(name: string): Promise<string> {
  return (await sql<{ id: string }>`insert into groups (org_id, display_name) values (${orgId}, ${name}) returning id`.execute(ctx.db)).rows[0]!.id;
}

type Prepared = { generic_plans: string; custom_plans: string };
/** Plans of the membership statement on this session (pg_prepared_statements is per session). */
async function plansOf(handle: DatabaseHandle): Promise<{ generic: number; custom: number }> {
  const rows = (await sql<Prepared>`select generic_plans, custom_plans from pg_prepared_statements
    where statement like '%insert into group_members (org_id, group_id, member_id)%'`.execute(handle.db)).rows;
  expect(rows).toHaveLength(1);
  return { generic: Number(rows[0]!.generic_plans), custom: Number(rows[0]!.custom_plans) };
}

/** One connection, so that the plans read are those of every change made. */
async function withSession<T>(fn: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const handle = openDatabase(URL(), 1);
  try {
    // PostgreSQL's default, as the peers harness runs it (the bundled server says 1.1, which makes
    // index scans of ten guessed ids cheap enough that the cached plan won anyway).
    await sql`set random_page_cost = 4`.execute(handle.db);
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

async function toggle(handle: DatabaseHandle, groupId: string, member: string, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    const adding = i % 2 === 0;
    const outcome = await groups.applyMemberDelta(handle.db, orgId, groupId, adding ? [member] : [], adding ? [] : [member], today());
    expect(outcome).toMatchObject({ kind: 'applied', changed: [member] });
  }
}

describe('a one-member change of a group', () => {
  it('is planned for its first executions on a connection, then runs on the cached plan', async () => {
    const groupId = await newGroup('plans-toggled');
    await withSession(async (handle) => {
      await toggle(handle, groupId, memberIds[10150]!, 40);
      const plans = await plansOf(handle);
      expect(plans.generic + plans.custom).toBe(40);
      // PostgreSQL plans the first five executions for their parameters, then keeps the generic
      // plan when it costs no more than theirs.
      expect(plans.custom).toBeLessThanOrEqual(5);
    });
  });

  it('keeps the cached plan whether or not large batches came first (the harness seeds its group so)', async () => {
    const groupId = await newGroup('plans-seeded');
    await withSession(async (handle) => {
      await groups.applyMemberDelta(handle.db, orgId, groupId, memberIds.slice(10001, 10099), [], today());
      await toggle(handle, groupId, memberIds[10100]!, 40);
      await sql`analyze group_members`.execute(handle.db); // new statistics: the plan is made again
      await toggle(handle, groupId, memberIds[10101]!, 40);
      const plans = await plansOf(handle);
      expect(plans.generic + plans.custom).toBe(81);
      expect(plans.custom).toBeLessThanOrEqual(6);
    });
  });
});
