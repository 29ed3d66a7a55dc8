import { openDatabase } from '../../src/storage/database.js';
import { inTransaction } from '../../src/storage/transactions.js';
import { changeSeat, loadGateOrg, reevaluate, release, servePending } from '../../src/services/seats/seat-gate.js';
import { createMember } from '../../src/services/seats/members.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';
import {
  addGroup, addMapping, addMember, auditActions, expectCounterConsistent, joinGroup, memberRow, scimActor, seatedMember, seats,
} from '../support/gate.js';

let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(); });
afterAll(() => ctx.close());

const admin = { type: 'admin' as const, memberId: '00000000-0000-0000-0000-000000000002' };
const gateOrg = (orgId: string) => loadGateOrg(ctx.db, ctx, orgId);
const tx = <T>(fn: Parameters<typeof inTransaction<T>>[1]) => inTransaction(ctx.db, fn);
const setMode = (orgId: string, onNoSeat: 'block' | 'pending', extra: Record<string, unknown> = {}) =>
  ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ onNoSeat, ...extra }) }).where('id', '=', orgId).execute();

describe('which seat type (SPEC §4.2)', () => {
  it('gives the highest type with a free seat', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 2, standard: 2 } }); // the owner takes premium #1
    const a = await seatedMember(ctx, org.orgId);
    const b = await seatedMember(ctx, org.orgId);
    expect((await memberRow(ctx, org.orgId, a)).seat_type).toBe('premium');
    expect(await memberRow(ctx, org.orgId, b)).toMatchObject({ seat_state: 'assigned', seat_type: 'standard', seat_reason: expect.objectContaining({ kind: 'highest_available', trigger: 'scim_create' }) });
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('follows a group mapping (by group id or externalId) even when a higher type is free', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 5, standard: 5 } });
    const byExternalId = await addGroup(ctx, org.orgId, 'okta-group-42');
    const mapping = await addMapping(ctx, org.orgId, 'okta-group-42', 'standard');
    const r = await addMember(ctx, org.orgId, {}, false); // created inactive, then joins the group
    if (!r.ok) throw new Error('unexpected');
    await joinGroup(ctx, org.orgId, byExternalId, r.memberId);
    await ctx.db.updateTable('members').set({ active: true, seat_state: 'pending', pending_since: new Date() }).where('id', '=', r.memberId).execute();
    const admission = await tx(async (trx) => (await import('../../src/services/seats/seat-gate.js')).admit(trx, await loadGateOrg(trx, ctx, org.orgId), r.memberId, 'scim_reactivate', scimActor));
    expect(admission).toEqual({ outcome: 'assigned', seatType: 'standard', reason: 'mapping' });
    expect((await memberRow(ctx, org.orgId, r.memberId)).seat_reason).toMatchObject({ kind: 'mapping', mappingIds: [mapping] });
  });

  it('takes the highest of several mappings, and JIT group ids count like memberships', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 5, standard: 5 } });
    await addMapping(ctx, org.orgId, 'entra-std', 'standard');
    const premiumMapping = await addMapping(ctx, org.orgId, 'entra-prem', 'premium');
    const r = await addMember(ctx, org.orgId, { idpGroupIds: ['entra-std', 'entra-prem', 'unmapped'] });
    expect(r).toMatchObject({ ok: true, admission: { outcome: 'assigned', seatType: 'premium', reason: 'mapping' } });
    if (r.ok) expect((await memberRow(ctx, org.orgId, r.memberId)).seat_reason).toMatchObject({ mappingIds: [premiumMapping] });
  });

  it('refuses a full mapped type without fallback, and falls back when the mapping allows it', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 1, standard: 3 } }); // owner holds the only premium
    await addMapping(ctx, org.orgId, 'strict', 'premium', false);
    await addMapping(ctx, org.orgId, 'lenient', 'premium', true);
    const strict = await addMember(ctx, org.orgId, { idpGroupIds: ['strict'] });
    expect(strict).toMatchObject({ ok: false, admission: { outcome: 'refused', cause: 'no_seat_available', exhausted: ['premium'] } });
    const lenient = await addMember(ctx, org.orgId, { idpGroupIds: ['lenient'] });
    expect(lenient).toMatchObject({ ok: true, admission: { outcome: 'assigned', seatType: 'standard', reason: 'fallback' } });
  });

  it('lets Entra app roles select a seat type when the organization configures them', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 5, standard: 5 } });
    await setMode(org.orgId, 'block', { roleSeatTypes: { 'Standard.User': 'standard' } });
    expect(await addMember(ctx, org.orgId, { roles: ['Standard.User'] })).toMatchObject({ ok: true, admission: { seatType: 'standard', reason: 'mapping' } });
    expect(await addMember(ctx, org.orgId, { roles: ['Other'] })).toMatchObject({ ok: true, admission: { seatType: 'premium' } });
  });
});

