// Listens, on a connection of its own, for the credential changes the database announces
// (migration 0006), and reconnects when that connection is lost. Between a loss and the next
// LISTEN, changes may be missed: the handlers are told both, so that a cache is only trusted
// while listening.
import pg from 'pg';
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

  const connect = async () => {
    retry = undefined;
    if (stopped) return;
    const client = new pg.Client(pool.options);
    current = client;
    let gone = false;
    const lose = (error?: unknown) => {
      if (gone) return;
      gone = true;
      handlers.onLost();
      client.end().catch(() => {});
      if (stopped) return;
      logger.warn('credential change listener lost its connection; retrying', { error: String(error ?? 'connection ended') });
      retry = setTimeout(() => void connect(), retryMs);
      retry.unref();
    };
    client.on('notification', (message) => {
      if (message.channel === CREDENTIAL_CHANNEL && message.payload) handlers.onChange(message.payload);
    });
    client.on('error', lose);
    client.on('end', () => lose());
    try {
      await client.connect();
      await client.query(`listen ${CREDENTIAL_CHANNEL}`);
      if (!gone) handlers.onListening();
    } catch (error) {
      lose(error);
    }
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
