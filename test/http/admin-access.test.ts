// Roles, primary ownership, member removal and extra usage (issue 11; issue 9 item 8), through
// the admin API, SCIM and JIT on the real database.
import request from 'supertest';
import { sql } from 'kysely';
import { createCredential } from '../../src/services/access/credentials.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { auditActions, expectCounterConsistent, memberRow, seatedMember, seats } from '../support/gate.js';
import { scimClient, USER_SCHEMA, SEATGATE_SCHEMA, patchOp } from '../support/scim.js';
import { as } from './admin-support.js';

const NOW = new Date('2026-03-15T10:00:00Z');
let t: TestApp;
beforeAll(() => { t = openTestApp(() => NOW); });
afterAll(() => t.close());

const newOrg = (seatsOf: Record<string, number> = { premium: 5, standard: 10 }, extra = {}) =>
  newOrganization(t.ctx, { seats: seatsOf, termStart: '2026-01-01', prices: { premium: 3000, standard: 2000 }, ...extra });

/** An active, seated member with `role` and an admin token acting as it. */
async function withRole(orgId: string, role: 'owner' | 'admin' | 'member') {
  const memberId = await seatedMember(t.ctx, orgId);
  await t.ctx.db.updateTable('members').set({ role, role_source: 'manual' }).where('org_id', '=', orgId).where('id', '=', memberId).execute();
  const token = role === 'member' ? '' : (await createCredential(t.ctx, { orgId, kind: 'admin', memberId })).token;
  return { memberId, token };
}

const roleOf = async (orgId: string, memberId: string) => (await memberRow(t.ctx, orgId, memberId)).role;

describe('PUT /admin/v1/members/{id}/role', () => {
  it('owners appoint and demote owners and admins; the role is then manual and audited', async () => {
    const org = await newOrg();
    const api = as(t, org.adminToken); // the primary owner
    const m = await seatedMember(t.ctx, org.orgId);
    const res = await api.put(`/members/${m}/role`, { role: 'owner' }).expect(200);
    expect(res.body).toMatchObject({ id: m, role: 'owner', roleSource: 'manual', groups: [] });
    const owner = await withRole(org.orgId, 'owner');
    await as(t, owner.token).put(`/members/${m}/role`, { role: 'admin' }).expect(200); // an owner demotes another owner
    expect(await roleOf(org.orgId, m)).toBe('admin');
    await as(t, owner.token).put(`/members/${m}/role`, { role: 'member' }).expect(200);
    expect(await roleOf(org.orgId, m)).toBe('member');
    expect(await auditActions(t.ctx, org.orgId, 'member.role_changed')).toBe(3);
    const events = await api.get(`/audit?action=member.role_changed&memberId=${m}`).expect(200);
    expect(events.body.events[0]).toMatchObject({ before: { role: 'admin' }, after: { role: 'member', roleSource: 'manual' } });
  });

  it('admins switch members and admins only; never owners, never to owner', async () => {
    const org = await newOrg();
    const admin = await withRole(org.orgId, 'admin');
    const owner = await withRole(org.orgId, 'owner');
    const m = await seatedMember(t.ctx, org.orgId);
    const api = as(t, admin.token);
    await api.put(`/members/${m}/role`, { role: 'admin' }).expect(200);
    await api.put(`/members/${m}/role`, { role: 'member' }).expect(200);
    for (const [target, role] of [[m, 'owner'], [owner.memberId, 'member'], [owner.memberId, 'admin'], [org.ownerId, 'member']] as const) {
      const res = await api.put(`/members/${target}/role`, { role }).expect(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', message: expect.any(String) });
    }
    expect(await roleOf(org.orgId, owner.memberId)).toBe('owner');
    expect(await roleOf(org.orgId, org.ownerId)).toBe('primary_owner');
  });

  it('the primary owner changes only by a transfer; primary_owner is not a role to set', async () => {
    const org = await newOrg();
    const owner = await withRole(org.orgId, 'owner');
    const res = await as(t, owner.token).put(`/members/${org.ownerId}/role`, { role: 'owner' }).expect(409);
    expect(res.body.error.code).toBe('transfer_ownership_first');
    await as(t, org.adminToken).put(`/members/${org.ownerId}/role`, { role: 'admin' }).expect(409);
    const bad = await as(t, org.adminToken).put(`/members/${owner.memberId}/role`, { role: 'primary_owner' }).expect(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/transfer-ownership/) });
    await as(t, org.adminToken).put('/members/not-a-uuid/role', { role: 'admin' }).expect(404);
    await as(t, org.adminToken).put(`/members/${owner.memberId}/role`, {}).expect(400);
  });

  it('a demoted admin\'s token stops acting at once', async () => {
    const org = await newOrg();
    const admin = await withRole(org.orgId, 'admin');
    await as(t, admin.token).get('/members').expect(200);
    await as(t, org.adminToken).put(`/members/${admin.memberId}/role`, { role: 'member' }).expect(200);
    await as(t, admin.token).get('/members').expect(401);
  });
});

