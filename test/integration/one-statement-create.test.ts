// Decision 0020: the usual SCIM create is ONE statement — no BEGIN, no read of the organization,
// no COMMIT — when the organization is as this process last read it, a seat type has room and no
// removed member matches; it writes what the transactional create writes. Anything else writes
// nothing in that statement and the transactional create decides, as before.
import { sql } from 'kysely';
import { createUser } from '../../src/services/scim/users.js';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { removeMember } from '../../src/services/access/removal.js';
import { forgetOrg, recallOrg } from '../../src/services/seats/org-memo.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';
import { expectCounterConsistent, memberRow, scimActor, seats } from '../support/gate.js';
import { DomainError } from '../../src/domain/errors.js';

let ctx: TestContext;
let recording: DatabaseHandle;
/** Every statement text any connection of `recording` sent, BEGIN and COMMIT included. */
let sent: string[] = [];

beforeAll(() => {
  ctx = openTestContext();
  recording = openDatabase(process.env.SEATGATE_TEST_DATABASE_URL!, 2);
  recording.pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string };
      sent.push(typeof first === 'string' ? first : first?.text ?? '?');
      return query(...args);
    };
  });
});
afterAll(async () => { await recording.close(); await ctx.close(); });

const caller = (orgId: string) => ({ orgId, actor: scimActor });
const entraBody = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  userName, externalId: `ext-${userName}`, active: true, displayName: 'Ada Lovelace',
  name: { givenName: 'Ada', familyName: 'Lovelace' }, emails: [{ value: userName, type: 'work', primary: true }], title: 'Engineer',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' }, ...extra,
});
/** A create through the recording connections; answers the user and the statements it sent. */
async function create(orgId: string, body: unknown) {
  sent = [];
  const user = await createUser({ ...ctx, db: recording.db }, caller(orgId), body);
  return { user, statements: [...sent] };
}
const auditOf = (orgId: string, memberId: string) => ctx.db.selectFrom('audit_events').select(['action', 'subject_type', 'before', 'after', 'reason', 'actor'])
  .where('org_id', '=', orgId).where('subject_id', '=', memberId).execute();
const reservations = async () => Number((await sql<{ n: string }>`select count(*) as n from seat_reservations`.execute(ctx.db)).rows[0]!.n);

