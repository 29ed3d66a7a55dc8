import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import {
  addGroup, addMember, auditActions, expectCounterConsistent, joinGroup, memberRow, seatedMember, seats,
} from '../support/gate.js';
import { as, tokenWithRole } from './admin-support.js';

let t: TestApp;
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

const newOrg = (seatsOf: Record<string, number>) => newOrganization(t.ctx, { seats: seatsOf });

/** Everything a mapping save could touch, to compare before and after a dry run. */
async function stateOf(orgId: string) {
  const members = await t.ctx.db.selectFrom('members').select(['id', 'seat_state', 'seat_type', 'seat_reason', 'pending_since'])
    .where('org_id', '=', orgId).orderBy('id').execute();
  const mappings = await t.ctx.db.selectFrom('group_mappings').selectAll().where('org_id', '=', orgId).orderBy('id').execute();
  const audit = await t.ctx.db.selectFrom('audit_events').select('id').where('org_id', '=', orgId).execute();
  return { members, mappings, seats: await seats(t.ctx, orgId), auditCount: audit.length };
}

describe('group mappings CRUD', () => {
  it('creates, reads, lists, updates and deletes a mapping, each change audited', async () => {
    const org = await newOrg({ premium: 2, standard: 2 });
    const { token } = await tokenWithRole(t.ctx, org.orgId, 'admin');
    const api = as(t, token);
    const created = await api.post('/group-mappings', { idpGroupId: 'okta-00g1', seatType: 'premium' }).expect(201);
    const mapping = created.body.mapping;
    expect(mapping).toEqual({
      id: expect.any(String), idpGroupId: 'okta-00g1', seatType: 'premium', allowFallback: false, role: null,
      createdAt: expect.any(String), updatedAt: expect.any(String),
    });
    expect(created.body.reevaluation).toMatchObject({ membersEvaluated: 0, changes: [], blocked: [], seatsSuffice: true });

    expect((await api.get(`/group-mappings/${mapping.id}`).expect(200)).body).toEqual(mapping);
    expect((await api.get('/group-mappings').expect(200)).body.mappings).toEqual([mapping]);

    const updated = await api.patch(`/group-mappings/${mapping.id}`, { seatType: 'standard', allowFallback: true, role: 'admin' }).expect(200);
    expect(updated.body.mapping).toMatchObject({ id: mapping.id, idpGroupId: 'okta-00g1', seatType: 'standard', allowFallback: true, role: 'admin' });

    const deleted = await api.delete(`/group-mappings/${mapping.id}`).expect(200);
    expect(deleted.body.mapping.id).toBe(mapping.id);
    await api.get(`/group-mappings/${mapping.id}`).expect(404);
    await api.delete(`/group-mappings/${mapping.id}`).expect(404);
    for (const action of ['mapping.created', 'mapping.updated', 'mapping.deleted']) expect(await auditActions(t.ctx, org.orgId, action)).toBe(1);
  });

  it('keeps one mapping per IdP group id (409) and validates fields', async () => {
    const org = await newOrg({ premium: 2, standard: 2 });
    const api = as(t, org.adminToken);
    const first = await api.post('/group-mappings', { idpGroupId: 'g-1', seatType: 'premium' }).expect(201);
    const dup = await api.post('/group-mappings', { idpGroupId: 'g-1', seatType: 'standard' }).expect(409);
    expect(dup.body.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/already exists/) });
    await api.post('/group-mappings', { idpGroupId: 'g-2', seatType: 'standard' }).expect(201);
    await api.patch(`/group-mappings/${first.body.mapping.id}`, { idpGroupId: 'g-2' }).expect(409);

    const invalid: [unknown, RegExp][] = [
      [{ seatType: 'premium' }, /idpGroupId/],
      [{ idpGroupId: 'g-3', seatType: 'gold' }, /no seat type "gold"/],
      [{ idpGroupId: 'g-3', seatType: 'enterprise' }, /no seat type "enterprise"/],
      [{ idpGroupId: '', seatType: 'premium' }, /idpGroupId/],
      [{ idpGroupId: 'g-3', seatType: 'premium', role: 'primary_owner' }, /role/],
      [{ idpGroupId: 'g-3', seatType: 'premium', allowFallback: 'yes' }, /allowFallback/],
      [{ idpGroupId: 'g-3', seatType: 'premium', displayName: 'Engineers' }, /displayName|Unrecognized/i],
    ];
    for (const [body, message] of invalid) {
      const res = await api.post('/group-mappings', body).expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(message) });
    }
    await api.patch(`/group-mappings/${first.body.mapping.id}`, {}).expect(400);
    await api.patch(`/group-mappings/${first.body.mapping.id}`, { seatType: 'gold' }).expect(400);
    expect((await api.get('/group-mappings')).body.mappings).toHaveLength(2);
  });

  it('never shows or changes another organization\'s mappings, whatever id is guessed', async () => {
    const a = await newOrg({ premium: 2 });
    const b = await newOrg({ premium: 2 });
    const bMapping = (await as(t, b.adminToken).post('/group-mappings', { idpGroupId: 'b-group', seatType: 'premium' }).expect(201)).body.mapping;
    const api = as(t, a.adminToken);
    await api.get(`/group-mappings/${bMapping.id}`).expect(404);
    await api.patch(`/group-mappings/${bMapping.id}`, { allowFallback: true }).expect(404);
    await api.delete(`/group-mappings/${bMapping.id}`).expect(404);
    await api.post('/group-mappings/dry-run', { op: 'delete', id: bMapping.id }).expect(404);
    await api.get('/group-mappings/not-a-uuid').expect(404);
    expect((await api.get('/group-mappings')).body.mappings).toEqual([]);
    // The same IdP group id may be mapped in both organizations.
    await api.post('/group-mappings', { idpGroupId: 'b-group', seatType: 'premium' }).expect(201);
    expect((await as(t, b.adminToken).get(`/group-mappings/${bMapping.id}`).expect(200)).body).toEqual(bMapping);
  });
});

