// Start-up and shut-down of one seatgate process: database (bundled or external), migrations
// and first-run demo organization under the start-up lock, then the HTTP server.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import type { Logger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { openDatabase, type DatabaseHandle } from './storage/database.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './storage/embedded.js';
import { migrateToLatest, withStartupLock } from './storage/migrate.js';
import { countOrganizations } from './storage/organizations.js';
import { createOrganization, type CreatedOrganization } from './services/organizations.js';
import type { ServiceContext } from './services/context.js';
import { createApp } from './interfaces/http/app.js';
import { scheduleRenewals } from './services/renewals.js';
import { SeatMonitor, withSeatMonitor } from './services/monitoring.js';
import { CredentialCache } from './services/credential-cache.js';
import { listenForCredentialChanges } from './storage/credential-changes.js';

export interface DatabaseConnection {
  handle: DatabaseHandle;
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

/** Opens the configured database (starting the bundled one when no URL is set) and migrates it. */
export async function connectDatabase(
  config: Config, logger: Logger, onMigrated?: (handle: DatabaseHandle) => Promise<void>,
): Promise<DatabaseConnection> {
  let url = config.database.url;
  let embedded: EmbeddedServer | undefined;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.database.embedded.dataDir, port: config.database.embedded.port, logger,
    });
    url = embedded.url;
  }
  const handle = openDatabase(url, config.database.poolSize);
  try {
    await withStartupLock(handle.pool, async () => {
      const applied = await migrateToLatest(handle.db);
      if (applied.length > 0) logger.info('database migrated', { migrations: applied });
      await onMigrated?.(handle);
    });
  } catch (error) {
    await handle.close();
    await embedded?.stop();
    throw error;
  }
  return {
    handle, embedded,
    close: async () => {
      await handle.close();
      await embedded?.stop();
    },
  };
}

export interface RunningServer {
  url: string;
  server: Server;
  demo?: CreatedOrganization;
  stop(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  let demo: CreatedOrganization | undefined;
  const context = (handle: DatabaseHandle): ServiceContext => ({ db: handle.db, plans: config.plans, now: () => new Date() });
  // The demo organization is created under the start-up lock, so that of two servers started at
  // once on an empty database exactly one creates (and prints) it.
  const connection = await connectDatabase(config, logger, async (handle) => {
    if (config.demo.enabled && (await countOrganizations(handle.db)) === 0) {
      demo = await createOrganization(context(handle), {
        name: 'Demo organization', plan: 'team', seats: { premium: 5, standard: 20 },
        prices: { premium: 3000, standard: 2500 }, ownerEmail: 'owner@demo.invalid', ownerGivenName: 'Demo', ownerFamilyName: 'Owner',
      });
    }
  });
  const metrics = createMetrics(connection.handle.pool);
  const credentialCache = new CredentialCache();
  const credentialChanges = listenForCredentialChanges(connection.handle.pool, credentialCache, logger);
  const ctx = withSeatMonitor({ ...context(connection.handle), credentialCache }, new SeatMonitor({ logger, registry: metrics.registry }));
  const app = createApp({ ctx, config, logger, metrics });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.server.port, config.server.host, () => resolve(listening));
    listening.once('error', reject);
  }).catch(async (error) => {
    await credentialChanges.stop();
    await connection.close();
    throw error;
  });
  const renewals = scheduleRenewals(ctx, { intervalSeconds: config.billing.renewalCheckSeconds, logger });
  const { port } = server.address() as AddressInfo;
  const url = config.server.publicUrl?.replace(/\/+$/, '') ?? `http://localhost:${port}`;
  return {
    url, server, demo,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await renewals.stop();
      await credentialChanges.stop();
      await connection.close();
    },
  };
}
