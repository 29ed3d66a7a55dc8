// Decision 0013: a create through the seat gate writes its member once, with its seat — not
// inserted pending and then updated (a second heap tuple and index entries in every members
// index, the email trigram one included: a third of a create's buffers). The update counts of
// the transaction itself (pg_stat_xact_user_tables) say how many member rows it rewrote.
import { sql, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { gatedTransaction, insertMemberThroughGate } from '../../src/services/seats/members.js';
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

/**
 * What each statement a transaction ran is: its kind and, for an UPDATE, its table. Only
 * statements that returned a result count (a query used inside another is transformed too).
 */
function statementLog(): { plugin: KyselyPlugin; seen: string[] } {
  const seen: string[] = [];
  const built = new Map<unknown, string>();
  const describe = (node: RootOperationNode) => (node.kind === 'UpdateQueryNode'
    ? `update ${(node.table as unknown as { table: { identifier: { name: string } } }).table.identifier.name}`
    // The exact seat taker of the striped counter (decision 0036) is one SQL function call.
    : node.kind === 'RawNode' ? (/(seat_\w+)\(/.exec(node.sqlFragments.join('?'))?.[1] ?? node.kind) : node.kind);
  return {
    seen,
    plugin: {
      transformQuery: ({ node, queryId }) => { built.set(queryId, describe(node)); return node; },
      transformResult: async ({ result, queryId }) => { seen.push(built.get(queryId) ?? '?'); return result; },
    },
  };
}

// Decision 0015: every create of an organization's seat type updates the same allocation row and
// holds its lock until its transaction ends. A create takes its seat at commit (a deferred
// trigger, migration 0015), so no statement runs while that lock is held; without it (the rerun
// after a failed commit) the reservation is the create's last statement. Before: the audit
// insert came after the reservation, and the member was read again after commit.
describe('the reservation of a create', () => {
  const newUser = (userName: string) => ({ userName, externalId: null, active: true, attributes: {}, source: 'scim' as const });
  const reservations = async () => Number((await sql<{ n: string }>`select count(*) as n from seat_reservations`.execute(ctx.db)).rows[0]!.n);

  it('is taken by the commit: no statement holds the allocation row, the audit event is written with the member', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 100, standard: 5 } });
    const log = statementLog();
    let during: Record<string, { assigned: number }> = {};
    const result = await inTransaction(ctx.db, async (plain) => {
      const trx = plain.withPlugin(log.plugin);
      const gateOrg = await loadGateOrg(trx, ctx, org.orgId, { withSeats: true, takeTombstones: { userName: 'at-commit@example.test', externalId: null } });
      expect(gateOrg.takenTombstones).toEqual([]);
      const created = await insertMemberThroughGate(trx, ctx, org.orgId, newUser('at-commit@example.test'), 'scim_create', scimActor, { org: gateOrg, seatAtCommit: true });
      during = await seats(ctx, org.orgId); // another connection: the seat is not taken yet
      return created;
    });
    // organization with its seats and tombstones taken, then member + audit + reservation: two round trips.
    expect(log.seen).toEqual(['SelectQueryNode', 'SelectQueryNode']);
    expect(during).toMatchObject({ premium: { assigned: 1 } });
    expect(await seats(ctx, org.orgId)).toMatchObject({ premium: { assigned: 2 } });
    expect(await reservations()).toBe(0);
    expect(result.admission).toMatchObject({ outcome: 'assigned', seatType: 'premium', atCommit: true, usage: { assigned: 2, allocated: 100 } });
    expect(result.user).toMatchObject({ id: result.memberId, user_name: 'at-commit@example.test', seat_state: 'assigned', seat_type: 'premium' });
    const audit = await ctx.db.selectFrom('audit_events').select(['action', 'subject_type', 'after', 'reason'])
      .where('org_id', '=', org.orgId).where('subject_id', '=', result.memberId).execute();
    expect(audit).toEqual([{ action: 'seat.assigned', subject_type: 'member', after: { seatState: 'assigned', seatType: 'premium' },
      reason: { kind: 'highest_available', trigger: 'scim_create' } }]);
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('is otherwise — near the allocation, or in the run again — the last statement of the transaction', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 5, standard: 5 } });
    const log = statementLog();
    const result = await inTransaction(ctx.db, async (plain) => {
      const trx = plain.withPlugin(log.plugin);
      const gateOrg = await loadGateOrg(trx, ctx, org.orgId, { withSeats: true });
      // 4 free premium seats: fewer than AT_COMMIT_MIN_FREE, so not at commit even when allowed.
      return insertMemberThroughGate(trx, ctx, org.orgId, newUser('last@example.test'), 'scim_create', scimActor, { org: gateOrg, seatAtCommit: true });
    });
    expect(result.admission).toMatchObject({ outcome: 'assigned', seatType: 'premium', usage: { assigned: 2, allocated: 5 } });
    expect(log.seen).toEqual(['SelectQueryNode', 'DeleteQueryNode', 'SelectQueryNode', 'seat_take_exact']);
    await expectCounterConsistent(ctx, org.orgId);
  });

  // premium is full (the owner holds the one seat), but the hint read says it has room.
  const staleOrg = async (trx: Db, orgId: string) => ({ ...(await loadGateOrg(trx, ctx, orgId)), seats: [
    { seatType: 'premium', assigned: 0, allocated: 1000 }, { seatType: 'standard', assigned: 0, allocated: 2 }] });

  it('fails the commit, writing nothing, when the seat was taken meanwhile; the gated create then runs the old way', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 1, standard: 2 } });
    await expect(inTransaction(ctx.db, async (trx) => insertMemberThroughGate(trx, ctx, org.orgId, newUser('gone@example.test'), 'scim_create', scimActor,
      { org: await staleOrg(trx, org.orgId), seatAtCommit: true }))).rejects.toMatchObject({ code: 'SG001' });
    expect(await ctx.db.selectFrom('members').select('id').where('org_id', '=', org.orgId).where('user_name', '=', 'gone@example.test').execute()).toEqual([]);
    expect(await reservations()).toBe(0);

    const runs: boolean[] = [];
    const gated = await gatedTransaction(ctx, org.orgId, { subject: 'again@example.test', trigger: 'scim_create', actor: scimActor }, async (trx, run) => {
      runs.push(run.seatAtCommit);
      return insertMemberThroughGate(trx, ctx, org.orgId, newUser('again@example.test'), 'scim_create', scimActor,
        { org: await staleOrg(trx, org.orgId), seatAtCommit: run.seatAtCommit });
    });
    expect(runs).toEqual([true, false]);
    expect(gated).toMatchObject({ ok: true, value: { admission: { outcome: 'assigned', seatType: 'standard' } } });
    expect(await seats(ctx, org.orgId)).toMatchObject({ premium: { assigned: 1 }, standard: { assigned: 1 } });
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('takes its audit event back and goes the old way when the hint was stale', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 1, standard: 2 } });
    const result = await inTransaction(ctx.db, async (trx) => insertMemberThroughGate(trx, ctx, org.orgId, newUser('stale@example.test'), 'scim_create', scimActor,
      { org: await staleOrg(trx, org.orgId) }));
    expect(result.admission).toMatchObject({ outcome: 'assigned', seatType: 'standard' });
    expect(result.user).toBeUndefined(); // rewritten: the caller reads it again
    expect(await memberRow(ctx, org.orgId, result.memberId)).toMatchObject({ seat_state: 'assigned', seat_type: 'standard' });
    const audit = await ctx.db.selectFrom('audit_events').select(['action', 'after'])
      .where('org_id', '=', org.orgId).where('subject_id', '=', result.memberId).execute();
    expect(audit).toEqual([{ action: 'seat.assigned', after: { seatState: 'assigned', seatType: 'standard' } }]);
    await expectCounterConsistent(ctx, org.orgId);
  });
});