describe('admins cannot change owners\' seats (issue 9 item 8)', () => {
  it('refuses an admin token changing the primary owner\'s or an owner\'s seat; owners may', async () => {
    const org = await newOrg();
    const admin = await withRole(org.orgId, 'admin');
    const owner = await withRole(org.orgId, 'owner');
    for (const target of [org.ownerId, owner.memberId]) {
      const res = await as(t, admin.token).put(`/members/${target}/seat`, { seatType: 'unassigned' }).expect(403);
      expect(res.body.error.code).toBe('forbidden');
      await as(t, admin.token).post('/seat-changes', { changes: [{ memberId: target, seatType: 'standard' }] }).expect(403);
    }
    expect((await memberRow(t.ctx, org.orgId, org.ownerId)).seat_state).toBe('assigned');
    await as(t, owner.token).put(`/members/${org.ownerId}/seat`, { seatType: 'standard' }).expect(200);
    await as(t, admin.token).put(`/members/${admin.memberId}/seat`, { seatType: 'premium' }).expect(200); // its own seat: fine
    await expectCounterConsistent(t.ctx, org.orgId);
  });
});

describe('POST /admin/v1/organization/transfer-ownership', () => {
  it('hands primary ownership to an active member; the previous primary owner becomes an owner', async () => {
    const org = await newOrg();
    const m = await seatedMember(t.ctx, org.orgId);
    const res = await as(t, org.adminToken).post('/organization/transfer-ownership', { memberId: m }).expect(200);
    expect(res.body).toEqual({ previousPrimaryOwnerId: org.ownerId, primaryOwnerId: m });
    expect(await roleOf(org.orgId, org.ownerId)).toBe('owner');
    expect(await roleOf(org.orgId, m)).toBe('primary_owner');
    expect(await auditActions(t.ctx, org.orgId, 'organization.ownership_transferred')).toBe(1);
    // The former primary owner is an owner now: it cannot transfer again, nor delete the new one by SCIM.
    await as(t, org.adminToken).post('/organization/transfer-ownership', { memberId: org.ownerId }).expect(403);
    const scim = scimClient(t.app, org.scimToken);
    await scim.delete(`/Users/${m}`).expect(403);
    await scim.delete(`/Users/${org.ownerId}`).expect(204); // an owner may go; the organization keeps its primary owner
  });

  it('refuses owners and admins, inactive, unknown and same targets', async () => {
    const org = await newOrg();
    const owner = await withRole(org.orgId, 'owner');
    const admin = await withRole(org.orgId, 'admin');
    const m = await seatedMember(t.ctx, org.orgId);
    await as(t, owner.token).post('/organization/transfer-ownership', { memberId: m }).expect(403);
    await as(t, admin.token).post('/organization/transfer-ownership', { memberId: m }).expect(403);
    await scimClient(t.app, org.scimToken).patch(`/Users/${m}`, patchOp({ op: 'replace', path: 'active', value: false })).expect(204);
    const inactive = await as(t, org.adminToken).post('/organization/transfer-ownership', { memberId: m }).expect(400);
    expect(inactive.body.error.message).toMatch(/active/);
    await as(t, org.adminToken).post('/organization/transfer-ownership', { memberId: '00000000-0000-4000-8000-000000000000' }).expect(404);
    await as(t, org.adminToken).post('/organization/transfer-ownership', { memberId: org.ownerId }).expect(400);
    await as(t, org.adminToken).post('/organization/transfer-ownership', {}).expect(400);
    expect(await roleOf(org.orgId, org.ownerId)).toBe('primary_owner');
  });

  it('the database keeps exactly one primary owner: a role change leaving none, or making two, is refused', async () => {
    const org = await newOrg();
    const m = await seatedMember(t.ctx, org.orgId);
    await expect(t.ctx.db.updateTable('members').set({ role: 'owner' }).where('org_id', '=', org.orgId).where('id', '=', org.ownerId).execute())
      .rejects.toThrow(/exactly one primary owner/);
    await expect(t.ctx.db.updateTable('members').set({ role: 'primary_owner' }).where('org_id', '=', org.orgId).where('id', '=', m).execute())
      .rejects.toThrow(/members_one_primary_owner/);
    expect(await roleOf(org.orgId, org.ownerId)).toBe('primary_owner');
  });

  it('under concurrent transfers, one wins, the others are refused, and there is one primary owner at every instant', async () => {
    const org = await newOrg({ premium: 5, standard: 20 });
    const targets: string[] = [];
    for (let i = 0; i < 8; i += 1) targets.push(await seatedMember(t.ctx, org.orgId));
    let sampling = true;
    const seen = new Set<number>();
    const sampler = (async () => {
      while (sampling) {
        const row = await sql<{ n: number }>`select count(*)::int as n from members where org_id = ${org.orgId} and role = 'primary_owner'`.execute(t.ctx.db);
        seen.add(Number(row.rows[0]!.n));
      }
    })();
    const results = await Promise.all(targets.map((memberId) =>
      as(t, org.adminToken).post('/organization/transfer-ownership', { memberId })));
    sampling = false;
    await sampler;
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 403)).toHaveLength(7);
    const winner = results.find((r) => r.status === 200)!.body.primaryOwnerId;
    expect(await roleOf(org.orgId, winner)).toBe('primary_owner');
    expect(await roleOf(org.orgId, org.ownerId)).toBe('owner');
    expect([...seen]).toEqual([1]);

    // The new primary owner transfers back while the old one races with a new token: still one.
    const token = (await createCredential(t.ctx, { orgId: org.orgId, kind: 'admin', memberId: winner })).token;
    const back = await Promise.all([
      as(t, token).post('/organization/transfer-ownership', { memberId: org.ownerId }),
      as(t, token).post('/organization/transfer-ownership', { memberId: targets.find((x) => x !== winner)! }),
    ]);
    expect(back.map((r) => r.status).sort()).toEqual([200, 403]);
    const count = await t.ctx.db.selectFrom('members').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', org.orgId).where('role', '=', 'primary_owner').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });
});