describe('no seat free (SPEC §4.3)', () => {
  it('block: refuses, creates nothing, keeps the counter, and records the refusal', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 1, standard: 0 } });
    const before = await ctx.db.selectFrom('members').select('id').where('org_id', '=', org.orgId).execute();
    const r = await addMember(ctx, org.orgId);
    expect(r).toMatchObject({ ok: false, admission: { cause: 'no_seat_available', exhausted: ['premium', 'standard'] } });
    if (!r.ok) expect(r.admission.cause === 'no_seat_available' && r.admission.message).toMatch(/owner must buy seats/);
    expect(await ctx.db.selectFrom('members').select('id').where('org_id', '=', org.orgId).execute()).toHaveLength(before.length);
    expect(await auditActions(ctx, org.orgId, 'seat.refused')).toBe(1);
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('pending: creates the member pending and serves the queue first-come first-served when seats free up', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 2, standard: 0 } });
    await setMode(org.orgId, 'pending');
    const holder = await seatedMember(ctx, org.orgId);
    const first = await addMember(ctx, org.orgId);
    const second = await addMember(ctx, org.orgId);
    expect(first).toMatchObject({ ok: true, admission: { outcome: 'pending' } });
    if (!first.ok || !second.ok) throw new Error('unexpected');
    expect((await memberRow(ctx, org.orgId, first.memberId)).pending_since).toBeInstanceOf(Date);
    await tx(async (trx) => release(trx, await loadGateOrg(trx, ctx, org.orgId), holder, 'inactive', 'scim_reactivate', scimActor));
    expect(await memberRow(ctx, org.orgId, first.memberId)).toMatchObject({ seat_state: 'assigned', seat_type: 'premium', pending_since: null });
    expect((await memberRow(ctx, org.orgId, second.memberId)).seat_state).toBe('pending');
    expect((await memberRow(ctx, org.orgId, holder)).seat_state).toBe('inactive');
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('serves pending members when the allocation grows, skipping those whose mapped type is still full', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 1, standard: 0 } });
    await setMode(org.orgId, 'pending');
    await addMapping(ctx, org.orgId, 'prem-only', 'premium');
    const wantsPremium = await addMember(ctx, org.orgId, { idpGroupIds: ['prem-only'] });
    const anyone = await addMember(ctx, org.orgId);
    if (!wantsPremium.ok || !anyone.ok) throw new Error('unexpected');
    await ctx.db.updateTable('seat_allocations').set({ allocated: 1 }).where('org_id', '=', org.orgId).where('seat_type', '=', 'standard').execute();
    const served = await tx(async (trx) => servePending(trx, await loadGateOrg(trx, ctx, org.orgId), 'seats_added', { type: 'operator' }));
    expect(served).toBe(1);
    expect((await memberRow(ctx, org.orgId, anyone.memberId)).seat_type).toBe('standard');
    expect((await memberRow(ctx, org.orgId, wantsPremium.memberId)).seat_state).toBe('pending');
  });

  it('refuses everything once the organization has ended', async () => {
    const org = await newOrganization(ctx);
    await ctx.db.updateTable('organizations').set({ status: 'ended' }).where('id', '=', org.orgId).execute();
    expect(await addMember(ctx, org.orgId)).toMatchObject({ ok: false, admission: { cause: 'org_inactive' } });
  });
});

describe('group changes re-evaluate seated members', () => {
  it('upgrades through the gate, keeps the seat when the upgrade is refused, and downgrades without refusing', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 2, standard: 3 } });
    const premiumGroup = await addGroup(ctx, org.orgId);
    const standardGroup = await addGroup(ctx, org.orgId);
    await addMapping(ctx, org.orgId, premiumGroup, 'premium');
    await addMapping(ctx, org.orgId, standardGroup, 'standard');
    const a = await seatedMember(ctx, org.orgId); // premium (last one)
    const b = await seatedMember(ctx, org.orgId); // standard
    const reeval = (id: string) => tx(async (trx) => reevaluate(trx, await loadGateOrg(trx, ctx, org.orgId), id, 'group_change', scimActor));

    await joinGroup(ctx, org.orgId, premiumGroup, b);
    await reeval(b); // premium is full: b keeps standard, the refusal is recorded
    expect((await memberRow(ctx, org.orgId, b)).seat_type).toBe('standard');
    expect(await auditActions(ctx, org.orgId, 'seat.refused')).toBe(1);

    await joinGroup(ctx, org.orgId, standardGroup, a);
    await reeval(a); // downgrade: a moves to standard, which frees a premium seat
    expect((await memberRow(ctx, org.orgId, a)).seat_type).toBe('standard');
    await reeval(b); // now the upgrade succeeds
    expect(await memberRow(ctx, org.orgId, b)).toMatchObject({ seat_type: 'premium', seat_reason: expect.objectContaining({ kind: 'mapping' }) });
    await expectCounterConsistent(ctx, org.orgId);
  });
});

