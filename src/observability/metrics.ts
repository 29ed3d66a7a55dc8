// Prometheus metrics. One registry per app instance (tests build several apps in one process).
import client from 'prom-client';
import type pg from 'pg';

export interface Metrics {
  registry: client.Registry;
  httpRequests: client.Counter<'method' | 'route' | 'status'>;
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
}

export function createMetrics(pool: pg.Pool): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'seatgate_' });
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
  const poolGauge = (name: string, help: string, read: () => number) =>
    new client.Gauge({
      name, help, registers: [registry],
      collect() { this.set(read()); },
    });
  poolGauge('seatgate_db_pool_connections', 'Connections open in the database pool', () => pool.totalCount);
  poolGauge('seatgate_db_pool_idle', 'Idle connections in the database pool', () => pool.idleCount);
  poolGauge('seatgate_db_pool_waiting', 'Queries waiting for a pool connection', () => pool.waitingCount);
  return { registry, httpRequests, httpDuration };
}
