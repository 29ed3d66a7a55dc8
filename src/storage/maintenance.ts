// VACUUM (ANALYZE) of `members` once a burst of inserts has gone quiet (decision 0026).
// An IdP's first sync writes thousands of users in a minute; until VACUUM has set the visibility
// map of their pages, every list page of that organization visits the heap for each index entry
// its offset walk skips and its count reads (6 ms of PostgreSQL per page instead of 2 at 10,000
// users), and autovacuum comes within a naptime at best — with a large shared table, its scale
// factors let a new tenant's rows wait far longer. VACUUM reads only the pages not yet all-visible.
import type pg from 'pg';
import type { Logger } from '../observability/logger.js';

export interface MaintenanceOptions {
  /** Inserts since the last pass that make the next quiet moment worth a pass. */
  minInserts: number;
  /** How long without an insert counts as the end of a burst (ms). */
  quietMs: number;
}

let current: { pool: pg.Pool; logger: Logger; options: MaintenanceOptions; timer?: NodeJS.Timeout; running?: Promise<void>; stopped: boolean } | undefined;
let inserted = 0;

/** Storage notes every member it inserted; without a started maintenance this does nothing. */
export function membersInserted(count = 1): void {
  if (!current || current.stopped) return;
  inserted += count;
  if (inserted < current.options.minInserts) return;
  const state = current;
  if (state.timer) state.timer.refresh();
  else state.timer = setTimeout(() => pass(state), state.options.quietMs).unref();
}

function pass(state: NonNullable<typeof current>): void {
  state.timer = undefined;
  if (state.stopped || state.running) return; // one pass at a time; the next burst re-arms
  inserted = 0;
  const started = Date.now();
  // SKIP_LOCKED: another process's pass or autovacuum already on the table does the work.
  state.running = state.pool.query('vacuum (analyze, skip_locked) members').then(
    () => { state.logger.debug('members vacuumed after a burst of inserts', { ms: Date.now() - started }); },
    (error: Error) => { state.logger.warn('vacuum of members after a burst of inserts failed', { error: error.message }); },
  ).finally(() => { state.running = undefined; });
}

/** Starts the process's maintenance on `pool` (outside any transaction: VACUUM needs that). */
export function startMaintenance(pool: pg.Pool, logger: Logger, options: MaintenanceOptions = { minInserts: 1000, quietMs: 1000 }) {
  const state = { pool, logger, options, stopped: false } as NonNullable<typeof current>;
  current = state;
  inserted = 0;
  return {
    /** Stops arming passes and waits for one in progress (before the pool closes). */
    async stop(): Promise<void> {
      state.stopped = true;
      if (state.timer) clearTimeout(state.timer);
      await state.running;
      if (current === state) current = undefined;
    },
  };
}
