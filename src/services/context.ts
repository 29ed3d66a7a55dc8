// What every use case needs: the database, the plan catalog and a clock (injectable so that
// billing and term rules can be tested on any date).
import type { Db } from '../storage/database.js';
import type { PlanCatalog } from '../domain/plans.js';
import type { CredentialCache } from './access/credential-cache.js';
import type { WebhookPolicy } from '../domain/webhook-target.js';

export interface ServiceContext {
  db: Db;
  plans: PlanCatalog;
  now(): Date;
  /** Authenticated SCIM and JIT tokens (a server process has one; without it, every request reads). */
  credentialCache?: CredentialCache;
  /** Where organizations' alert webhooks may point (config `alerts.webhook`); strict when absent. */
  webhookPolicy?: WebhookPolicy;
  /** The deadline of one webhook delivery (config `alerts.webhook.timeoutMs`); 5000 when absent. */
  webhookTimeoutMs?: number;
}
