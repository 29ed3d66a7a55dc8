// One transaction per use case. A deadlock (40P01) or serialization failure (40001) aborts the
// whole transaction without effect, so retrying it is safe; the gate's lock ordering makes
// these rare, and the retry makes them invisible to clients.
import type { Db } from './database.js';

const RETRYABLE = new Set(['40P01', '40001']);

export async function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction().execute(fn);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!code || !RETRYABLE.has(code) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

/** A read-only snapshot: every query in `fn` sees the database as of its first query. */
export function inSnapshot<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn);
}
