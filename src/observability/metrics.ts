// Prometheus metrics. One registry per app instance (tests build several apps in one process).
// The operator's dashboard and alert rules (docs/operations/) use these names; a test checks
// that every name they reference is exported by a running server.
//
// /metrics is unauthenticated: labels carry route templates, statuses, seat types and coarse
// outcomes, never a URL, host, token or organization — except the per-organization seat gauges,
// which an operator turns on (`metrics.seatsByOrganization`) when /metrics is not exposed.
import client from 'prom-client';
import type pg from 'pg';
import type { Db } from '../storage/database.js';
import { seatCountsForMetrics, type SeatCountRow } from '../storage/seat-metrics.js';

export interface Metrics {
  registry: client.Registry;
  httpRequests: client.Counter<'method' | 'route' | 'status'>;
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
}

/** What the gauges read, besides the pool (a server has all of them; tests may pass fewer). */
export interface MetricSources {
  /** The database, for seat gauges and `seatgate_db_up`. */
  db?: Db;
  /** The process's credential cache (listening state and size). */
  credentialCache?: { readonly isListening: boolean; readonly size: number };
  /** Export seat gauges per organization (org_id label). */
  seatsByOrganization?: boolean;
  /** The shortest time between two reads of the database by /metrics. */
  snapshotMs?: number;
}

// Seat refusals are counted where the gate records them (src/services/seats/seat-gate.ts), which has
// no registry at hand: one process-wide counter, registered into every app's registry.
const seatRefusals = new client.Counter({
  name: 'seatgate_seat_refusals_total',
  help: 'Seat gate refusals (no seat of the needed type free) by the operation that asked',
  labelNames: ['trigger'] as const,
  registers: [],
});

export function countSeatRefusal(trigger: string): void {
  seatRefusals.inc({ trigger });
}

export function createMetrics(pool: pg.Pool, sources: MetricSources = {}): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'seatgate_' });
  registry.registerMetric(seatRefusals);
  const httpRequests = new client.Counter({
    name: 'seatgate_http_requests_total',
    help: 'HTTP requests by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new client.Histogram({
    name: 'seatgate_http_request_duration_seconds',
    help: 'HTTP request latency by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new client.Gauge({
      name, help, registers: [registry],
      collect() { this.set(read()); },
    });
  gauge('seatgate_db_pool_connections', 'Connections open in the database pool', () => pool.totalCount);
  gauge('seatgate_db_pool_idle', 'Idle connections in the database pool', () => pool.idleCount);
  gauge('seatgate_db_pool_waiting', 'Queries waiting for a pool connection', () => pool.waitingCount);
  gauge('seatgate_db_pool_max', 'Size limit of the database pool', () => pool.options.max ?? 10);
  const poolErrors = new client.Counter({
    name: 'seatgate_db_pool_errors_total',
    help: 'Errors of idle pooled connections (database restarted, failed over or unreachable)',
    registers: [registry],
  });
  pool.on('error', () => poolErrors.inc());

  const cache = sources.credentialCache;
  if (cache) {
    gauge('seatgate_credential_cache_listening', '1 while the credential cache receives revocation notices (LISTEN), else 0 (nothing served from cache)',
      () => (cache.isListening ? 1 : 0));
    gauge('seatgate_credential_cache_entries', 'Authenticated tokens held in the credential cache', () => cache.size);
  }
  if (sources.db) databaseGauges(registry, sources.db, sources);
  return { registry, httpRequests, httpDuration };
}

/**
 * Gauges read from the database at scrape time, at most once per `snapshotMs` (default 10 s)
 * whatever the scrape rate — /metrics is unauthenticated, so a scrape must stay cheap.
 */
function databaseGauges(registry: client.Registry, db: Db, sources: MetricSources): void {
  const snapshotMs = sources.snapshotMs ?? 10_000;
  let taken = 0;
  let pending: Promise<void> | undefined;
  let up = 0;
  let rows: SeatCountRow[] = [];
  const refresh = (): Promise<void> => {
    if (Date.now() - taken < snapshotMs) return Promise.resolve();
    pending ??= (async () => {
      try {
        rows = await withTimeout(seatCountsForMetrics(db, sources.seatsByOrganization ?? false), 2000);
        up = 1;
      } catch {
        rows = [];
        up = 0;
      } finally {
        taken = Date.now();
        pending = undefined;
      }
    })();
    return pending;
  };
  const byType = () => {
    const totals = new Map<string, { allocated: number; assigned: number; full: number }>();
    for (const row of rows) {
      const t = totals.get(row.seat_type) ?? { allocated: 0, assigned: 0, full: 0 };
      t.allocated += row.allocated;
      t.assigned += row.assigned;
      t.full += row.full;
      totals.set(row.seat_type, t);
    }
    return totals;
  };
  new client.Gauge({
    name: 'seatgate_db_up', help: '1 when the last read of the database for /metrics succeeded within 2 s, else 0',
    registers: [registry],
    async collect() { await refresh(); this.set(up); },
  });
  const perType = (name: string, help: string, field: 'allocated' | 'assigned' | 'full') => new client.Gauge({
    name, help, labelNames: ['seat_type'] as const, registers: [registry],
    async collect() {
      await refresh();
      this.reset();
      for (const [seatType, t] of byType()) this.set({ seat_type: seatType }, t[field]);
    },
  });
  perType('seatgate_seats_allocated', 'Seats bought, over all active organizations, by seat type', 'allocated');
  perType('seatgate_seats_assigned', 'Seats assigned to members, over all active organizations, by seat type', 'assigned');
  perType('seatgate_seat_types_full', 'Active organizations whose seat type is full (assigned = allocated > 0), by seat type', 'full');
  if (!sources.seatsByOrganization) return;
  const perOrg = (name: string, help: string, field: 'allocated' | 'assigned') => new client.Gauge({
    name, help, labelNames: ['org_id', 'seat_type'] as const, registers: [registry],
    async collect() {
      await refresh();
      this.reset();
      for (const row of rows) if (row.org_id) this.set({ org_id: row.org_id, seat_type: row.seat_type }, row[field]);
    },
  });
  perOrg('seatgate_organization_seats_allocated', 'Seats bought by organization and seat type (metrics.seatsByOrganization)', 'allocated');
  perOrg('seatgate_organization_seats_assigned', 'Seats assigned by organization and seat type (metrics.seatsByOrganization)', 'assigned');
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.finally(() => clearTimeout(timer)),
    new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('timeout')), ms); }),
  ]);
}