describe('DELETE /admin/v1/members/{id}', () => {
  it('removes a member: its seat is free, the allocation and the bill do not change', async () => {
    const org = await newOrg({ premium: 1, standard: 3 });
    const admin = await withRole(org.orgId, 'admin');
    const m = await seatedMember(t.ctx, org.orgId);
    const before = await seats(t.ctx, org.orgId);
    const invoices = async () => Number((await t.ctx.db.selectFrom('invoices').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', org.orgId).executeTakeFirstOrThrow()).n);
    const invoicesBefore = await invoices();
    await as(t, admin.token).delete(`/members/${m}`).expect(204);
    const after = await seats(t.ctx, org.orgId);
    expect(after.standard).toEqual({ allocated: before.standard!.allocated, assigned: before.standard!.assigned - 1 });
    expect(await invoices()).toBe(invoicesBefore);
    await as(t, admin.token).get(`/members/${m}`).expect(404);
    await as(t, admin.token).delete(`/members/${m}`).expect(404);
    expect(await auditActions(t.ctx, org.orgId, 'member.removed')).toBe(1);
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('admins cannot remove owners; nobody removes the primary owner; a removed admin\'s token dies with it', async () => {
    const org = await newOrg();
    const admin = await withRole(org.orgId, 'admin');
    const owner = await withRole(org.orgId, 'owner');
    const other = await withRole(org.orgId, 'owner');
    expect((await as(t, admin.token).delete(`/members/${owner.memberId}`).expect(403)).body.error.code).toBe('forbidden');
    expect((await as(t, admin.token).delete(`/members/${org.ownerId}`).expect(403)).body.error.code).toBe('forbidden');
    expect((await as(t, owner.token).delete(`/members/${org.ownerId}`).expect(409)).body.error.code).toBe('transfer_ownership_first');
    await as(t, owner.token).delete(`/members/${other.memberId}`).expect(204);
    await as(t, owner.token).delete(`/members/${admin.memberId}`).expect(204);
    await as(t, admin.token).get('/members').expect(401);
  });

  it('in pending mode the freed seat goes to the queue after the removal commits', async () => {
    const org = await newOrg({ premium: 1, standard: 1 }, { settings: { onNoSeat: 'pending' } });
    const m = await seatedMember(t.ctx, org.orgId); // standard
    const waiting = await seatedMemberOrPending(org.orgId);
    expect((await memberRow(t.ctx, org.orgId, waiting)).seat_state).toBe('pending');
    await as(t, org.adminToken).delete(`/members/${m}`).expect(204);
    expect(await memberRow(t.ctx, org.orgId, waiting)).toMatchObject({ seat_state: 'assigned', seat_type: 'standard' });
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('the IdP\'s next pushes of a removed member get 404, and a re-create arrives unassigned, never seated', async () => {
    const org = await newOrg({ premium: 1, standard: 3 });
    const scim = scimClient(t.app, org.scimToken);
    const created = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'gone@example.test', externalId: 'ext-gone', active: true }).expect(201);
    const id = created.body.id as string;
    await as(t, org.adminToken).delete(`/members/${id}`).expect(204);
    const seatsAfterRemoval = await seats(t.ctx, org.orgId);

    const put = await scim.put(`/Users/${id}`, { schemas: [USER_SCHEMA], userName: 'gone@example.test', externalId: 'ext-gone', active: true }).expect(404);
    expect(put.body).toMatchObject({ status: '404', detail: expect.stringMatching(/removed/) });
    await scim.patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: true })).expect(404);
    await scim.get(`/Users/${id}`).expect(404);
    await scim.delete(`/Users/${id}`).expect(404);
    expect(await seats(t.ctx, org.orgId)).toEqual(seatsAfterRemoval);

    // Entra re-matches by userName and re-creates: a new member, held unassigned by the removal.
    const again = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'Gone@example.test', externalId: 'ext-gone', active: true }).expect(201);
    expect(again.body.id).not.toBe(id);
    expect(again.body[SEATGATE_SCHEMA]).toMatchObject({ seatState: 'unassigned' });
    expect(await seats(t.ctx, org.orgId)).toEqual(seatsAfterRemoval);
    expect(await auditActions(t.ctx, org.orgId, 'member.recreated_after_removal')).toBe(1);
    // A PATCH that reactivates keeps the admin's hold; an admin restores it.
    await scim.patch(`/Users/${again.body.id}`, patchOp({ op: 'replace', path: 'active', value: true })).expect(204);
    expect((await memberRow(t.ctx, org.orgId, again.body.id)).seat_state).toBe('unassigned');
    await as(t, org.adminToken).put(`/members/${again.body.id}/seat`, { seatType: 'standard' }).expect(200);
    // The tombstone was consumed: a later removal and re-create works the same, once.
    await scim.delete(`/Users/${again.body.id}`).expect(204);
    const third = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'gone@example.test', active: true }).expect(201);
    expect(third.body[SEATGATE_SCHEMA]).toMatchObject({ seatState: 'assigned' });
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('a removed person signing in by JIT is denied as unassigned, not given a seat', async () => {
    const org = await newOrg({ premium: 1, standard: 3 });
    const login = (body: unknown) => request(t.app).post('/jit/v1/login').set('Authorization', `Bearer ${org.jitSecret}`).send(body as object);
    const first = await login({ subject: 'oid-removed', email: 'removed@example.test' }).expect(200);
    await as(t, org.adminToken).delete(`/members/${first.body.memberId}`).expect(204);
    const res = await login({ subject: 'oid-removed', email: 'removed@example.test' }).expect(403);
    expect(res.body).toMatchObject({ decision: 'deny', reason: 'unassigned' });
    await expectCounterConsistent(t.ctx, org.orgId);
  });
});

