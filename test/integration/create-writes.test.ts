// Decision 0013: a create through the seat gate writes its member once, with its seat — not
// inserted pending and then updated (a second heap tuple and index entries in every members
// index, the email trigram one included: a third of a create's buffers). The update counts of
// the transaction itself (pg_stat_xact_user_tables) say how many member rows it rewrote.
import { sql, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { insertMemberThroughGate } from '../../src/services/seats/members.js';
import { inTransaction } from '../../src/storage/transactions.js';
import { loadGateOrg } from '../../src/services/seats/seat-gate.js';
import type { Db } from '../../src/storage/database.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';
import { auditActions, expectCounterConsistent, memberRow, scimActor, seats } from '../support/gate.js';

let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(); });
afterAll(() => ctx.close());

const memberUpdates = async (trx: Db) => Number((await sql<{ n: string }>`
  select n_tup_upd as n from pg_stat_xact_user_tables where relname = 'members'`.execute(trx)).rows[0]?.n ?? 0);

// The backend's not yet flushed counts may include earlier transactions: a difference is read.
const create = (orgId: string, userName: string, attributes: Record<string, unknown> = {}) => inTransaction(ctx.db, async (trx) => {
  const before = await memberUpdates(trx);
  const result = await insertMemberThroughGate(trx, ctx, orgId, { userName, externalId: null, active: true, attributes, source: 'scim' }, 'scim_create', scimActor);
  return { ...result, updates: (await memberUpdates(trx)) - before };
});

describe('a create through the seat gate', () => {
  it('inserts the member with its seat and never rewrites it', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 2, standard: 2 } }); // the owner holds premium #1
    const first = await create(org.orgId, 'once-a@example.test');
    const second = await create(org.orgId, 'once-b@example.test');
    expect(first).toMatchObject({ admission: { outcome: 'assigned', seatType: 'premium', reason: 'highest_available' }, updates: 0 });
    expect(second).toMatchObject({ admission: { outcome: 'assigned', seatType: 'standard', reason: 'highest_available' }, updates: 0 });
    expect(await memberRow(ctx, org.orgId, second.memberId)).toMatchObject({
      seat_state: 'assigned', seat_type: 'standard', pending_since: null,
      seat_reason: expect.objectContaining({ kind: 'highest_available', trigger: 'scim_create' }),
    });
    expect(await auditActions(ctx, org.orgId, 'seat.assigned')).toBeGreaterThanOrEqual(2);
    expect(await seats(ctx, org.orgId)).toMatchObject({ premium: { assigned: 2 }, standard: { assigned: 1 } });
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('follows an app-role mapping, and queues (pending) when nothing is free, as before', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 2, standard: 1 } });
    await ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ onNoSeat: 'pending', roleSeatTypes: { Basic: 'standard' } }) }).where('id', '=', org.orgId).execute();
    const mapped = await create(org.orgId, 'role@example.test', { roles: [{ value: 'Basic' }] });
    expect(mapped).toMatchObject({ admission: { outcome: 'assigned', seatType: 'standard', reason: 'mapping' }, updates: 0 });
    await create(org.orgId, 'last-premium@example.test');
    const queued = await create(org.orgId, 'queued@example.test');
    expect(queued.admission).toEqual({ outcome: 'pending', wanted: ['premium', 'standard'] });
    expect(await memberRow(ctx, org.orgId, queued.memberId)).toMatchObject({ seat_state: 'pending', seat_type: null });
    await expectCounterConsistent(ctx, org.orgId);
  });
});

/** What each statement of a transaction is: its kind and, for an UPDATE, its table. */
function statementLog(): { plugin: KyselyPlugin; seen: string[] } {
  const seen: string[] = [];
  const describe = (node: RootOperationNode) => (node.kind === 'UpdateQueryNode'
    ? `update ${(node.table as unknown as { table: { identifier: { name: string } } }).table.identifier.name}` : node.kind);
  return { seen, plugin: { transformQuery: ({ node }) => { seen.push(describe(node)); return node; }, transformResult: async ({ result }) => result } };
}

// Decision 0015: every create of an organization's seat type updates the same allocation row
// and holds its lock until commit; the reservation is the create's last statement, so that lock
// is held for the commit alone (before: the audit insert came after it).
describe('the reservation of a create', () => {
  it('is the last statement of the transaction; the audit event is written with the member', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 5, standard: 5 } });
    const log = statementLog();
    const result = await inTransaction(ctx.db, async (plain) => {
      const trx = plain.withPlugin(log.plugin);
      const gateOrg = await loadGateOrg(trx, ctx, org.orgId, { withFreeSeatTypes: true });
      return insertMemberThroughGate(trx, ctx, org.orgId, { userName: 'last@example.test', externalId: null, active: true, attributes: {}, source: 'scim' },
        'scim_create', scimActor, { org: gateOrg });
    });
    expect(result.admission).toMatchObject({ outcome: 'assigned', seatType: 'premium', usage: { assigned: 2, allocated: 5 } });
    // organization with free types, tombstones, member + audit, reservation: four round trips.
    expect(log.seen).toEqual(['SelectQueryNode', 'DeleteQueryNode', 'SelectQueryNode', 'update seat_allocations']);
    expect(result.user).toMatchObject({ id: result.memberId, user_name: 'last@example.test', seat_state: 'assigned', seat_type: 'premium' });
    const audit = await ctx.db.selectFrom('audit_events').select(['action', 'subject_type', 'after', 'reason'])
      .where('org_id', '=', org.orgId).where('subject_id', '=', result.memberId).execute();
    expect(audit).toEqual([{ action: 'seat.assigned', subject_type: 'member', after: { seatState: 'assigned', seatType: 'premium' },
      reason: { kind: 'highest_available', trigger: 'scim_create' } }]);
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('takes its audit event back and goes the old way when the hint was stale', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 1, standard: 2 } }); // the owner holds the one premium
    const result = await inTransaction(ctx.db, async (trx) => {
      const gateOrg = { ...(await loadGateOrg(trx, ctx, org.orgId)), freeSeatTypes: ['premium', 'standard'] }; // premium is not free
      return insertMemberThroughGate(trx, ctx, org.orgId, { userName: 'stale@example.test', externalId: null, active: true, attributes: {}, source: 'scim' },
        'scim_create', scimActor, { org: gateOrg });
    });
    expect(result.admission).toMatchObject({ outcome: 'assigned', seatType: 'standard' });
    expect(result.user).toBeUndefined(); // rewritten: the caller reads it again
    expect(await memberRow(ctx, org.orgId, result.memberId)).toMatchObject({ seat_state: 'assigned', seat_type: 'standard' });
    const audit = await ctx.db.selectFrom('audit_events').select(['action', 'after'])
      .where('org_id', '=', org.orgId).where('subject_id', '=', result.memberId).execute();
    expect(audit).toEqual([{ action: 'seat.assigned', after: { seatState: 'assigned', seatType: 'standard' } }]);
    await expectCounterConsistent(ctx, org.orgId);
  });
});
