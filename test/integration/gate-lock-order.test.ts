// The gate's lock order starts at the organization: loadGateOrg key-share locks it, so every gated
// change (seat change, create, mapping, removal) holds it before members and seat counters, as
// purchases, renewals and settings do with FOR UPDATE. A seat change that locked the counters
// first and met the organization only at its audit insert deadlocked with a purchase (seen in
// the failover test: a 500 after the retries ran out).
import { loadGateOrg } from '../../src/services/seats/seat-gate.js';
import { inTransaction } from '../../src/storage/transactions.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';

let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(); });
afterAll(() => ctx.close());

const lockForUpdateNow = (orgId: string) => ctx.db.selectFrom('organizations').select('id')
  .where('id', '=', orgId).forUpdate().noWait().execute();

it.each([
  ['without seat counters', {}],
  ['with seat counters (a create)', { withSeats: true }],
  ['with seat counters and tombstones (a SCIM create)', { withSeats: true, takeTombstones: { userName: 'nobody@example.test', externalId: null } }],
])('holds the organization against FOR UPDATE until the transaction ends, %s', async (_name, options) => {
  const org = await newOrganization(ctx);
  await inTransaction(ctx.db, async (trx) => {
    await loadGateOrg(trx, ctx, org.orgId, options);
    await expect(lockForUpdateNow(org.orgId)).rejects.toMatchObject({ code: '55P03' }); // lock_not_available
  });
  await expect(lockForUpdateNow(org.orgId)).resolves.toHaveLength(1);
});
