// Migrations run at start. Two processes starting at once on an empty database must not race
// (Kysely creates its bookkeeping tables before taking its own lock), so the whole start-up
// step runs under a session-level advisory lock held on a dedicated connection.
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type pg from 'pg';
import type { Db } from './database.js';
import * as m0001 from './migrations/0001_initial.js';
import * as m0002 from './migrations/0002_seat_gate.js';
import * as m0003 from './migrations/0003_billing.js';
import * as m0004 from './migrations/0004_filter_indexes.js';
import * as m0005 from './migrations/0005_email_trigram.js';
import * as m0006 from './migrations/0006_credential_changes.js';
import * as m0007 from './migrations/0007_email_keys.js';
import * as m0008 from './migrations/0008_trust.js';
import * as m0013 from './migrations/0013_json_depth.js';
import * as m0009 from './migrations/0009_external_id_not_unique.js';
import * as m0010 from './migrations/0010_access.js';
import * as m0011 from './migrations/0011_console_sessions.js';
import * as m0014 from './migrations/0014_member_search.js';
import * as m0015 from './migrations/0015_seat_reservations.js';
import * as m0016 from './migrations/0016_active_by_creation.js';
import * as m0018 from './migrations/0018_audit_actor_time.js';
import * as m0020 from './migrations/0020_email_keys_plpgsql.js';
import * as m0022 from './migrations/0022_group_keys.js';
import * as m0027 from './migrations/0027_seat_type_keys.js';
import * as m0028 from './migrations/0028_seat_stripes.js';
import * as m0029 from './migrations/0029_member_insert_cost.js';
import * as m0030 from './migrations/0030_seat_locks_released.js';

const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_seat_gate': m0002,
  '0003_billing': m0003,
  '0004_filter_indexes': m0004,
  '0005_email_trigram': m0005,
  '0006_credential_changes': m0006,
  '0007_email_keys': m0007,
  '0008_trust': m0008,
  '0013_json_depth': m0013,
  '0009_external_id_not_unique': m0009,
  '0010_access': m0010,
  '0011_console_sessions': m0011,
  '0014_member_search': m0014,
  '0015_seat_reservations': m0015,
  '0016_active_by_creation': m0016,
  '0018_audit_actor_time': m0018,
  '0020_email_keys_plpgsql': m0020,
  '0022_group_keys': m0022,
  '0027_seat_type_keys': m0027,
  '0028_seat_stripes': m0028,
  '0029_member_insert_cost': m0029,
  '0030_seat_locks_released': m0030,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

// An arbitrary constant that names seatgate's start-up lock among advisory locks.
const STARTUP_LOCK = 7_415_042_001;

/** Runs `fn` while holding the cluster-wide start-up lock of this database. */
export async function withStartupLock<T>(pool: pg.Pool, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [STARTUP_LOCK]);
    try {
      return await fn();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [STARTUP_LOCK]);
    }
  } finally {
    client.release();
  }
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    const what = failed ? `migration ${failed.migrationName}` : 'reading the migrations already applied';
    throw new Error(`${what} failed: ${(error as Error).message ?? String(error)}`);
  }
  return (results ?? []).map((result) => result.migrationName);
}