async function seatedMemberOrPending(orgId: string): Promise<string> {
  const { addMember } = await import('../support/gate.js');
  const created = await addMember(t.ctx, orgId);
  if (!created.ok) throw new Error('unexpected refusal');
  return created.memberId;
}

describe('extra usage', () => {
  it('owners turn it on where the plan offers it; it shows in the organization, the seats and at JIT login', async () => {
    const org = await newOrganization(t.ctx, { plan: 'enterprise_seat_based', seats: { premium: 2, standard: 5 }, termStart: '2026-01-01' });
    const admin = await withRole(org.orgId, 'admin');
    expect((await as(t, admin.token).patch('/settings', { extraUsage: true }).expect(403)).body.error.code).toBe('forbidden');
    expect((await as(t, org.adminToken).get('/organization').expect(200)).body).toMatchObject({ extraUsage: false, extraUsageAvailable: true });
    const res = await as(t, org.adminToken).patch('/settings', { extraUsage: true }).expect(200);
    expect(res.body.extraUsage).toBe(true);
    expect((await as(t, admin.token).get('/organization').expect(200)).body).toMatchObject({ extraUsage: true, settings: { extraUsage: true } });
    expect((await as(t, admin.token).get('/seats').expect(200)).body).toMatchObject({ extraUsage: true, extraUsageAvailable: true });
    const events = await as(t, org.adminToken).get('/audit?action=settings.updated').expect(200);
    expect(events.body.events[0]).toMatchObject({ before: { extraUsage: false }, after: { extraUsage: true } });
    const login = await request(t.app).post('/jit/v1/login').set('Authorization', `Bearer ${org.jitSecret}`)
      .send({ subject: 'oid-x', email: 'x@example.test' }).expect(200);
    expect(login.body).toMatchObject({ decision: 'allow', extraUsage: true });
    await as(t, org.adminToken).patch('/settings', { extraUsage: 'yes' }).expect(400);
  });

  it('is refused on plans without the feature', async () => {
    const org = await newOrg();
    const res = await as(t, org.adminToken).patch('/settings', { extraUsage: true }).expect(400);
    expect(res.body.error.message).toMatch(/enterprise_seat_based/);
    expect((await as(t, org.adminToken).get('/seats').expect(200)).body).toMatchObject({ extraUsage: false, extraUsageAvailable: false });
  });
});
