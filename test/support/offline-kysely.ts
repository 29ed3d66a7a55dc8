// A Kysely that compiles queries without a connection (DummyDriver): for tests that read the SQL
// text and parameters a query would send. `log` sees each query as it would be executed.
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type LogConfig } from 'kysely';
import type { Database } from '../../src/storage/schema.js';

export function offlineKysely(log?: LogConfig): Kysely<Database> {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
    ...(log ? { log } : {}),
  });
}
