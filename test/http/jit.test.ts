import request from 'supertest';
import { createMember } from '../../src/services/seats/members.js';
import { loadGateOrg, release } from '../../src/services/seats/seat-gate.js';
import { inTransaction } from '../../src/storage/transactions.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { addMapping, auditActions, expectCounterConsistent, memberRow, scimActor, seatedMember, seats } from '../support/gate.js';

let t: TestApp;
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

const login = (secret: string, body: unknown) =>
  request(t.app).post('/jit/v1/login').set('Authorization', `Bearer ${secret}`).send(body as object);

let n = 0;
const person = () => {
  n += 1;
  const id = `${n}-${Math.random().toString(36).slice(2, 8)}`;
  return { subject: `oid-${id}`, email: `Person.${id}@Example.test` };
};

async function scimMember(orgId: string, userName: string, externalId: string | null) {
  const created = await createMember(t.ctx, orgId, {
    userName, externalId, active: true, source: 'scim', attributes: { name: { givenName: 'Sam', familyName: 'Scim' } },
  }, 'scim_create', scimActor);
  if (!created.ok) throw new Error('unexpected refusal');
  return created.memberId;
}

async function membersOf(orgId: string) {
  return t.ctx.db.selectFrom('members').selectAll().where('org_id', '=', orgId).execute();
}

