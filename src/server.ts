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
import { createSignInLink } from './services/console/sessions.js';
import type { ServiceContext } from './services/context.js';
import { createApp, createHttpServer } from './interfaces/http/app.js';
import { scheduleRenewals } from './services/billing/renewals.js';
import { SeatMonitor, withSeatMonitor } from './services/seats/monitoring.js';
import { CredentialCache } from './services/access/credential-cache.js';
import { listenForCredentialChanges } from './storage/credential-changes.js';
import { startMaintenance } from './storage/maintenance.js';

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
  const handle = openDatabase(url, config.database.poolSize, { preparedStatements: config.database.preparedStatements });
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
  /** With the demo organization: the console URL that signs its owner in, once, within 15 minutes. */
  consoleSignInUrl?: string;
  stop(): Promise<void>;
}

/**
 * Whether this start may create a demo organization on an empty database (and print its working
 * tokens on stdout): when configured so (`demo.enabled: true`), or, by default ("auto"), only in
 * an interactive run — stdout a terminal and NODE_ENV not "production". Under Docker or systemd
 * stdout is the log stream, and tokens printed there would be readable by whoever reads logs.
 */
export function demoWanted(config: Config, env: NodeJS.ProcessEnv = process.env, stdoutIsTerminal = Boolean(process.stdout.isTTY)): boolean {
  if (config.demo.enabled !== 'auto') return config.demo.enabled;
  return stdoutIsTerminal && env.NODE_ENV !== 'production';
}

/** Settings that are valid but unsafe in production, said once at start. */
export function startupWarnings(config: Config, env: NodeJS.ProcessEnv = process.env): string[] {
  const warnings: string[] = [];
  if (env.NODE_ENV === 'production' && !config.server.publicUrl) {
    warnings.push('server.publicUrl (SEATGATE_PUBLIC_URL) is not set: SCIM locations are built from '
      + (config.server.trustProxy ? 'the Host and X-Forwarded-* headers of the proxy' : 'the address the server listens on, which clients may not reach')
      + '; set it to the base URL clients use');
  }
  return warnings;
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  let demo: CreatedOrganization | undefined;
  let consoleSignIn: { secret: string; expiresAt: Date } | undefined;
  const wantsDemo = demoWanted(config);
  const { timeoutMs: webhookTimeoutMs, ...webhookPolicy } = config.alerts.webhook;
  const context = (handle: DatabaseHandle): ServiceContext => ({ db: handle.db, plans: config.plans, now: () => new Date(), webhookPolicy, webhookTimeoutMs });
  // The demo organization is created under the start-up lock, so that of two servers started at
  // once on an empty database exactly one creates (and prints) it.
  const connection = await connectDatabase(config, logger, async (handle) => {
    if (wantsDemo && (await countOrganizations(handle.db)) === 0) {
      demo = await createOrganization(context(handle), {
        name: 'Demo organization', plan: 'team', seats: { premium: 5, standard: 20 },
        prices: { premium: 3000, standard: 2500 }, ownerEmail: 'owner@demo.invalid', ownerGivenName: 'Demo', ownerFamilyName: 'Owner',
      });
      // The console is one click away: a link that signs the owner in once (decision 0014).
      consoleSignIn = await createSignInLink(context(handle), demo.adminToken);
    }
  });
  const credentialCache = new CredentialCache();
  const metrics = createMetrics(connection.handle.pool, {
    db: connection.handle.db, credentialCache, seatsByOrganization: config.metrics.seatsByOrganization,
  });
  const credentialChanges = listenForCredentialChanges(connection.handle.pool, credentialCache, logger);
  const ctx = withSeatMonitor({ ...context(connection.handle), credentialCache }, new SeatMonitor({ logger, registry: metrics.registry, webhookTimeoutMs }));
  const app = createApp({ ctx, config, logger, metrics });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = createHttpServer(app);
    listening.once('error', reject);
    listening.listen(config.server.port, config.server.host, () => {
      listening.off('error', reject);
      resolve(listening);
    });
  }).catch(async (error: NodeJS.ErrnoException) => {
    await credentialChanges.stop();
    await connection.close();
    if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
      throw new Error(`cannot listen on ${config.server.host}:${config.server.port} (${error.code === 'EACCES' ? 'not permitted' : 'in use'}): set PORT (or HOST) to a free one`);
    }
    throw error;
  });
  // Said once the server is up: a start that fails says only why, in one line.
  for (const warning of startupWarnings(config)) logger.warn(warning);
  const renewals = scheduleRenewals(ctx, { intervalSeconds: config.billing.renewalCheckSeconds, logger });
  // VACUUM (ANALYZE) of members after a burst of provisioning (decision 0026).
  const maintenance = startMaintenance(connection.handle.pool, logger);
  const { port } = server.address() as AddressInfo;
  const url = config.server.publicUrl?.replace(/\/+$/, '') ?? `http://localhost:${port}`;
  return {
    url, server, demo,
    ...(consoleSignIn ? { consoleSignInUrl: `${url}/console/#sign-in=${consoleSignIn.secret}` } : {}),
    stop: async () => {
      await closeHttp(server, config.server.shutdownDrainSeconds * 1000);
      await renewals.stop();
      await maintenance.stop();
      await credentialChanges.stop();
      await connection.close();
    },
  };
}

/**
 * Stops accepting connections, lets the requests in flight finish for at most `drainMs`, then
 * closes every connection left: a client that never finishes its request (or keeps its
 * connection open) cannot hold the process past the drain.
 */
async function closeHttp(server: Server, drainMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections are closed as soon as their request is answered.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    closed.then(() => true),
    new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), drainMs); }),
  ]);
  clearTimeout(timer);
  clearInterval(sweep);
  if (!drained) {
    server.closeAllConnections();
    await closed;
  }
}
