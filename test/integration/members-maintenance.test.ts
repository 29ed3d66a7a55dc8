// Decision 0026: once a burst of member inserts has gone quiet, the process runs VACUUM (ANALYZE)
// of members, so that the visibility map and statistics of a just-synced organization are there
// before its first list pages (autovacuum comes a naptime later at best).
import { sql } from 'kysely';
import { insertMember } from '../../src/storage/members.js';
import { startMaintenance } from '../../src/storage/maintenance.js';
import { createLogger } from '../../src/observability/logger.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';

let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(); });
afterAll(() => ctx.close());

const lastVacuum = async () => (await sql<{ at: Date | null }>`
  select last_vacuum as at from pg_stat_user_tables where relname = 'members'`.execute(ctx.db)).rows[0]!.at;

const add = (orgId: string, n: number) => Promise.all(Array.from({ length: n }, (_, i) => insertMember(ctx.db, {
  orgId, userName: `burst-${i}@example.test`, externalId: null, role: 'member', seatState: 'unassigned', seatType: null,
  seatReason: {}, source: 'scim', attributes: {},
})));

it('vacuums members once a burst of at least minInserts inserts has been quiet for quietMs, and stop() waits for it', async () => {
  const { orgId } = await newOrganization(ctx);
  const maintenance = startMaintenance(ctx.handle.pool, createLogger('error', true), { minInserts: 20, quietMs: 300 });
  try {
    const before = new Date();
    await add(orgId, 25);
    // The pass comes after the burst, not during it.
    let at: Date | null = null;
    for (let i = 0; i < 100 && !(at && at > before); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      at = await lastVacuum();
    }
    expect(at!.getTime()).toBeGreaterThan(before.getTime());
    const { rows } = await sql<{ visible: number }>`select relallvisible as visible from pg_class where relname = 'members'`.execute(ctx.db);
    expect(Number(rows[0]!.visible)).toBeGreaterThan(0);
  } finally {
    await maintenance.stop();
  }
});