describe('POST /jit/v1/login', () => {
  it('creates a member at first login, gives it a seat and allows; the next login finds it', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 1, standard: 2 } }); // owner: premium
    const p = person();
    const res = await login(org.jitSecret, { ...p, name: 'Pat Person', givenName: 'Pat', familyName: 'Person', groups: ['g-1', 'g-2', 'g-1'] }).expect(200);
    expect(res.body).toEqual({ decision: 'allow', memberId: expect.any(String), seatType: 'standard', extraUsage: false });
    const row = await memberRow(t.ctx, org.orgId, res.body.memberId);
    expect(row).toMatchObject({
      user_name: p.email, external_id: p.subject, source: 'jit', seat_state: 'assigned', seat_type: 'standard',
      idp_group_ids: ['g-1', 'g-2'], seat_reason: expect.objectContaining({ trigger: 'jit_login', by: expect.objectContaining({ type: 'jit' }) }),
    });
    expect(row.attributes).toMatchObject({ displayName: 'Pat Person', name: { givenName: 'Pat', familyName: 'Person' } });

    const again = await login(org.jitSecret, p).expect(200);
    expect(again.body).toEqual(res.body);
    expect(await membersOf(org.orgId)).toHaveLength(2);
    expect(await seats(t.ctx, org.orgId)).toMatchObject({ standard: { assigned: 1 } });
  });

  it('links to a SCIM-provisioned member by externalId instead of creating a second one', async () => {
    const org = await newOrganization(t.ctx);
    const p = person();
    const id = await scimMember(org.orgId, 'someone.else@example.test', p.subject);
    const res = await login(org.jitSecret, { ...p, groups: ['ignored-for-scim-members'] }).expect(200);
    expect(res.body).toMatchObject({ decision: 'allow', memberId: id });
    expect(await membersOf(org.orgId)).toHaveLength(2);
    // A SCIM member's groups come from SCIM.
    expect((await memberRow(t.ctx, org.orgId, id)).idp_group_ids).toEqual([]);
  });

  it('links by userName (case-insensitively) without overwriting SCIM data, and records the link once', async () => {
    const org = await newOrganization(t.ctx);
    const p = person();
    const id = await scimMember(org.orgId, p.email.toLowerCase(), null);
    const before = await memberRow(t.ctx, org.orgId, id);
    for (let i = 0; i < 2; i += 1) {
      const res = await login(org.jitSecret, { ...p, email: p.email.toUpperCase(), name: 'Other Name' }).expect(200);
      expect(res.body).toMatchObject({ decision: 'allow', memberId: id });
    }
    const after = await memberRow(t.ctx, org.orgId, id);
    expect(after).toMatchObject({ external_id: null, user_name: before.user_name, attributes: before.attributes, source: 'scim' });
    expect(await membersOf(org.orgId)).toHaveLength(2);
    expect(await auditActions(t.ctx, org.orgId, 'member.jit_linked')).toBe(1);
    // A SCIM member whose externalId is not the subject (Entra sends its own) is linked by userName too.
    const q = person();
    const other = await scimMember(org.orgId, q.email, 'entra-immutable-id');
    expect((await login(org.jitSecret, q).expect(200)).body.memberId).toBe(other);
    expect((await memberRow(t.ctx, org.orgId, other)).external_id).toBe('entra-immutable-id');
  });

  it('updates a JIT member\'s stored groups, keeps them on an overage marker, and upgrades through the gate', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 2, standard: 2 } }); // owner: premium #1
    await seatedMember(t.ctx, org.orgId); // premium #2
    const p = person();
    const first = await login(org.jitSecret, { ...p, groups: ['a'] }).expect(200);
    expect(first.body.seatType).toBe('standard');
    const mapping = await addMapping(t.ctx, org.orgId, 'premium-group', 'premium');
    await login(org.jitSecret, { ...p, groups: ['a', 'premium-group'] }).expect(200); // premium full: keeps standard
    expect((await memberRow(t.ctx, org.orgId, first.body.memberId))).toMatchObject({ idp_group_ids: ['a', 'premium-group'], seat_type: 'standard' });
    await login(org.jitSecret, { ...p, groupsOverage: true }).expect(200);
    expect((await memberRow(t.ctx, org.orgId, first.body.memberId)).idp_group_ids).toEqual(['a', 'premium-group']);

    await t.ctx.db.updateTable('seat_allocations').set({ allocated: 3 }).where('org_id', '=', org.orgId).where('seat_type', '=', 'premium').execute();
    await login(org.jitSecret, { ...p, groups: ['premium-group'] }).expect(200).expect((res) => {
      expect(res.body).toMatchObject({ decision: 'allow', seatType: 'premium' });
    });
    expect(await memberRow(t.ctx, org.orgId, first.body.memberId)).toMatchObject({
      idp_group_ids: ['premium-group'], seat_reason: expect.objectContaining({ kind: 'mapping', mappingIds: [mapping] }),
    });
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('denies an inactive member, an unassigned member, and everyone once the organization has ended', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 5, standard: 0 } });
    const inactive = person();
    const inactiveId = await scimMember(org.orgId, inactive.email, inactive.subject);
    // Deprovisioned by the IdP (active=false): the gate takes the seat back.
    await inTransaction(t.ctx.db, async (trx) => release(trx, await loadGateOrg(trx, t.ctx, org.orgId), inactiveId, 'inactive', 'group_change', scimActor));
    await t.ctx.db.updateTable('members').set({ active: false }).where('id', '=', inactiveId).execute();
    const r1 = await login(org.jitSecret, inactive).expect(403);
    expect(r1.body).toEqual({ decision: 'deny', reason: 'inactive', message: expect.stringMatching(/deactivated/), memberId: inactiveId });

    const unassigned = person();
    const unassignedId = (await login(org.jitSecret, unassigned).expect(200)).body.memberId;
    await request(t.app).put(`/admin/v1/members/${unassignedId}/seat`).set('Authorization', `Bearer ${org.adminToken}`).send({ seatType: 'unassigned' }).expect(200);
    const r2 = await login(org.jitSecret, unassigned).expect(403);
    expect(r2.body).toMatchObject({ decision: 'deny', reason: 'unassigned', message: expect.stringMatching(/admin/) });
    expect((await memberRow(t.ctx, org.orgId, unassignedId)).seat_state).toBe('unassigned'); // the login gave nothing back

    const seated = person();
    await login(org.jitSecret, seated).expect(200);
    await t.ctx.db.updateTable('organizations').set({ status: 'ended' }).where('id', '=', org.orgId).execute();
    for (const who of [seated, person()]) {
      const r3 = await login(org.jitSecret, who).expect(403);
      expect(r3.body).toMatchObject({ decision: 'deny', reason: 'org_inactive', message: expect.stringMatching(/ended/) });
    }
    expect(await membersOf(org.orgId)).toHaveLength(4); // owner, inactive, unassigned, seated: nobody created after the end
  });

  it('block mode: denies no_seat_available, creates nothing, and records the refusal', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 1, standard: 0 } }); // owner takes the only seat
    const p = person();
    const res = await login(org.jitSecret, p).expect(403);
    expect(res.body).toEqual({ decision: 'deny', reason: 'no_seat_available', message: expect.stringMatching(/No seat of type "premium" or "standard" is free.*buy seats/) });
    expect(await membersOf(org.orgId)).toHaveLength(1);
    expect(await auditActions(t.ctx, org.orgId, 'seat.refused')).toBe(1);
    const refusal = await t.ctx.db.selectFrom('audit_events').selectAll().where('org_id', '=', org.orgId).where('action', '=', 'seat.refused').executeTakeFirstOrThrow();
    expect(refusal).toMatchObject({ actor: { type: 'jit' }, reason: { trigger: 'jit_login', userName: p.email, exhausted: ['premium', 'standard'] } });
  });

  it('block mode: an existing member without a seat is denied and the refusal recorded with the member', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 1, standard: 0 } });
    await t.ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ onNoSeat: 'pending' }) }).where('id', '=', org.orgId).execute();
    const p = person();
    const pending = await login(org.jitSecret, p).expect(403);
    await t.ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ onNoSeat: 'block' }) }).where('id', '=', org.orgId).execute();
    const res = await login(org.jitSecret, p).expect(403);
    expect(res.body).toMatchObject({ decision: 'deny', reason: 'no_seat_available', memberId: pending.body.memberId });
    expect(res.body.pending).toBeUndefined();
    const refusal = await t.ctx.db.selectFrom('audit_events').selectAll().where('org_id', '=', org.orgId).where('action', '=', 'seat.refused').executeTakeFirstOrThrow();
    expect(refusal.subject_id).toBe(pending.body.memberId);
  });

  it('pending mode: creates the member pending, says it is waiting for a seat, and allows once a seat is free', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 1, standard: 0 } });
    await t.ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ onNoSeat: 'pending' }) }).where('id', '=', org.orgId).execute();
    const p = person();
    const res = await login(org.jitSecret, p).expect(403);
    expect(res.body).toEqual({
      decision: 'deny', reason: 'no_seat_available', message: expect.stringMatching(/waiting for a seat/), memberId: expect.any(String), pending: true,
    });
    expect(await memberRow(t.ctx, org.orgId, res.body.memberId)).toMatchObject({ seat_state: 'pending', pending_since: expect.any(Date) });
    expect((await login(org.jitSecret, p).expect(403)).body.message).toMatch(/waiting for a seat/);
    expect(await membersOf(org.orgId)).toHaveLength(2);

    await t.ctx.db.updateTable('seat_allocations').set({ allocated: 1 }).where('org_id', '=', org.orgId).where('seat_type', '=', 'standard').execute();
    expect((await login(org.jitSecret, p).expect(200)).body).toEqual({ decision: 'allow', memberId: res.body.memberId, seatType: 'standard', extraUsage: false });
  });

  it('two first logins of the same person at once make one member', async () => {
    const org = await newOrganization(t.ctx, { seats: { premium: 1, standard: 5 } });
    const p = person();
    const results = await Promise.all([login(org.jitSecret, p), login(org.jitSecret, p), login(org.jitSecret, p)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(results.map((r) => r.body.memberId)).size).toBe(1);
    expect(await membersOf(org.orgId)).toHaveLength(2);
    await expectCounterConsistent(t.ctx, org.orgId);
  });

  it('only answers the organization\'s JIT secret: 401 JSON with WWW-Authenticate otherwise', async () => {
    const org = await newOrganization(t.ctx);
    for (const header of [undefined, `Bearer ${org.adminToken}`, `Bearer ${org.scimToken}`, 'Bearer sgjit_wrong', 'Basic dXNlcjpwYXNz']) {
      const req = request(t.app).post('/jit/v1/login').send(person());
      if (header) req.set('Authorization', header);
      const res = await req.expect(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('a secret of one organization logs in to that organization only', async () => {
    const a = await newOrganization(t.ctx);
    const b = await newOrganization(t.ctx);
    const p = person();
    const inB = await scimMember(b.orgId, p.email, p.subject);
    const res = await login(a.jitSecret, p).expect(200);
    expect(res.body.memberId).not.toBe(inB);
    expect((await memberRow(t.ctx, a.orgId, res.body.memberId)).org_id).toBe(a.orgId);
    expect(await membersOf(b.orgId)).toHaveLength(2);
  });

  it.each([
    [{}, /subject/],
    [{ subject: 'x' }, /email/],
    [{ subject: '', email: 'a@example.test' }, /subject/],
    [{ subject: 'x', email: 'not-an-email' }, /email/],
    [{ subject: 'x', email: 'a@example.test', groups: 'g1' }, /groups/],
    [{ subject: 'x', email: 'a@example.test', groups: [''] }, /groups/],
    [{ subject: 'x', email: 'a@example.test', groupsOverage: 'yes' }, /groupsOverage/],
    [{ subject: 'x', email: 'a@example.test', roles: ['admin'] }, /roles|Unrecognized/i],
  ])('answers 400 to %j', async (body, message) => {
    const org = await newOrganization(t.ctx);
    const res = await login(org.jitSecret, body).expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(message) });
  });

  it('answers 400 to a body that is not JSON', async () => {
    const org = await newOrganization(t.ctx);
    const res = await request(t.app).post('/jit/v1/login').set('Authorization', `Bearer ${org.jitSecret}`)
      .set('Content-Type', 'application/json').send('{"subject":').expect(400);
    expect(res.body.error.code).toBe('invalid_input');
    const none = await request(t.app).post('/jit/v1/login').set('Authorization', `Bearer ${org.jitSecret}`).expect(400);
    expect(none.body.error.message).toMatch(/JSON body/);
  });
});
