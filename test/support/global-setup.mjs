// Starts (or reaches) PostgreSQL once for the whole run, creates the suite's database and
// migrates it. Workers find it through SEATGATE_TEST_DATABASE_URL.
import { createDatabase, startTestServer, uniqueDatabaseName } from './postgres.mjs';
import { openDatabase } from '../../dist/src/storage/database.js';
import { migrateToLatest } from '../../dist/src/storage/migrate.js';

export default async function globalSetup() {
  const { adminUrl, embedded } = await startTestServer();
  const name = uniqueDatabaseName('test');
  const url = await createDatabase(adminUrl, name);
  const handle = openDatabase(url, 2);
  try {
    await migrateToLatest(handle.db);
  } finally {
    await handle.close();
  }
  process.env.SEATGATE_TEST_ADMIN_URL = adminUrl;
  process.env.SEATGATE_TEST_DATABASE_URL = url;
  globalThis.__seatgateTest = { adminUrl, name, embedded };
}
