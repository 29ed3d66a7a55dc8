// Commits that update a contended row, without holding its lock through their WAL flush
// (decision 0031).
//
// A transaction keeps its row locks until its commit has ended, and with `synchronous_commit`
// on that end includes the commit record's flush to disk (about 1 ms here). When every
// transaction of a burst updates the same row — the version row of a group whose members change
// (decision 0022; used there, decision 0030) — they therefore flush one at a time, each waiting
// for the previous flush, and the row's throughput is one fsync per transaction whatever the
// concurrency (bench/hot-row-ceiling.mjs). Creates, whose
// seat counter row has the same shape, gained nothing from this through the server (0031).
//
// Under contention such a transaction commits with `synchronous_commit = off` for itself only
// (set_config(…, true) in its own statement): its locks go as soon as its commit record is in the
// WAL buffers. Before anything is answered, `flushCommitted` runs a second, tiny transaction with
// the session's own synchronous_commit that WRITES WAL under a transaction id, so that its commit
// must flush — and a flush covers all WAL before it, ours included (and, with a synchronous
// standby, waits for it to be replicated). Concurrent flushes are shared (group commit).
// A transaction that writes no WAL (`select pg_current_xact_id()`, say) commits without any
// flush, which is why the transactional logical message: it is the smallest WAL record a
// non-superuser may write, and is ignored by everything but logical decoding consumers that ask
// for the prefix.
//
// What is given up: another session may read the change in the millisecond before it is durable,
// and a crash in that millisecond takes it back — no client was told it succeeded. A transaction
// alone in its process keeps the ordinary synchronous commit: one statement, one round trip.
import { sql, type RawBuilder } from 'kysely';
import { prepared, type Db } from './database.js';

/** Transactions of this process in flight per contended key (a group). */
export class InFlight {
  private readonly counts = new Map<string, number>();

  /** Runs `work`, telling it whether another transaction on the same key is in flight in this process. */
  async run<T>(key: string, work: (contended: boolean) => Promise<T>): Promise<T> {
    const before = this.counts.get(key) ?? 0;
    this.counts.set(key, before + 1);
    try {
      return await work(before > 0);
    } finally {
      const left = this.counts.get(key)! - 1;
      if (left === 0) this.counts.delete(key); else this.counts.set(key, left);
    }
  }
}

/**
 * A select-list item that makes the statement's own transaction commit without waiting for its
 * flush when `flag` is true; null otherwise. `flag` is bound as a parameter: one statement text.
 */
export function commitWithoutFlushWaitIf(flag: boolean): RawBuilder<string | null> {
  return sql<string | null>`case when ${flag}::boolean then set_config('synchronous_commit', 'off', true) end`;
}

/** Makes every transaction committed before this call durable: see the head of this file. */
export async function flushCommitted(db: Db): Promise<void> {
  await db.executeQuery(prepared(sql`select pg_logical_emit_message(true, 'seatgate', '')`.compile(db)));
}