describe('saving a mapping re-evaluates the members of the group through the gate', () => {
  it('upgrades members when seats allow, keeps the others on their seat, and reports both', async () => {
    const org = await newOrg({ premium: 2, standard: 5 }); // owner: premium #1
    const group = await addGroup(t.ctx, org.orgId, 'entra-engineers');
    const x = await seatedMember(t.ctx, org.orgId); // premium #2 — full
    const a = await seatedMember(t.ctx, org.orgId); // standard
    const b = await seatedMember(t.ctx, org.orgId); // standard
    await joinGroup(t.ctx, org.orgId, group, a);
    await joinGroup(t.ctx, org.orgId, group, b);
    const api = as(t, org.adminToken);

    // premium is full: both stay on standard, the refused upgrades are reported and recorded.
    const saved = await api.post('/group-mappings', { idpGroupId: 'entra-engineers', seatType: 'premium' }).expect(201);
    expect(saved.body.reevaluation).toMatchObject({ membersEvaluated: 2, changes: [], seatsSuffice: false, blockedCount: 2 });
    expect(saved.body.reevaluation.blocked).toEqual(expect.arrayContaining([
      expect.objectContaining({ memberId: a, outcome: 'upgrade_refused', wanted: ['premium'], seatType: 'standard' }),
    ]));
    expect(saved.body.reevaluation.seats.find((s: { seatType: string }) => s.seatType === 'premium')).toMatchObject({ shortBy: 2, sufficient: false, free: 0 });
    expect((await memberRow(t.ctx, org.orgId, a)).seat_type).toBe('standard');
    expect(await auditActions(t.ctx, org.orgId, 'seat.refused')).toBe(2);

    // Free one premium seat, then re-save (PATCH): one of them is upgraded, the other stays.
    await api.put(`/members/${x}/seat`, { seatType: 'standard' }).expect(200);
    const patched = await api.patch(`/group-mappings/${saved.body.mapping.id}`, { allowFallback: false }).expect(200);
    expect(patched.body.reevaluation.changes).toHaveLength(1);
    expect(patched.body.reevaluation.changes[0]).toMatchObject({ from: { seatState: 'assigned', seatType: 'standard' }, to: { seatState: 'assigned', seatType: 'premium' } });
    const upgraded = patched.body.reevaluation.changes[0].memberId;
    expect([a, b]).toContain(upgraded);
    expect(await memberRow(t.ctx, org.orgId, upgraded)).toMatchObject({
      seat_type: 'premium', seat_reason: expect.objectContaining({ kind: 'mapping', trigger: 'mapping_change', mappingIds: [saved.body.mapping.id] }),
    });
    expect(patched.body.reevaluation.blocked).toHaveLength(1);
    expect(await seats(t.ctx, org.orgId)).toMatchObject({ premium: { allocated: 2, assigned: 2 } });
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('matches JIT members by their stored IdP group ids; pending members wait while the type is full and are seated when it is not', async () => {
    const org = await newOrg({ premium: 1, standard: 1 }); // owner: premium
    await t.ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ onNoSeat: 'pending' }) }).where('id', '=', org.orgId).execute();
    const jit = await seatedMember(t.ctx, org.orgId, { idpGroupIds: ['okta-sales'] }); // standard
    const waiting = await addMember(t.ctx, org.orgId, { idpGroupIds: ['okta-sales'] }); // pending
    if (!waiting.ok) throw new Error('unexpected');
    expect((await memberRow(t.ctx, org.orgId, waiting.memberId)).seat_state).toBe('pending');
    const api = as(t, org.adminToken);
    // Mapping the group to standard with the standard seat taken: the pending member keeps waiting.
    const saved = await api.post('/group-mappings', { idpGroupId: 'okta-sales', seatType: 'standard' }).expect(201);
    expect(saved.body.reevaluation).toMatchObject({ membersEvaluated: 2, changes: [], blockedCount: 1 });
    expect(saved.body.reevaluation.blocked[0]).toMatchObject({ memberId: waiting.memberId, outcome: 'still_pending', wanted: ['standard'] });
    expect((await memberRow(t.ctx, org.orgId, jit)).seat_type).toBe('standard');

    // One more standard seat (written directly, so nobody is served yet): the next save seats the pending member.
    await t.ctx.db.updateTable('seat_allocations').set({ allocated: 2 }).where('org_id', '=', org.orgId).where('seat_type', '=', 'standard').execute();
    const resaved = await api.patch(`/group-mappings/${saved.body.mapping.id}`, { allowFallback: true }).expect(200);
    expect(resaved.body.reevaluation).toMatchObject({
      changes: [{ memberId: waiting.memberId, from: { seatState: 'pending', seatType: null }, to: { seatState: 'assigned', seatType: 'standard' } }],
      blocked: [], seatsSuffice: true,
    });
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('re-evaluates the members of both the old and the new group when the group id changes', async () => {
    const org = await newOrg({ premium: 3, standard: 3 }); // owner: premium
    const g1 = await addGroup(t.ctx, org.orgId, 'ext-1');
    const g2 = await addGroup(t.ctx, org.orgId); // mapped by its SCIM id
    const a = await seatedMember(t.ctx, org.orgId); // premium
    const b = await seatedMember(t.ctx, org.orgId); // premium (full now)
    const c = await seatedMember(t.ctx, org.orgId); // standard
    await joinGroup(t.ctx, org.orgId, g1, a);
    await joinGroup(t.ctx, org.orgId, g2, c);
    const api = as(t, org.adminToken);
    const saved = await api.post('/group-mappings', { idpGroupId: 'ext-1', seatType: 'standard' }).expect(201);
    // a is downgraded to standard, which frees a premium seat.
    expect(saved.body.reevaluation.changes).toEqual([expect.objectContaining({ memberId: a, to: { seatState: 'assigned', seatType: 'standard' } })]);
    const moved = await api.patch(`/group-mappings/${saved.body.mapping.id}`, { idpGroupId: g2, seatType: 'premium' }).expect(200);
    expect(moved.body.reevaluation.membersEvaluated).toBe(2); // a (old group) and c (new group)
    expect(moved.body.reevaluation.changes).toEqual([expect.objectContaining({ memberId: c, to: { seatState: 'assigned', seatType: 'premium' } })]);
    expect((await memberRow(t.ctx, org.orgId, b)).seat_type).toBe('premium');
    await expectCounterConsistent(t.ctx, org.orgId);
  });
});

