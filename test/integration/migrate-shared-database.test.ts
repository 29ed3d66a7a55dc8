// Start-up migrations in a database seatgate shares with others (decision 0041): what other
// schemas hold, or are dropping at that moment, must not stop a start. CI's PostgreSQL 15 leg
// once failed a CLI start with `schema "fresh_page_…" does not exist` while another test
// dropped its scratch schema: Kysely's Migrator looked for its tables in every schema.
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { createDatabase, dropDatabase, uniqueDatabaseName } from '../support/postgres.mjs';

const adminUrl = () => process.env.SEATGATE_TEST_ADMIN_URL!;

describe('start-up migrations in a shared database', () => {
  const name = uniqueDatabaseName('shared');
  let url: string;
  let handle: DatabaseHandle;
  beforeAll(async () => {
    url = await createDatabase(adminUrl(), name);
    handle = openDatabase(url, 2);
  });
  afterAll(async () => {
    await handle.close();
    await dropDatabase(adminUrl(), name);
  });

  it('starts while another session creates and drops schemas of its own', async () => {
    // A neighbour that creates and drops scratch schemas as fast as it can (a test suite, a
    // tenant-per-schema application). A catalog query that resolves those schemas' names after
    // its snapshot fails with "schema does not exist" when a drop commits in between.
    const neighbour = openDatabase(url, 1);
    let stop = false;
    let churned = 0;
    const churn = (async () => {
      for (let i = 0; !stop; i++) {
        const schema = sql.id(`scratch_${i}`);
        await sql`create schema ${schema}`.execute(neighbour.db);
        await sql`create table ${schema}.t (id serial primary key, note text)`.execute(neighbour.db);
        await sql`drop schema ${schema} cascade`.execute(neighbour.db);
        churned++;
      }
    })();
    try {
      await migrateToLatest(handle.db);
      const started = Date.now();
      let starts = 0;
      while (starts < 300 || Date.now() - started < 3000) {
        expect(await migrateToLatest(handle.db)).toEqual([]);
        starts++;
      }
      expect(churned).toBeGreaterThan(50);
    } finally {
      stop = true;
      await churn;
      await neighbour.close();
    }
  });

  it('keeps its own bookkeeping when another schema of the database has tables of the same names', async () => {
    // Another application migrated by Kysely, in a schema of its own.
    await sql`create schema other_app`.execute(handle.db);
    await sql`create table other_app.kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)`.execute(handle.db);
    await sql`create table other_app.kysely_migration_lock (id varchar(255) primary key, is_locked integer not null default 0)`.execute(handle.db);
    await sql`insert into other_app.kysely_migration values ('0001_initial', '2020-01-01T00:00:00.000Z')`.execute(handle.db);
    // seatgate's own, from nothing: the first test migrated a database that had no other_app.
    await sql`drop schema public cascade; create schema public`.execute(handle.db);

    const applied = await migrateToLatest(handle.db);
    expect(applied[0]).toBe('0001_initial');
    expect(await migrateToLatest(handle.db)).toEqual([]);
    const { rows } = await sql<{ schema: string; count: number }>`
      select 'public' as schema, count(*)::int as count from public.kysely_migration
      union all select 'other_app', count(*)::int from other_app.kysely_migration`.execute(handle.db);
    expect(rows).toEqual([{ schema: 'public', count: applied.length }, { schema: 'other_app', count: 1 }]);
  });
});
