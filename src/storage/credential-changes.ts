// Listens, on a connection of its own, for the credential changes the database announces
// (migration 0006), and reconnects when that connection is lost. Between a loss and the next
// LISTEN, changes may be missed: the handlers are told both, so that a cache is only trusted
// while listening.
import type pg from 'pg';
import { connectDedicated } from './database.js';
import type { Logger } from '../observability/logger.js';

export const CREDENTIAL_CHANNEL = 'seatgate_credentials';

export interface CredentialChangeHandlers {
  /** Listening (again): whatever was cached before may be stale. */
  onListening(): void;
  /** The token with this hash was revoked, deleted or changed. */
  onChange(tokenHash: string): void;
  /** No longer listening: changes may be missed until onListening. */
  onLost(): void;
}

export interface CredentialChangeListener { stop(): Promise<void> }

export function listenForCredentialChanges(
  pool: pg.Pool, handlers: CredentialChangeHandlers, logger: Logger, retryMs = 1000,
): CredentialChangeListener {
  let stopped = false;
  let current: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  let lostAt: number | undefined;
  const connect = async () => {
    retry = undefined;
    if (stopped) return;
    let client: pg.Client;
    try {
      // To the host the pool would use: after a failover, the new primary (decision 0006).
      client = await connectDedicated(pool);
    } catch (error) {
      handlers.onLost();
      schedule(error);
      return;
    }
    if (stopped) {
      await client.end().catch(() => {});
      return;
    }
    current = client;
    let gone = false;
    const lose = (error?: unknown) => {
      if (gone) return;
      gone = true;
      handlers.onLost();
      client.end().catch(() => {});
      if (!stopped) schedule(error);
    };
    client.on('notification', (message) => {
      if (message.channel === CREDENTIAL_CHANNEL && message.payload) handlers.onChange(message.payload);
    });
    client.on('error', lose);
    client.on('end', () => lose());
    try {
      await client.query(`listen ${CREDENTIAL_CHANNEL}`);
      if (gone) return;
      handlers.onListening();
      if (lostAt !== undefined) {
        logger.info('credential change listener listening again', { afterMs: Date.now() - lostAt });
        lostAt = undefined;
      }
    } catch (error) {
      lose(error);
    }
  };
  const schedule = (error: unknown) => {
    if (lostAt === undefined) {
      lostAt = Date.now();
      logger.warn('credential change listener lost its connection; retrying', { error: String(error ?? 'connection ended') });
    }
    retry = setTimeout(() => void connect(), retryMs);
    retry.unref();
  };
  void connect();

  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      handlers.onLost();
      await current?.end().catch(() => {});
    },
  };
}
