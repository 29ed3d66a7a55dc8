// `seats set` / `seats show`: the operator sets the allocation of a sales-assisted contract
// directly, and reads the same seat overview as GET /admin/v1/seats.
import type { Command } from 'commander';
import { seatOverview, setAllocation } from '../../services/seats/admin-seats.js';
import type { WithContext } from './commands.js';
import { printResult, table, UsageError, type Io } from './format.js';

export function registerSeatCommands(program: Command, io: Io, withContext: WithContext): void {
  // `seats` may already exist (the billing commands add purchase/reduce under it): extend it.
  const seats = program.commands.find((command) => command.name() === 'seats')
    ?? program.command('seats').description('seat allocations of an organization');
  seats.command('set')
    .description('sales-assisted contracts: set the allocation of one seat type (never below the seats assigned); raising it serves pending members')
    .requiredOption('--org <orgId>', 'organization id')
    .requiredOption('--type <seatType>', 'seat type of the organization\'s plan')
    .requiredOption('--count <n>', 'the new allocation')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      if (!/^\d+$/.test(String(options.count))) throw new UsageError(`--count must be a whole number ≥ 0, got "${options.count}"`);
      const result = await withContext((ctx) => setAllocation(ctx, options.org, options.type, Number(options.count)));
      printResult(io, options.json, result, () => [
        `${result.seatType}: ${result.before} → ${result.allocated} seats (${result.assigned} assigned, ${result.allocated - result.assigned} free)`,
        ...(result.servedPending > 0 ? [`${result.servedPending} pending member${result.servedPending === 1 ? '' : 's'} got a seat`] : []),
      ].join('\n'));
    });
  seats.command('show')
    .description('allocated, assigned, pending and free seats per type, and blocked attempts of the last 30 days')
    .requiredOption('--org <orgId>', 'organization id')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const overview = await withContext((ctx) => seatOverview(ctx, options.org));
      printResult(io, options.json, overview, () => [
        `plan ${overview.plan}, when no seat is free: ${overview.onNoSeat}`,
        table(overview.seatTypes.map((s) => ({ ...s, blocked30d: s.blockedAttemptsLast30Days })),
          ['seatType', 'allocated', 'assigned', 'pending', 'free', 'blocked30d']),
        `pending members: ${overview.pendingMembers}; blocked attempts (30 days): ${overview.blockedAttemptsLast30Days.total}`,
      ].join('\n'));
    });
}
