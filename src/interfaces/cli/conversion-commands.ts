// `org convert` and `org migrate-plan`: the account team's conversions of a contract
// (services/billing/conversions.ts), with what the invoice of the day says; and
// `org transfer-ownership`, for when the primary owner is gone and cannot transfer it.
import type { Command } from 'commander';
import { BILLING_MODES, type BillingMode } from '../../domain/organization.js';
import { convertBillingMode, migrateLegacyPlan } from '../../services/billing/conversions.js';
import { transferOwnership } from '../../services/access/roles.js';
import type { WithContext } from './commands.js';
import { printResult, table, UsageError, type Io } from './format.js';

export function registerConversionCommands(program: Command, io: Io, withContext: WithContext): void {
  const org = program.commands.find((command) => command.name() === 'org') ?? program.command('org');
  org.command('convert')
    .description('change the billing mode (self-serve → sales-assisted, or back); nothing is invoiced')
    .requiredOption('--org <orgId>', 'organization id')
    .requiredOption('--to <mode>', `${BILLING_MODES.join(' or ')}`)
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      if (!BILLING_MODES.includes(options.to)) throw new UsageError(`--to must be one of ${BILLING_MODES.join(', ')}`);
      const result = await withContext((ctx) => convertBillingMode(ctx, options.org, options.to as BillingMode));
      printResult(io, options.json, result, () => `${result.orgId}: ${result.from} → ${result.to}; ${result.note}`);
    });
  org.command('transfer-ownership')
    .description('make an active member the primary owner (the previous one becomes an owner); the same use case as the admin API')
    .requiredOption('--org <orgId>', 'organization id')
    .requiredOption('--member <memberId>', 'the new primary owner')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const result = await withContext((ctx) => transferOwnership(ctx, options.org, options.member, { type: 'operator' }));
      printResult(io, options.json, result, () => `primary owner: ${result.previousPrimaryOwnerId} → ${result.primaryOwnerId} (now an owner)`);
    });
  org.command('migrate-plan')
    .description('move a legacy plan to the plan it renews as, before its renewal; prints the invoice of the day')
    .requiredOption('--org <orgId>', 'organization id')
    .option('--price <MINOR_UNITS>', 'monthly price per seat of the new plan (default: the legacy plan\'s highest seat type\'s)')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      if (options.price !== undefined && !/^\d+$/.test(String(options.price))) throw new UsageError(`--price must be whole minor units, got "${options.price}"`);
      const result = await withContext((ctx) => migrateLegacyPlan(ctx, options.org,
        options.price === undefined ? {} : { monthlyPriceMinor: Number(options.price) }));
      printResult(io, options.json, result, () => [
        `${result.orgId}: ${result.fromPlan} → ${result.toPlan}, ${result.seats.after} ${result.seatType} seats`
          + `${result.seats.addedToMinimum > 0 ? ` (${result.seats.addedToMinimum} added to reach the minimum)` : ''}`,
        `invoice ${result.invoice.number} (migration), total ${result.invoice.totalMinor}:`,
        table(result.invoice.lines.map((l) => ({ seatType: l.seatType, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor,
          period: `${l.periodStart} → ${l.periodEnd}`, amountMinor: l.amountMinor, rule: l.ruleText })),
        ['seatType', 'quantity', 'unitPriceMinor', 'period', 'amountMinor', 'rule']),
      ].join('\n'));
    });
}
