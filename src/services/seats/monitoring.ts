// Seat monitoring (SPEC §5): utilization per seat type (assigned / allocated) and one alert per
// upward crossing of the organization's `utilizationAlertThreshold`.
//
// The hook: every use case that changes seats calls `afterSeatsChanged(ctx, orgId)` AFTER its
// transaction commits (purchases, renewals; the gate's callers — SCIM, JIT, admin seat changes —
// should do the same). It never throws and is never awaited on the request path. As a safety
// net the server's periodic check (`sweepSeatAlerts`) re-checks every organization whose alert
// state disagrees with its utilization, so a crossing made by a path without the hook is
// alerted at the next tick.
//
// Once per crossing: `seat_alert_state(org, seat type).alerting` flips false → true in one
// statement, and only the caller that flipped it alerts (whatever runs at once, in any process);
// it flips back (re-armed) when utilization falls below the threshold. A type is alerting when
// allocated > 0 and assigned / allocated ≥ threshold (so a threshold of 1 alerts when full).
//
// An alert is: a winston `warn` line (event `seat.utilization_alert`); the counter
// `seatgate_seat_alerts_total{seat_type}` (seat types are catalog data, so the label stays small;
// organization ids are never labels — the log line and webhook carry them); and, when the
// organization set `alertWebhookUrl`, a JSON POST under the SSRF policy (decision 0010,
// ./alerts/webhook-delivery.ts). Its outcome is counted in
// `seatgate_seat_alert_webhooks_total{outcome}` with only `delivered`, `refused` or `failed`
// (/metrics is unauthenticated: no URL, host or error there, or it would be a port-scan oracle);
// the detail goes to the organization's audit log (`webhook.delivered|refused|failed`, seen by
// its admins) and the operator's log.
import client from 'prom-client';
import { DEFAULT_SETTINGS, orgSettingsSchema } from '../../domain/organization.js';
import type { Logger } from '../../observability/logger.js';
import { alertStates, armAlert, organizationsWithStaleAlerts, rearmAlert, seatUsage as allocationRows } from '../../storage/billing.js';
import { seatUsage } from './usage.js';
import { findOrganization } from '../../storage/organizations.js';
import { recordAudit } from '../../storage/audit.js';
import { STRICT_WEBHOOK_POLICY } from '../../domain/webhook-target.js';
import { deliverWebhook } from '../alerts/webhook-delivery.js';
import type { ServiceContext } from '../context.js';
import { requireOrgId } from '../billing/billing.js';

export interface SeatAlert {
  type: 'seat.utilization_alert';
  orgId: string;
  orgName: string;
  seatType: string;
  assigned: number;
  allocated: number;
  utilization: number;
  threshold: number;
  at: string;
}

export interface SeatMonitorOptions {
  logger: Logger;
  /** Where the counters are registered (the app's /metrics registry). */
  registry: client.Registry;
  webhookTimeoutMs?: number;
}

