// The role carried by a group mapping (SPEC §6, issue 11): admin at most, never an owner
// touched, never a role set by hand; revoked back to member when the member leaves the group.
import request from 'supertest';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { expectCounterConsistent, memberRow, seatedMember } from '../support/gate.js';
import { GROUP_SCHEMA, patchOp, scimClient } from '../support/scim.js';
import { as } from './admin-support.js';

let t: TestApp;
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

const roleOf = async (orgId: string, id: string) => {
  const row = await memberRow(t.ctx, orgId, id);
  return [row.role, row.role_source];
};

describe('group mapping roles', () => {
  it('grants admin to members of the group, never to owners or hand-set roles, and revokes it when they leave', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 2, standard: 10 } });
    const api = as(t, org.adminToken);
    const scim = scimClient(t.app, org.scimToken);
    const m = await seatedMember(t.ctx, org.orgId);
    const handSet = await seatedMember(t.ctx, org.orgId);
    await api.put(`/members/${handSet}/role`, { role: 'member' }).expect(200); // by hand: mappings leave it alone
    const owner = await seatedMember(t.ctx, org.orgId);
    await api.put(`/members/${owner}/role`, { role: 'owner' }).expect(200);

    const group = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Platform admins', externalId: 'okta-admins' }).expect(201);
    await scim.patch(`/Groups/${group.body.id}`, patchOp({ op: 'add', path: 'members', value: [m, handSet, owner, org.ownerId].map((value) => ({ value })) }))
      .expect((res) => expect([200, 204]).toContain(res.status));
    const preview = await api.post('/group-mappings/dry-run', { op: 'create', mapping: { idpGroupId: 'okta-admins', seatType: 'standard', role: 'admin' } }).expect(200);
    expect(preview.body.reevaluation.roleChanges).toEqual([{ memberId: m, userName: expect.any(String), from: 'member', to: 'admin' }]);
    expect(await roleOf(org.orgId, m)).toEqual(['member', 'default']); // the dry run changed nothing
    const saved = await api.post('/group-mappings', { idpGroupId: 'okta-admins', seatType: 'standard', role: 'admin' }).expect(201);
    expect(saved.body.reevaluation.roleChanges).toHaveLength(1);
    expect(await roleOf(org.orgId, m)).toEqual(['admin', 'mapping']);
    expect(await roleOf(org.orgId, handSet)).toEqual(['member', 'manual']);
    expect(await roleOf(org.orgId, owner)).toEqual(['owner', 'manual']);
    expect(await roleOf(org.orgId, org.ownerId)).toEqual(['primary_owner', 'manual']);
    const shown = await api.get(`/members/${m}`).expect(200);
    expect(shown.body).toMatchObject({ role: 'admin', roleSource: 'mapping' });
    const events = await api.get(`/audit?action=member.role_changed&memberId=${m}`).expect(200);
    expect(events.body.events[0]).toMatchObject({ after: { role: 'admin', roleSource: 'mapping' }, reason: { kind: 'group_mapping' } });

    // Leaving the group revokes what the mapping granted.
    await scim.patch(`/Groups/${group.body.id}`, patchOp({ op: 'remove', path: `members[value eq "${m}"]` }))
      .expect((res) => expect([200, 204]).toContain(res.status));
    expect(await roleOf(org.orgId, m)).toEqual(['member', 'default']);
    // A mapping whose role is taken away revokes it from everyone it granted it to.
    await scim.patch(`/Groups/${group.body.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: m }] }))
      .expect((res) => expect([200, 204]).toContain(res.status));
    expect((await roleOf(org.orgId, m))[0]).toBe('admin');
    const mapping = (await api.get('/group-mappings').expect(200)).body.mappings[0];
    await api.patch(`/group-mappings/${mapping.id}`, { role: null }).expect(200);
    expect(await roleOf(org.orgId, m)).toEqual(['member', 'default']);
    expect(await roleOf(org.orgId, owner)).toEqual(['owner', 'manual']);
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('refuses mappings that would grant owner', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 2, standard: 2 } });
    const res = await as(t, org.adminToken).post('/group-mappings', { idpGroupId: 'g-owners', seatType: 'premium', role: 'owner' }).expect(400);
    expect(res.body.error.message).toMatch(/never owner/);
  });

  it('gives the mapped role to a member JIT creates from its group claims', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 2, standard: 2 } });
    await as(t, org.adminToken).post('/group-mappings', { idpGroupId: 'entra-admins', seatType: 'premium', role: 'admin' }).expect(201);
    const res = await request(t.app).post('/jit/v1/login').set('Authorization', `Bearer ${org.jitSecret}`)
      .send({ subject: 'oid-1', email: 'jit-admin@example.test', groups: ['entra-admins'] }).expect(200);
    expect(await roleOf(org.orgId, res.body.memberId)).toEqual(['admin', 'mapping']);
    await request(t.app).post('/jit/v1/login').set('Authorization', `Bearer ${org.jitSecret}`)
      .send({ subject: 'oid-1', email: 'jit-admin@example.test', groups: [] }).expect(200);
    expect(await roleOf(org.orgId, res.body.memberId)).toEqual(['member', 'default']);
  });
});
