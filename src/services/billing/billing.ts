// What purchases, reductions, renewals and the subscription share: the billing date from the
// injectable clock, who may change seats of which organization, and how invoices are shown.
import { createHash } from 'node:crypto';
import { DomainError, forbidden, notFound } from '../../domain/errors.js';
import { toIsoDate } from '../../domain/dates.js';
import type { InvoiceLine } from '../../domain/billing/index.js';
import { isUuid } from '../../domain/ids.js';
import type { Actor } from '../../storage/audit.js';
import type { OrganizationRow } from '../../storage/billing.js';
import { findInvoice, invoiceLines, listInvoices, type InvoiceLineRow, type InvoiceRow } from '../../storage/invoices.js';
import type { Db } from '../../storage/database.js';
import type { ServiceContext } from '../context.js';

/** Today in UTC, from the context's clock: the day purchases are charged from. */
export function billingDate(ctx: ServiceContext): string {
  return toIsoDate(ctx.now());
}

/** Operators (the CLI) act for the account team; everyone else comes through the admin API. */
export function isOperator(actor: Actor): boolean {
  return actor.type === 'operator' || actor.type === 'system';
}

export const SALES_ASSISTED_MESSAGE =
  'This organization is billed through its account team (sales-assisted): seats and the subscription change ' +
  'only through your account manager, not through the API.';

/**
 * Self-serve organizations change seats and their subscription through the API; sales-assisted
 * ones only through an operator command.
 */
export function assertMayChangeBilling(org: OrganizationRow, actor: Actor): void {
  if (org.billing_mode === 'sales_assisted' && !isOperator(actor)) throw forbidden(SALES_ASSISTED_MESSAGE);
}

export function orgEndedError(org: Pick<OrganizationRow, 'term_end'>): DomainError {
  return new DomainError('org_inactive',
    `This organization's subscription ended on ${org.term_end}; nothing can change until it is renewed by the account team.`,
    { endedOn: org.term_end });
}

export function requireOrgId(orgId: string): string {
  if (!isUuid(orgId)) throw notFound(`no organization ${orgId}`);
  return orgId;
}

/** A stable hash of a request body, to tell an Idempotency-Key retry from a reused key. */
export function requestHash(kind: string, body: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(body).sort().map((key) => [key, body[key]]));
  return createHash('sha256').update(`${kind}\n${canonical}`).digest('hex');
}

export interface InvoiceView {
  id: string;
  number: string;
  kind: 'purchase' | 'renewal' | 'migration';
  currency: string;
  issuedAt: string;
  termStart: string;
  termEnd: string;
  totalMinor: number;
  idempotencyKey: string | null;
  lines: (Omit<InvoiceLine, 'kind'> & { seatType: string })[];
}

export function presentInvoice(row: InvoiceRow, lines: readonly InvoiceLineRow[]): InvoiceView {
  return {
    id: row.id,
    number: row.number,
    kind: row.kind,
    currency: row.currency,
    issuedAt: row.issued_at.toISOString(),
    termStart: row.term_start,
    termEnd: row.term_end,
    totalMinor: Number(row.total_minor),
    idempotencyKey: row.idempotency_key,
    lines: lines.filter((line) => line.invoice_id === row.id).map((line) => ({
      seatType: line.seat_type,
      quantity: line.quantity,
      unitPriceMinor: Number(line.unit_price_minor),
      periodStart: line.period_start,
      periodEnd: line.period_end,
      wholeMonths: line.whole_months,
      partialDays: line.partial_days,
      partialMonthDays: line.partial_month_days,
      amountMinor: Number(line.amount_minor),
      ruleText: line.rule_text,
    })),
  };
}

export async function loadInvoice(db: Db, orgId: string, invoiceId: string): Promise<InvoiceView> {
  const row = isUuid(invoiceId) ? await findInvoice(db, orgId, invoiceId) : undefined;
  if (!row) throw notFound(`no invoice ${invoiceId}`);
  return presentInvoice(row, await invoiceLines(db, orgId, [row.id]));
}

/** An invoice of the organization (owners only, enforced by the interface). */
export async function getInvoice(ctx: ServiceContext, orgId: string, invoiceId: string): Promise<InvoiceView> {
  return loadInvoice(ctx.db, requireOrgId(orgId), invoiceId);
}

export async function listInvoiceViews(
  ctx: ServiceContext, orgId: string, page: { limit?: number; offset?: number } = {},
): Promise<{ invoices: InvoiceView[]; total: number; limit: number; offset: number }> {
  requireOrgId(orgId);
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 200);
  const offset = Math.max(page.offset ?? 0, 0);
  const { rows, total } = await listInvoices(ctx.db, orgId, { limit, offset });
  const lines = await invoiceLines(ctx.db, orgId, rows.map((row) => row.id));
  return { invoices: rows.map((row) => presentInvoice(row, lines)), total, limit, offset };
}
