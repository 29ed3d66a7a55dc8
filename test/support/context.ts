// A service context on the suite's database, for tests of use cases and HTTP routes.
import { validateConfig, type Config } from '../../src/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import type { ServiceContext } from '../../src/services/context.js';

export function testConfig(overrides: Partial<Config> = {}): Config {
  const config = validateConfig({
    server: { host: '127.0.0.1', port: 0, publicUrl: null, trustProxy: false },
    database: { url: process.env.SEATGATE_TEST_DATABASE_URL ?? null, poolSize: 10, embedded: { dataDir: 'data', port: 0 } },
    plansFile: null,
    log: { level: 'warn' },
    demo: { enabled: false },
  });
  return { ...config, ...overrides };
}

export interface TestContext extends ServiceContext {
  handle: DatabaseHandle;
  config: Config;
  close(): Promise<void>;
}

export function openTestContext(now: () => Date = () => new Date()): TestContext {
  const url = process.env.SEATGATE_TEST_DATABASE_URL;
  if (!url) throw new Error('SEATGATE_TEST_DATABASE_URL is not set: run the tests through jest (global setup)');
  const config = testConfig();
  const handle = openDatabase(url, 10);
  return { db: handle.db, plans: config.plans, now, handle, config, close: () => handle.close() };
}