describe('admin changes (SPEC §4.4)', () => {
  it('performs the swap example without buying', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 10, standard: 5 } });
    const premiumHolders = [];
    for (let i = 0; i < 9; i += 1) premiumHolders.push(await seatedMember(ctx, org.orgId)); // + owner = 10 premium
    const B = await seatedMember(ctx, org.orgId);
    expect((await memberRow(ctx, org.orgId, B)).seat_type).toBe('standard');
    const A = premiumHolders[0]!;
    const change = (id: string, target: string) => tx(async (trx) => changeSeat(trx, await gateOrgIn(trx), id, target, admin));
    const gateOrgIn = (trx: typeof ctx.db) => loadGateOrg(trx, ctx, org.orgId);

    expect(await change(B, 'premium')).toMatchObject({ outcome: 'refused', exhausted: ['premium'] });
    expect(await change(A, 'unassigned')).toMatchObject({ outcome: 'changed', seatState: 'unassigned' });
    expect(await change(B, 'premium')).toMatchObject({ outcome: 'changed', seatType: 'premium' });
    expect(await change(A, 'standard')).toMatchObject({ outcome: 'changed', seatType: 'standard' });
    expect(await seats(ctx, org.orgId)).toEqual({ premium: { allocated: 10, assigned: 10 }, standard: { allocated: 5, assigned: 1 } });
    expect((await memberRow(ctx, org.orgId, A)).unassigned_by_admin).toBe(false);
    expect(await change(A, 'standard')).toMatchObject({ outcome: 'unchanged' });
    await expect(change(A, 'gold')).rejects.toThrow(/no seat type "gold"/);
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('keeps an unassigned member unassigned: the admin hold survives deactivation', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 3, standard: 0 } });
    const m = await seatedMember(ctx, org.orgId);
    await tx(async (trx) => changeSeat(trx, await loadGateOrg(trx, ctx, org.orgId), m, 'unassigned', admin));
    expect(await memberRow(ctx, org.orgId, m)).toMatchObject({ seat_state: 'unassigned', unassigned_by_admin: true, seat_type: null });
    await tx(async (trx) => release(trx, await loadGateOrg(trx, ctx, org.orgId), m, 'inactive', 'scim_reactivate', scimActor));
    expect(await memberRow(ctx, org.orgId, m)).toMatchObject({ seat_state: 'inactive', unassigned_by_admin: true });
  });
});

describe('concurrency', () => {
  it('never exceeds the allocation: 200 concurrent creates on two pools for 40 seats give exactly 40', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 20, standard: 21 } }); // the owner takes one premium
    const other = openDatabase(process.env.SEATGATE_TEST_DATABASE_URL!, 10);
    try {
      const contexts = [ctx, { ...ctx, db: other.db }];
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => createMember(contexts[i % 2]!, org.orgId, {
        userName: `race-${i}@example.test`, externalId: null, active: true, attributes: {}, source: 'scim',
      }, 'scim_create', scimActor)));
      expect(results.filter((r) => r.ok)).toHaveLength(40);
      expect(results.filter((r) => !r.ok)).toHaveLength(160);
      expect(await seats(ctx, org.orgId)).toEqual({ premium: { allocated: 20, assigned: 20 }, standard: { allocated: 21, assigned: 21 } });
      expect(await auditActions(ctx, org.orgId, 'seat.refused')).toBe(160);
      await expectCounterConsistent(ctx, org.orgId);
    } finally {
      await other.close();
    }
  });

  it('a retried create takes one seat at most', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 5, standard: 0 } });
    const input = { userName: 'retry@example.test', externalId: 'ext-1', active: true, attributes: {}, source: 'scim' as const };
    const results = await Promise.allSettled([1, 2, 3].map(() => createMember(ctx, org.orgId, input, 'scim_create', scimActor)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['conflict', 'conflict']);
    expect((await seats(ctx, org.orgId)).premium!.assigned).toBe(2);
  });
});
