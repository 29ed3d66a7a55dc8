// Migration 0029 (decision 0037): one trigram GIN index (userName, display name, email keys)
// instead of two, and the search's exact externalId arm on a B-tree. Every condition that the
// member search (admin console) and the SCIM email filters write must still be one the indexes
// serve: each arm is planned alone with sequential scans off, and must be an index scan on the
// index named — not a scan of the table with a filter. (The planner's choice among index paths on
// 100,000 members is bench/member-search.mjs's, recorded in the decision.)
import { sql } from 'kysely';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';

let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(); });
afterAll(() => ctx.close());

async function plan(query: string, parameters: unknown[]): Promise<string> {
  const client = await ctx.handle.pool.connect();
  try {
    await client.query('begin');
    await client.query('set local enable_seqscan = off');
    const { rows } = await client.query(`explain ${query}`, parameters);
    return rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query('rollback');
    client.release();
  }
}

describe('the indexes of member search and email filters', () => {
  it('serve every arm of the search and the SCIM email filter', async () => {
    const org = await newOrganization(ctx, { seats: { standard: 5 } });
    const trigramArms = [
      [`select id from members where lower(user_name) like $1`, ['%ada%']],
      [`select id from members where lower(coalesce(attributes ->> 'displayName', '')) like $1`, ['%ada%']],
      [`select id from members where email_keys ~ $1`, ['\u0002[^\u0003]*ada']],
      [`select id from members where email_keys like lower($1)`, ['%\u0001work\u0002ada@%']],
    ] as const;
    for (const [query, parameters] of trigramArms) {
      const text = await plan(query, [...parameters]);
      expect(text).toMatch(/Bitmap Index Scan on members_search_trgm/);
      expect(text).not.toMatch(/Seq Scan/);
    }
    const external = await plan(`select id from members where org_id = $1 and lower(coalesce(external_id, '')) = $2`, [org.orgId, 'okta-42']);
    expect(external).toMatch(/members_external_id_search/);
    expect(external).not.toMatch(/Seq Scan/);
  });

  it('are one GIN index on members, with no trigram entries for externalId', async () => {
    const { rows } = await sql<{ name: string; def: string }>`
      select c.relname as name, pg_get_indexdef(c.oid) as def from pg_index i join pg_class c on c.oid = i.indexrelid
        join pg_am am on am.oid = c.relam where i.indrelid = 'members'::regclass and am.amname = 'gin'`.execute(ctx.db);
    expect(rows.map((r) => r.name)).toEqual(['members_search_trgm']);
    expect(rows[0]!.def).not.toMatch(/external_id/);
    expect(rows[0]!.def).toMatch(/email_keys gin_trgm_ops/);
  });
});