export class SeatMonitor {
  private readonly alerts: client.Counter<'seat_type'>;
  private readonly webhooks: client.Counter<'outcome'>;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: SeatMonitorOptions) {
    this.alerts = new client.Counter({
      name: 'seatgate_seat_alerts_total',
      help: 'Seat utilization alerts (upward crossings of an organization\'s threshold) by seat type',
      labelNames: ['seat_type'] as const,
      registers: [options.registry],
    });
    this.webhooks = new client.Counter({
      name: 'seatgate_seat_alert_webhooks_total',
      help: 'Seat alert webhook deliveries by outcome (delivered, refused by the SSRF policy, failed)',
      labelNames: ['outcome'] as const,
      registers: [options.registry],
    });
  }

  /** Checks one organization's seat types; returns the alerts raised by this call. */
  async check(ctx: ServiceContext, orgId: string): Promise<SeatAlert[]> {
    const org = await findOrganization(ctx.db, orgId);
    if (!org || org.status !== 'active') return [];
    const settings = orgSettingsSchema.safeParse(org.settings);
    const threshold = settings.success ? settings.data.utilizationAlertThreshold : DEFAULT_SETTINGS.utilizationAlertThreshold;
    const webhookUrl = settings.success ? settings.data.alertWebhookUrl : null;
    const { allocations } = await allocationRows(ctx.db, orgId);
    const raised: SeatAlert[] = [];
    for (const row of allocations) {
      if (isAlerting(row.assigned, row.allocated, threshold)) {
        if (!(await armAlert(ctx.db, orgId, row.seat_type))) continue;
        const alert: SeatAlert = {
          type: 'seat.utilization_alert', orgId, orgName: org.name, seatType: row.seat_type,
          assigned: row.assigned, allocated: row.allocated, utilization: row.assigned / row.allocated, threshold,
          at: ctx.now().toISOString(),
        };
        raised.push(alert);
        this.emit(ctx, alert, webhookUrl);
      } else if (await rearmAlert(ctx.db, orgId, row.seat_type)) {
        this.options.logger.info('seat utilization back below the alert threshold', {
          event: 'seat.utilization_rearmed', orgId, seatType: row.seat_type, assigned: row.assigned, allocated: row.allocated, threshold,
        });
      }
    }
    return raised;
  }

  /** Resolves when every webhook started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private emit(ctx: ServiceContext, alert: SeatAlert, webhookUrl: string | null): void {
    this.options.logger.warn('seat utilization crossed the alert threshold', { event: alert.type, ...alert });
    this.alerts.inc({ seat_type: alert.seatType });
    if (!webhookUrl) return;
    const delivery = this.post(ctx, webhookUrl, alert).finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  private async post(ctx: ServiceContext, url: string, alert: SeatAlert): Promise<void> {
    const host = hostOf(url);
    const result = await deliverWebhook(url, alert, {
      policy: ctx.webhookPolicy ?? STRICT_WEBHOOK_POLICY, timeoutMs: this.options.webhookTimeoutMs ?? 5000,
    }).catch((error: unknown) => ({ outcome: 'failed' as const, reason: String((error as Error)?.message ?? error) }));
    this.webhooks.inc({ outcome: result.outcome });
    const detail = { event: 'seat.alert_webhook', orgId: alert.orgId, seatType: alert.seatType, host, ...result };
    if (result.outcome === 'delivered') this.options.logger.info('seat alert webhook delivered', detail);
    else this.options.logger.error(`seat alert webhook ${result.outcome}`, detail);
    try {
      await recordAudit(ctx.db, alert.orgId, {
        actor: { type: 'system' }, action: `webhook.${result.outcome}`, subjectType: 'seat_type', subjectId: alert.seatType,
        reason: { host, ...result }, // never the path or query, which may carry a secret
      });
    } catch (error) {
      this.options.logger.error('could not record the webhook outcome', { event: 'seat.alert_webhook', orgId: alert.orgId, error: String(error) });
    }
  }
}

export function isAlerting(assigned: number, allocated: number, threshold: number): boolean {
  return allocated > 0 && assigned / allocated >= threshold;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host; // never the path or query, which may carry a secret
  } catch {
    return '(invalid)';
  }
}

// The monitor travels with the service context (it needs the logger and the app's metrics
// registry, which the context does not carry). Without one (the CLI, most tests) nothing is
// checked and no alert state changes: the server's sweep alerts later.
export type MonitoredContext = ServiceContext & { seatMonitor?: SeatMonitor };

export function withSeatMonitor<T extends ServiceContext>(ctx: T, monitor: SeatMonitor): T & { seatMonitor: SeatMonitor } {
  return Object.assign(ctx, { seatMonitor: monitor });
}

export function seatMonitorOf(ctx: ServiceContext): SeatMonitor | undefined {
  return (ctx as MonitoredContext).seatMonitor;
}

/**
 * THE HOOK: call after a commit that changed seats of `orgId`. Never throws; callers do not
 * await it (the returned promise is for tests). Webhooks are sent in the background.
 */
export function afterSeatsChanged(ctx: ServiceContext, orgId: string): Promise<SeatAlert[]> {
  const monitor = seatMonitorOf(ctx);
  if (!monitor) return Promise.resolve([]);
  return monitor.check(ctx, orgId).catch(() => []);
}

/** Runs `work` (a committed seat change) and then the alert check, without waiting for it. */
export async function thenCheckSeats<T>(ctx: ServiceContext, orgId: string, work: Promise<T>): Promise<T> {
  const value = await work;
  void afterSeatsChanged(ctx, orgId);
  return value;
}

/** The periodic catch-up: re-checks the organizations whose alert state is stale. */
export async function sweepSeatAlerts(ctx: ServiceContext): Promise<number> {
  const monitor = seatMonitorOf(ctx);
  if (!monitor) return 0;
  let raised = 0;
  for (const orgId of await organizationsWithStaleAlerts(ctx.db, DEFAULT_SETTINGS.utilizationAlertThreshold)) {
    raised += (await monitor.check(ctx, orgId)).length;
  }
  return raised;
}

/**
 * Seat monitoring for admins: per type allocation, assigned, free, utilization, alert state;
 * pending members and refusals this term — the same figures as GET /seats (services/seats/usage.ts).
 */
export async function seatUtilization(ctx: ServiceContext, orgId: string) {
  const [usage, states] = await Promise.all([
    seatUsage(ctx, requireOrgId(orgId), (org) => ({ sinceDate: org.term_start })), alertStates(ctx.db, orgId),
  ]);
  const alerting = new Set(states.filter((s) => s.alerting).map((s) => s.seat_type));
  return {
    threshold: usage.settings.utilizationAlertThreshold,
    pending: usage.pendingMembers,
    blockedThisTerm: usage.refusals.total,
    seatTypes: usage.seatTypes.map((row) => ({
      seatType: row.seatType,
      allocated: row.allocated,
      assigned: row.assigned,
      free: row.free,
      utilization: row.utilization,
      pending: row.pending,
      alerting: alerting.has(row.seatType),
    })),
  };
}