describe('a SCIM create', () => {
  it('is one statement once the organization is known, and writes what the transactional create writes', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 100, standard: 100 } }); // the owner holds premium #1
    forgetOrg(org.orgId);
    const first = await create(org.orgId, entraBody('first@example.test'));
    expect(first.statements.length).toBeGreaterThan(1); // not known yet: the transaction reads the organization
    expect(recallOrg(org.orgId)).toMatchObject({ tight: false, guard: { plan: 'team' } });

    const second = await create(org.orgId, entraBody('second@example.test'));
    expect(second.statements).toHaveLength(1);
    expect(second.user).toMatchObject({ userName: 'second@example.test', externalId: 'ext-second@example.test', active: true,
      seatState: 'assigned', seatType: 'premium', groups: [], version: 1 });
    expect(second.user.attributes).toMatchObject({ title: 'Engineer', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' } });
    // The same rows as the transactional create: member, audit event, seat counter, no reservation left.
    const [a, b] = [await memberRow(ctx, org.orgId, first.user.id), await memberRow(ctx, org.orgId, second.user.id)];
    const shape = (row: typeof a) => ({ ...row, id: '', user_name: '', external_id: '', created_at: 0, updated_at: 0, email_keys: '', attributes: { ...row.attributes, emails: [] },
      seat_reason: { ...row.seat_reason, at: '' } });
    expect(shape(b)).toEqual(shape(a));
    expect(await auditOf(org.orgId, second.user.id)).toEqual(await auditOf(org.orgId, first.user.id));
    expect(await auditOf(org.orgId, second.user.id)).toEqual([{ action: 'seat.assigned', subject_type: 'member', actor: scimActor,
      before: { seatState: 'pending' }, after: { seatState: 'assigned', seatType: 'premium' }, reason: { kind: 'highest_available', trigger: 'scim_create' } }]);
    expect(await seats(ctx, org.orgId)).toMatchObject({ premium: { assigned: 3 } });
    expect(await reservations()).toBe(0);
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('answers 409 for a taken userName from its one statement, writing nothing', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 100, standard: 100 } });
    await create(org.orgId, entraBody('taken@example.test'));
    const again = create(org.orgId, entraBody('TAKEN@example.test'));
    await expect(again).rejects.toBeInstanceOf(DomainError);
    await expect(again).rejects.toMatchObject({ code: 'conflict' });
    expect(sent).toHaveLength(1);
    expect(await seats(ctx, org.orgId)).toMatchObject({ premium: { assigned: 2 } });
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('notices a changed organization (an app-role mapping added), writes nothing, and the transaction applies the change', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 100, standard: 100 } });
    await create(org.orgId, entraBody('before@example.test'));
    await ctx.db.updateTable('organizations').set({ settings: JSON.stringify({ roleSeatTypes: { Basic: 'standard' } }) }).where('id', '=', org.orgId).execute();
    const mapped = await create(org.orgId, entraBody('mapped@example.test', { roles: [{ value: 'Basic' }] }));
    expect(mapped.statements.length).toBeGreaterThan(2);
    expect(mapped.user).toMatchObject({ seatState: 'assigned', seatType: 'standard' });
    // Known again: the next create is one statement and follows the mapping too.
    const next = await create(org.orgId, entraBody('next@example.test', { roles: [{ value: 'Basic' }] }));
    expect(next.statements).toHaveLength(1);
    expect(next.user).toMatchObject({ seatType: 'standard' });
    expect((await memberRow(ctx, org.orgId, next.user.id)).seat_reason).toMatchObject({ kind: 'mapping', mappingIds: ['role:Basic'], wanted: 'standard' });
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('leaves a member an admin removed to the transaction, which brings it back without a seat', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 100, standard: 100 } });
    const gone = await create(org.orgId, entraBody('gone@example.test'));
    await removeMember(ctx, org.orgId, gone.user.id, { type: 'operator' });
    await create(org.orgId, entraBody('known@example.test')); // the organization is known again
    const back = await create(org.orgId, entraBody('gone@example.test'));
    expect(back.statements.length).toBeGreaterThan(1);
    expect(back.user).toMatchObject({ seatState: 'unassigned', seatType: null });
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('near the allocation (fewer than 64 free seats) is the transaction, reserving by its last statement', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 10, standard: 10 } });
    await create(org.orgId, entraBody('near-1@example.test'));
    expect(recallOrg(org.orgId)?.tight).toBe(true);
    const near = await create(org.orgId, entraBody('near-2@example.test'));
    expect(near.statements.length).toBeGreaterThan(2);
    expect(near.statements.filter((s) => /seat_take_exact\(/.test(s))).toHaveLength(1);
    expect(await seats(ctx, org.orgId)).toMatchObject({ premium: { assigned: 3 } });
    await expectCounterConsistent(ctx, org.orgId);
  });

  it('is refused by the transaction once the organization has ended, even when it was known', async () => {
    const org = await newOrganization(ctx, { seats: { premium: 100, standard: 100 } });
    await create(org.orgId, entraBody('before-end@example.test'));
    await ctx.db.updateTable('organizations').set({ status: 'ended' }).where('id', '=', org.orgId).execute();
    await expect(create(org.orgId, entraBody('after-end@example.test'))).rejects.toMatchObject({ code: 'org_inactive' });
    expect(await ctx.db.selectFrom('members').select('id').where('org_id', '=', org.orgId).where('user_name', '=', 'after-end@example.test').execute()).toEqual([]);
  });

});