describe('POST /admin/v1/group-mappings/dry-run', () => {
  it('reports who would change and whether seats suffice, and changes nothing', async () => {
    const org = await newOrg({ premium: 2, standard: 5 }); // owner: premium #1
    const group = await addGroup(t.ctx, org.orgId, 'eng');
    const a = await seatedMember(t.ctx, org.orgId); // premium #2
    const b = await seatedMember(t.ctx, org.orgId); // standard
    const c = await seatedMember(t.ctx, org.orgId); // standard
    for (const m of [a, b, c]) await joinGroup(t.ctx, org.orgId, group, m);
    const api = as(t, org.adminToken);
    const before = await stateOf(org.orgId);

    const create = await api.post('/group-mappings/dry-run', { op: 'create', mapping: { idpGroupId: 'eng', seatType: 'premium' } }).expect(200);
    expect(create.body).toMatchObject({
      dryRun: true, mapping: { idpGroupId: 'eng', seatType: 'premium' },
      reevaluation: { membersEvaluated: 3, changes: [], blockedCount: 2, seatsSuffice: false },
    });
    expect(create.body.reevaluation.seats).toEqual([
      { seatType: 'premium', allocated: 2, assignedBefore: 2, assignedAfter: 2, free: 0, shortBy: 2, sufficient: false },
      { seatType: 'standard', allocated: 5, assignedBefore: 2, assignedAfter: 2, free: 3, shortBy: 0, sufficient: true },
    ]);
    expect(await stateOf(org.orgId)).toEqual(before);

    const down = await api.post('/group-mappings/dry-run', { op: 'create', mapping: { idpGroupId: 'eng', seatType: 'standard' } }).expect(200);
    expect(down.body.reevaluation.changes).toEqual([
      { memberId: a, userName: expect.any(String), from: { seatState: 'assigned', seatType: 'premium' }, to: { seatState: 'assigned', seatType: 'standard' } },
    ]);
    expect(down.body.reevaluation.seatsSuffice).toBe(true);
    expect(await stateOf(org.orgId)).toEqual(before);

    // Update and delete of a saved mapping, dry.
    const saved = (await api.post('/group-mappings', { idpGroupId: 'other', seatType: 'standard' }).expect(201)).body.mapping;
    const afterSave = await stateOf(org.orgId);
    const upd = await api.post('/group-mappings/dry-run', { op: 'update', id: saved.id, mapping: { idpGroupId: 'eng' } }).expect(200);
    expect(upd.body.reevaluation.changes.map((ch: { memberId: string }) => ch.memberId)).toEqual([a]);
    const del = await api.post('/group-mappings/dry-run', { op: 'delete', id: saved.id }).expect(200);
    expect(del.body).toMatchObject({ dryRun: true, mapping: { id: saved.id }, reevaluation: { changes: [] } });
    expect(await stateOf(org.orgId)).toEqual(afterSave);
  });

  it('validates the proposed change like a save', async () => {
    const org = await newOrg({ premium: 2 });
    const api = as(t, org.adminToken);
    await api.post('/group-mappings', { idpGroupId: 'taken', seatType: 'premium' }).expect(201);
    for (const body of [{}, { op: 'rename' }, { op: 'create' }, { op: 'update', id: 'x' }, { op: 'delete' }]) {
      expect((await api.post('/group-mappings/dry-run', body).expect(400)).body.error.code).toBe('invalid_input');
    }
    await api.post('/group-mappings/dry-run', { op: 'create', mapping: { idpGroupId: 'x', seatType: 'gold' } }).expect(400);
    await api.post('/group-mappings/dry-run', { op: 'create', mapping: { idpGroupId: 'taken', seatType: 'premium' } }).expect(409);
    await api.post('/group-mappings/dry-run', { op: 'delete', id: '00000000-0000-0000-0000-000000000000' }).expect(404);
    expect((await api.get('/group-mappings')).body.mappings).toHaveLength(1);
  });
});
