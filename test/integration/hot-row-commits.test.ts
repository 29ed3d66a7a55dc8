// Decision 0031: a transaction on a contended row commits without waiting for its WAL flush, and
// `flushCommitted` makes it durable before anyone is answered. The second transaction must really
// flush: one that writes no WAL (`select pg_current_xact_id()`) commits without any flush at all.
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { flushCommitted, InFlight } from '../../src/storage/hot-row-commits.js';

let one: DatabaseHandle;
beforeAll(async () => {
  // One connection, so that the session setting below holds for every statement of the test.
  one = openDatabase(process.env.SEATGATE_TEST_DATABASE_URL!, 1);
  await sql`create table if not exists hot_row_commit_probe (n int)`.execute(one.db);
});
afterAll(async () => {
  await sql`drop table if exists hot_row_commit_probe`.execute(one.db);
  await one.close();
});

it('flushCommitted flushes the WAL of a transaction committed without waiting for its flush', async () => {
  // The test server runs with synchronous_commit off; a production session has it on.
  await sql`set synchronous_commit = on`.execute(one.db);
  try {
    for (let i = 0; i < 20; i += 1) {
      await sql`with w as (insert into hot_row_commit_probe values (${i})) select set_config('synchronous_commit', 'off', true)`.execute(one.db);
      // After our commit: at least the end of its commit record.
      const { lsn } = (await sql<{ lsn: string }>`select pg_current_wal_insert_lsn()::text as lsn`.execute(one.db)).rows[0]!;
      await flushCommitted(one.db);
      const { flushed } = (await sql<{ flushed: boolean }>`select pg_current_wal_flush_lsn() >= ${lsn}::pg_lsn as flushed`.execute(one.db)).rows[0]!;
      expect({ i, flushed }).toEqual({ i, flushed: true });
    }
    // The transaction-local setting did not stay on the session.
    expect((await sql<{ s: string }>`select current_setting('synchronous_commit') as s`.execute(one.db)).rows[0]!.s).toBe('on');
  } finally {
    await sql`reset synchronous_commit`.execute(one.db);
  }
});

it('InFlight tells a piece of work whether another on the same key is in flight, and forgets finished keys', async () => {
  const inFlight = new InFlight();
  const seen: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => { release = resolve; });
  const first = inFlight.run('org-a', async (contended) => { seen.push(`a1:${contended}`); await held; });
  await inFlight.run('org-b', async (contended) => { seen.push(`b1:${contended}`); });
  await inFlight.run('org-a', async (contended) => { seen.push(`a2:${contended}`); });
  release();
  await first;
  await expect(inFlight.run('org-a', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
  await inFlight.run('org-a', async (contended) => { seen.push(`a3:${contended}`); });
  expect(seen).toEqual(['a1:false', 'b1:false', 'a2:true', 'a3:false']);
});
