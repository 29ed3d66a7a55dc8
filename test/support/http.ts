// An in-process app on the suite's database, with its logs captured.
import { Writable } from 'node:stream';
import { createApp } from '../../src/interfaces/http/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createOrganization, type CreateOrganizationInput, type CreatedOrganization } from '../../src/services/organizations.js';
import { openTestContext, type TestContext } from './context.js';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  ctx: TestContext;
  logs: string[];
  close(): Promise<void>;
}

/** `configure`: the app's configuration from the test one (e.g. other rate limits). */
export function openTestApp(now?: () => Date, configure: (config: TestContext['config']) => TestContext['config'] = (c) => c): TestApp {
  const ctx = openTestContext(now);
  const logs: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
  const logger = createLogger('info', false, stream);
  const app = createApp({ ctx, config: configure(ctx.config), logger, metrics: createMetrics(ctx.handle.pool) });
  return { app, ctx, logs, close: () => ctx.close() };
}

let counter = 0;
/** A new organization with a unique name (tests share one database). */
export function newOrganization(ctx: TestContext, input: Partial<CreateOrganizationInput> = {}): Promise<CreatedOrganization> {
  counter += 1;
  return createOrganization(ctx, {
    name: `Test org ${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    plan: 'team',
    seats: { premium: 2, standard: 3 },
    prices: { premium: 3000, standard: 2000 },
    ...input,
  });
}
