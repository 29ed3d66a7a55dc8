// Invoices and their lines. There is deliberately no update or delete here: an issued invoice
// is immutable (the database refuses UPDATE and DELETE with a trigger, see 0003_billing).
import { sql } from 'kysely';
import type { InvoiceLine } from '../domain/billing/index.js';
import type { Db } from './database.js';
import type { Actor } from './audit.js';

export interface NewInvoice {
  kind: 'purchase' | 'renewal' | 'migration';
  currency: string;
  issuedAt: Date;
  termStart: string;
  termEnd: string;
  idempotencyKey: string | null;
  requestHash: string | null;
  actor: Actor;
  lines: (InvoiceLine & { seatType: string })[];
}

export type InvoiceRow = Awaited<ReturnType<typeof findInvoice>> & {};
export type InvoiceLineRow = Awaited<ReturnType<typeof invoiceLines>>[number];

/** The human number of the n-th invoice of an organization. */
export function invoiceNumber(seq: number): string {
  return `INV-${String(seq).padStart(6, '0')}`;
}

/**
 * Issues an invoice. The caller holds the organization's row lock, which makes the per-org
 * sequence gapless and race-free (max + 1 under the lock; the unique key is the backstop).
 */
export async function insertInvoice(db: Db, orgId: string, invoice: NewInvoice): Promise<string> {
  const last = await db.selectFrom('invoices').select((eb) => eb.fn.max('seq').as('seq'))
    .where('org_id', '=', orgId).executeTakeFirst();
  const seq = Number(last?.seq ?? 0) + 1;
  const total = invoice.lines.reduce((sum, line) => sum + line.amountMinor, 0);
  if (!Number.isSafeInteger(total)) throw new RangeError(`invoice total ${total} is not an exact integer`);
  const row = await db.insertInto('invoices').values({
    org_id: orgId,
    seq,
    number: invoiceNumber(seq),
    kind: invoice.kind,
    currency: invoice.currency,
    issued_at: invoice.issuedAt,
    term_start: invoice.termStart,
    term_end: invoice.termEnd,
    total_minor: total,
    idempotency_key: invoice.idempotencyKey,
    request_hash: invoice.requestHash,
    actor: JSON.stringify(invoice.actor),
  }).returning('id').executeTakeFirstOrThrow();
  if (invoice.lines.length > 0) {
    await db.insertInto('invoice_lines').values(invoice.lines.map((line, i) => ({
      org_id: orgId,
      invoice_id: row.id,
      line_no: i + 1,
      seat_type: line.seatType,
      quantity: line.quantity,
      unit_price_minor: line.unitPriceMinor,
      period_start: line.periodStart,
      period_end: line.periodEnd,
      whole_months: line.wholeMonths,
      partial_days: line.partialDays,
      partial_month_days: line.partialMonthDays,
      amount_minor: line.amountMinor,
      rule_text: line.ruleText,
    }))).execute();
  }
  return row.id;
}

export async function findInvoice(db: Db, orgId: string, invoiceId: string) {
  return db.selectFrom('invoices').selectAll()
    .where('org_id', '=', orgId).where('id', '=', invoiceId).executeTakeFirst();
}

export async function findInvoiceByIdempotencyKey(db: Db, orgId: string, key: string) {
  return db.selectFrom('invoices').selectAll()
    .where('org_id', '=', orgId).where('idempotency_key', '=', key).executeTakeFirst();
}

export async function findRenewalInvoice(db: Db, orgId: string, termStart: string) {
  return db.selectFrom('invoices').selectAll()
    .where('org_id', '=', orgId).where('kind', '=', 'renewal').where('term_start', '=', termStart).executeTakeFirst();
}

export async function invoiceLines(db: Db, orgId: string, invoiceIds: readonly string[]) {
  if (invoiceIds.length === 0) return [];
  return db.selectFrom('invoice_lines').selectAll()
    .where('org_id', '=', orgId).where('invoice_id', 'in', [...invoiceIds])
    .orderBy('invoice_id').orderBy('line_no').execute();
}

/** Newest first. */
export async function listInvoices(db: Db, orgId: string, page: { limit: number; offset: number }) {
  const [rows, count] = await Promise.all([
    db.selectFrom('invoices').selectAll().where('org_id', '=', orgId)
      .orderBy('seq', 'desc').limit(page.limit).offset(page.offset).execute(),
    db.selectFrom('invoices').select(sql<number>`count(*)`.as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}
