import type pg from 'pg';

/** Waits until at least `atLeast` backends of this database wait on a lock (the statement under test reached its blocking step). */
export async function someoneWaits(pool: pg.Pool, atLeast = 1): Promise<void> {
  for (let i = 0; i < 250; i += 1) {
    const { rows } = await pool.query("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
    if (rows[0].n >= atLeast) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${atLeast} backends ever waited on a lock`);
}
