// The alert webhook's test send (issue 12, Settings): one clearly marked test event to the saved
// URL, or to a URL not saved yet, through the very delivery and SSRF guard of real alerts
// (./webhook-delivery.ts, decision 0010), answering what happened. It is an outbound request an
// admin can trigger, so it is bounded: one at a time per organization in a process, and at most
// TEST_SENDS_PER_MINUTE per organization counted in the audit log (so across processes); each
// delivery has the configured deadline. The answer says delivered with the HTTP status, or
// refused / failed with the delivery's reason — words and an error code, never the internal
// address a name resolved to. Audited as `webhook.tested` (host only: a path or query may carry
// a secret).
import { invalidInput, notFound } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import { orgSettingsSchema } from '../../domain/organization.js';
import { STRICT_WEBHOOK_POLICY } from '../../domain/webhook-target.js';
import { recentActionCount } from '../../storage/audit-queries.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import { findOrganization } from '../../storage/organizations.js';
import type { ServiceContext } from '../context.js';
import { deliverWebhook, type WebhookOutcome } from './webhook-delivery.js';

export const TEST_SENDS_PER_MINUTE = 5;
export const TEST_EVENT_TYPE = 'seatgate.webhook_test';
const ACTION = 'webhook.tested';

export interface WebhookTestEvent {
  type: typeof TEST_EVENT_TYPE;
  /** Always true: receivers can drop it. Real alerts have `type: "seat.utilization_alert"`. */
  test: true;
  message: string;
  orgId: string;
  orgName: string;
  at: string;
}

export type WebhookTestResult =
  | (WebhookOutcome & { tested: true; url: 'saved' | 'supplied'; host: string; message: string; event: WebhookTestEvent })
  /** Over the bound: nothing was sent. */
  | { tested: false; retryAfterSeconds: number; message: string };

// Organizations with a test send running in this process.
const running = new Set<string>();

export async function sendTestWebhook(
  ctx: ServiceContext, orgId: string, input: { url?: string }, actor: Actor,
): Promise<WebhookTestResult> {
  const org = isUuid(orgId) ? await findOrganization(ctx.db, orgId) : undefined;
  if (!org) throw notFound(`no organization ${orgId}`);
  const saved = orgSettingsSchema.safeParse(org.settings);
  const url = input.url ?? (saved.success ? saved.data.alertWebhookUrl : null);
  if (!url) {
    throw invalidInput('no alert webhook URL is saved: save one, or send {"url": "https://…"} to test a URL before saving it', { field: 'url' });
  }
  if (running.has(orgId)) {
    return { tested: false, retryAfterSeconds: 1, message: 'a test send for this organization is already running; wait for its answer' };
  }
  running.add(orgId);
  try {
    const recent = await recentActionCount(ctx.db, orgId, ACTION, 60);
    if (recent.count >= TEST_SENDS_PER_MINUTE) {
      return { tested: false, retryAfterSeconds: recent.freesInSeconds,
        message: `at most ${TEST_SENDS_PER_MINUTE} test sends a minute per organization; try again in ${recent.freesInSeconds} s` };
    }
    const event: WebhookTestEvent = {
      type: TEST_EVENT_TYPE, test: true,
      message: 'A test event sent by an admin from seatgate\'s settings: no seat changed. Alerts have type "seat.utilization_alert".',
      orgId, orgName: org.name, at: ctx.now().toISOString(),
    };
    const outcome = await deliverWebhook(url, event, {
      policy: ctx.webhookPolicy ?? STRICT_WEBHOOK_POLICY, timeoutMs: ctx.webhookTimeoutMs ?? 5000,
    }).catch((error: unknown): WebhookOutcome => ({ outcome: 'failed', reason: `could not deliver (${(error as NodeJS.ErrnoException)?.code ?? 'error'})` }));
    const host = hostOf(url);
    const which = input.url === undefined ? 'saved' as const : 'supplied' as const;
    await recordAudit(ctx.db, orgId, {
      actor, action: ACTION, subjectType: 'organization', subjectId: orgId, reason: { url: which, host, ...outcome },
    });
    return { tested: true, url: which, host, ...outcome, message: describe(outcome), event };
  } finally {
    running.delete(orgId);
  }
}

function describe(outcome: WebhookOutcome): string {
  switch (outcome.outcome) {
    case 'delivered': return `Delivered: the webhook answered ${outcome.status}.`;
    case 'refused': return `Not sent: ${outcome.reason}.`;
    case 'failed': return `Failed: ${outcome.reason}.`;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host; // never the path or query, which may carry a secret
  } catch {
    return '(invalid)';
  }
}
