// Migration 0029 (decision 0037): the value rules of `members` (role, role_source, seat_state,
// source, userName length) are DOMAIN constraints — prepared once per session, not read back from
// their node text and planned again in every insert as a table CHECK is — and they refuse exactly
// what the table checks refused, under the same names and SQLSTATE.
import { sql } from 'kysely';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';

let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(); });
afterAll(() => ctx.close());

interface Row { role: string; role_source: string; seat_state: string; source: string; user_name: string }
const valid: Row = { role: 'member', role_source: 'default', seat_state: 'unassigned', source: 'scim', user_name: 'x' };

const insert = (orgId: string, row: Partial<Row>, n: number) => {
  const r = { ...valid, user_name: `checks-${n}@example.test`, ...row };
  return sql`insert into members (org_id, user_name, role, role_source, seat_state, source)
    values (${orgId}, ${r.user_name}, ${r.role}, ${r.role_source}, ${r.seat_state}, ${r.source})`.execute(ctx.db);
};

describe('the value rules of members', () => {
  it('are domain constraints, not table checks, and only the two-column checks stay on the table', async () => {
    const { rows } = await sql<{ conname: string; on_domain: boolean }>`
      select conname, contypid <> 0 as on_domain from pg_constraint
       where contype = 'c' and (conrelid = 'members'::regclass or contypid in (
         select atttypid from pg_attribute where attrelid = 'members'::regclass and attnum > 0))
       order by conname`.execute(ctx.db);
    expect(rows).toEqual([
      { conname: 'members_role_check', on_domain: true },
      { conname: 'members_role_source_check', on_domain: true },
      { conname: 'members_seat_state_check', on_domain: true },
      { conname: 'members_source_check', on_domain: true },
      { conname: 'members_user_name_check', on_domain: true },
      { conname: 'pending_since_iff_pending', on_domain: false },
      { conname: 'seat_type_iff_assigned', on_domain: false },
    ]);
  });

  it('accept every value they accepted and refuse the rest with 23514 and the same constraint name', async () => {
    const org = await newOrganization(ctx, { seats: { standard: 5 } });
    let n = 0;
    for (const role of ['owner', 'admin', 'member']) await insert(org.orgId, { role }, n += 1);
    for (const role_source of ['default', 'manual', 'mapping']) await insert(org.orgId, { role_source }, n += 1);
    for (const seat_state of ['unassigned', 'inactive']) await insert(org.orgId, { seat_state }, n += 1);
    for (const source of ['scim', 'jit', 'admin']) await insert(org.orgId, { source }, n += 1);
    await insert(org.orgId, { user_name: 'u'.repeat(512) }, n += 1);

    const refused: Array<[Partial<Row>, string]> = [
      [{ role: 'superuser' }, 'members_role_check'],
      [{ role: 'Member' }, 'members_role_check'],
      [{ role_source: 'guess' }, 'members_role_source_check'],
      [{ seat_state: 'reserved' }, 'members_seat_state_check'],
      [{ source: 'ldap' }, 'members_source_check'],
      [{ user_name: '' }, 'members_user_name_check'],
      [{ user_name: 'u'.repeat(513) }, 'members_user_name_check'],
    ];
    for (const [row, constraint] of refused) {
      await expect(insert(org.orgId, row, n += 1)).rejects.toMatchObject({ code: '23514', constraint });
    }
    // An update is held to the same rules.
    await expect(sql`update members set seat_state = 'gone' where org_id = ${org.orgId}`.execute(ctx.db))
      .rejects.toMatchObject({ code: '23514', constraint: 'members_seat_state_check' });
  });

  it('leave the columns text to their readers', async () => {
    const org = await newOrganization(ctx, { seats: { standard: 5 } });
    const { rows } = await sql<{ role: unknown; is_text: boolean }>`
      select role, pg_typeof(role)::text = 'member_role' and role::text = 'primary_owner' as is_text
        from members where org_id = ${org.orgId} and role = ${'primary_owner'}`.execute(ctx.db);
    expect(rows).toEqual([{ role: 'primary_owner', is_text: true }]);
  });
});
