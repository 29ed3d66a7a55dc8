// Operator commands for billing: renewals on demand, and seat changes for sales-assisted
// organizations (which change seats only through their account team). The same use cases as
// the admin API, acting as the operator.
import type { Command } from 'commander';
import { getInvoice, listInvoiceViews } from '../../services/billing/billing.js';
import { cancelReduction, listReductionViews, scheduleReduction } from '../../services/billing/reductions.js';
import { purchaseSeats } from '../../services/billing/purchases.js';
import { runDueRenewals } from '../../services/billing/renewals.js';
import { cancelSubscription, getSubscription, resumeSubscription, setAutoRenew, type SubscriptionView } from '../../services/billing/subscription.js';
import type { ServiceContext } from '../../services/context.js';
import type { Actor } from '../../storage/audit.js';
import type { WithContext } from './commands.js';
import { printResult, table, UsageError, type Io } from './format.js';

const operator: Actor = { type: 'operator' };

function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--count must be a whole number, got "${value}"`);
  return Number(value);
}

const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency} (${minor} minor units)`;

export function registerBillingCommands(program: Command, io: Io, withContext: WithContext): void {
  const renewals = program.command('renewals').description('annual term renewals and ends');
  renewals.command('run')
    .description('renew (or end) every organization whose term ended on or before --as-of; safe to run twice or concurrently')
    .option('--as-of <YYYY-MM-DD>', 'date to settle terms up to (default: today, never later)')
    .option('--org <orgId...>', 'only these organizations')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const run = await withContext((ctx) => runDueRenewals(ctx, { asOf: options.asOf, actor: operator, orgIds: options.org }));
      printResult(io, options.json, run, () => [
        `renewals as of ${run.asOf}: ${run.outcomes.length} term(s) settled, ${run.failures.length} failure(s)`,
        table(run.outcomes.map((o) => o.outcome === 'renewed'
          ? { orgId: o.orgId, outcome: o.outcome, newTerm: `${o.newTerm.start} → ${o.newTerm.end}`, plan: o.toPlan, invoice: o.invoiceNumber, totalMinor: o.totalMinor }
          : { orgId: o.orgId, outcome: `${o.outcome} (${o.reason})`, newTerm: '-', plan: '-', invoice: '-', totalMinor: '-' }),
        ['orgId', 'outcome', 'newTerm', 'plan', 'invoice', 'totalMinor']),
        ...run.failures.map((f) => `FAILED ${f.orgId}: ${f.message}`),
      ].join('\n'));
      // Exit code 2: an organization that cannot renew is unexpected and needs a look.
      if (run.failures.length > 0) throw new Error(`${run.failures.length} organization(s) could not be settled (listed above)`);
    });

  const seats = program.command('seats').description('seat purchases and reductions (operator: any billing mode)');
  seats.command('purchase')
    .description('add seats now: the allocation rises and a prorated invoice is issued at once')
    .requiredOption('--org <orgId>', 'organization id')
    .requiredOption('--type <seatType>', 'seat type of the organization\'s plan')
    .requiredOption('--count <n>', 'seats to add')
    .option('--idempotency-key <key>', 'retrying with the same key never buys twice')
    .option('--preview', 'show the charge without buying')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const result = await withContext((ctx) => purchaseSeats(ctx, options.org, { seatType: options.type, quantity: count(options.count) },
        operator, { idempotencyKey: options.idempotencyKey ?? null, preview: Boolean(options.preview) }));
      printResult(io, options.json, result, () => result.preview
        ? `preview: ${result.quantity} ${result.seatType} seat(s) on ${result.purchaseDate} would cost ${money(result.totalMinor, result.currency)}\n  ${result.line.ruleText}`
        : `${result.replayed ? 'already bought' : 'bought'}: invoice ${result.invoice.number} (${result.invoice.id}) for ${money(result.invoice.totalMinor, result.invoice.currency)}\n` +
          `  ${result.invoice.lines[0]?.ruleText ?? ''}\n  ${result.seats.seatType}: ${result.seats.allocated} allocated, ${result.seats.assigned} assigned`);
    });
  seats.command('reduce')
    .description('schedule a reduction applied at the next renewal (never mid-term, never below the plan minimum)')
    .requiredOption('--org <orgId>', 'organization id')
    .requiredOption('--type <seatType>', 'seat type')
    .requiredOption('--count <n>', 'seats to remove at renewal')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const result = await withContext((ctx) => scheduleReduction(ctx, options.org, { seatType: options.type, quantity: count(options.count) }, operator));
      printResult(io, options.json, result, () =>
        `reduction ${result.reduction.id}: ${result.reduction.quantity} ${result.reduction.seatType} seat(s) removed on ${result.reduction.effectiveOn}\n` +
        `  seats at renewal: ${Object.entries(result.projectedRenewalSeats).map(([t, n]) => `${t}=${n}`).join(', ')}`);
    });
  seats.command('reductions')
    .description('list scheduled reductions')
    .requiredOption('--org <orgId>', 'organization id')
    .option('--all', 'include applied and cancelled ones')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const reductions = await withContext((ctx) => listReductionViews(ctx, options.org, Boolean(options.all)));
      printResult(io, options.json, { reductions }, () =>
        table(reductions.map((r) => ({ ...r })), ['id', 'seatType', 'quantity', 'effectiveOn', 'status', 'appliedQuantity']));
    });
  seats.command('cancel-reduction')
    .description('cancel a scheduled reduction')
    .requiredOption('--org <orgId>', 'organization id')
    .argument('<reductionId>')
    .option('--json', 'print one JSON object')
    .action(async (reductionId: string, options) => {
      const reduction = await withContext((ctx) => cancelReduction(ctx, options.org, reductionId, operator));
      printResult(io, options.json, reduction, () => `reduction ${reduction.id} cancelled`);
    });

  const invoices = program.command('invoices').description('invoices (immutable)');
  invoices.command('list')
    .requiredOption('--org <orgId>', 'organization id')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const page = await withContext((ctx) => listInvoiceViews(ctx, options.org, { limit: 200 }));
      printResult(io, options.json, page, () =>
        table(page.invoices.map((i) => ({ ...i, lines: i.lines.length })), ['number', 'id', 'kind', 'issuedAt', 'termStart', 'totalMinor', 'currency']));
    });
  invoices.command('show')
    .requiredOption('--org <orgId>', 'organization id')
    .argument('<invoiceId>')
    .option('--json', 'print one JSON object')
    .action(async (invoiceId: string, options) => {
      const invoice = await withContext((ctx) => getInvoice(ctx, options.org, invoiceId));
      printResult(io, options.json, invoice, () => [
        `invoice ${invoice.number} (${invoice.kind}) issued ${invoice.issuedAt}: ${money(invoice.totalMinor, invoice.currency)}`,
        ...invoice.lines.map((line) => `  ${line.seatType}: ${line.ruleText}`),
      ].join('\n'));
    });

  const subscription = program.command('subscription').description('the annual subscription of an organization');
  const subscriptionCommand = (name: string, description: string, run: (ctx: ServiceContext, orgId: string) => Promise<SubscriptionView>) =>
    subscription.command(name)
      .description(description)
      .requiredOption('--org <orgId>', 'organization id')
      .option('--json', 'print one JSON object')
      .action(async (options) => {
        const shown = await withContext((ctx) => run(ctx, options.org));
        printResult(io, options.json, shown, () =>
          `${shown.plan} (renews as ${shown.renewsAsPlan}), term ${shown.termStart} → ${shown.termEnd}, ${shown.status}, at term end: ${shown.atTermEnd}`);
      });
  subscriptionCommand('show', 'term, renewal and scheduled reductions', getSubscription);
  subscriptionCommand('cancel', 'cancel at term end (access continues until then)', (ctx, orgId) => cancelSubscription(ctx, orgId, operator));
  subscriptionCommand('resume', 'undo a cancellation before the term ends', (ctx, orgId) => resumeSubscription(ctx, orgId, operator));
  // Sales-assisted organizations change renewal only here (the API refuses them).
  subscriptionCommand('auto-renew-off', 'turn automatic renewal off: the term ends at its end', (ctx, orgId) => setAutoRenew(ctx, orgId, false, operator));
  subscriptionCommand('auto-renew-on', 'turn automatic renewal back on', (ctx, orgId) => setAutoRenew(ctx, orgId, true, operator));
}
