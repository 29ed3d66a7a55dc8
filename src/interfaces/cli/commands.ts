// The CLI's commands: thin adapters over the same use cases the HTTP interfaces call.
import { Command } from 'commander';
import type { ServiceContext } from '../../services/context.js';
import { createOrganization, getOrganization, listOrganizationSummaries } from '../../services/organizations.js';
import { createCredential, listCredentialSummaries, revokeCredentialById } from '../../services/access/credentials.js';
import { BILLING_MODES, type BillingMode } from '../../domain/organization.js';
import { CREDENTIAL_KINDS, type CredentialKind } from '../../domain/credentials.js';
import { parseCounts, printResult, table, UsageError, type Io } from './format.js';
import { registerBillingCommands } from './billing-commands.js';
import { registerSeatCommands } from './seat-commands.js';
import { registerConversionCommands } from './conversion-commands.js';

export type WithContext = <T>(fn: (ctx: ServiceContext) => Promise<T>) => Promise<T>;

export function buildProgram(io: Io, withContext: WithContext): Command {
  const program = new Command('seatgate')
    .description('seatgate operator commands (same database and configuration as the server)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  const org = program.command('org').description('organizations (tenants)');
  org.command('create')
    .description('create an organization with its primary owner, SCIM token, admin token and JIT secret')
    .requiredOption('--name <name>', 'organization name')
    .requiredOption('--plan <plan>', 'plan from the catalog (schemas/plans.json)')
    .requiredOption('--seats <TYPE=COUNT,...>', 'seat allocation per seat type')
    .option('--term-start <YYYY-MM-DD>', 'first day of the annual term (default: today)')
    .option('--price <TYPE=MINOR_UNITS,...>', 'monthly price per seat type, in minor units (cents)')
    .option('--billing <mode>', `billing mode: ${BILLING_MODES.join(' or ')}`, 'self_serve')
    .option('--currency <ISO4217>', 'currency of the prices', 'USD')
    .option('--owner-email <email>', 'userName of the primary owner')
    .option('--owner-given-name <name>', "primary owner's given name (default: from the email)")
    .option('--owner-family-name <name>', "primary owner's family name (default: from the email)")
    .option('--no-auto-renew', 'do not renew at term end')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      if (!BILLING_MODES.includes(options.billing)) throw new UsageError(`--billing must be one of ${BILLING_MODES.join(', ')}`);
      const created = await withContext((ctx) => createOrganization(ctx, {
        name: options.name,
        plan: options.plan,
        seats: parseCounts(options.seats, '--seats'),
        prices: options.price ? parseCounts(options.price, '--price') : undefined,
        termStart: options.termStart,
        billingMode: options.billing as BillingMode,
        currency: options.currency,
        autoRenew: options.autoRenew,
        ownerEmail: options.ownerEmail,
        ownerGivenName: options.ownerGivenName,
        ownerFamilyName: options.ownerFamilyName,
      }));
      printResult(io, options.json, created, () => [
        `organization ${created.orgId} created`,
        `  primary owner:   ${created.ownerId}`,
        `  SCIM token:      ${created.scimToken}`,
        `  admin token:     ${created.adminToken}`,
        `  JIT hook secret: ${created.jitSecret}`,
        'The secrets are shown only now; they are stored as hashes.',
      ].join('\n'));
    });
  org.command('list')
    .description('list organizations')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const organizations = await withContext((ctx) => listOrganizationSummaries(ctx));
      printResult(io, options.json, { organizations }, () =>
        table(organizations, ['id', 'name', 'plan', 'billingMode', 'termStart', 'termEnd', 'status']));
    });
  org.command('show')
    .description('show an organization with its seats')
    .argument('<orgId>')
    .option('--json', 'print one JSON object')
    .action(async (orgId: string, options) => {
      const shown = await withContext((ctx) => getOrganization(ctx, orgId));
      printResult(io, options.json, shown, () => [
        `${shown.name} (${shown.id})`,
        `  plan ${shown.plan}, ${shown.billingMode}, term ${shown.termStart} → ${shown.termEnd}, ${shown.status}`,
        table(shown.seats.map((s) => ({ ...s, free: s.allocated - s.assigned })), ['seatType', 'allocated', 'assigned', 'free', 'monthlyPriceMinor']),
      ].join('\n'));
    });

  const token = program.command('token').description('SCIM tokens, admin tokens and JIT hook secrets');
  token.command('create')
    .description('issue a new token (shown once)')
    .requiredOption('--org <orgId>', 'organization id')
    .requiredOption('--kind <kind>', `one of ${CREDENTIAL_KINDS.join(', ')}`)
    .option('--member <memberId>', 'admin tokens: the member it acts as (default: the primary owner)')
    .option('--label <label>', 'a note to recognise the token by', '')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      if (!CREDENTIAL_KINDS.includes(options.kind)) throw new UsageError(`--kind must be one of ${CREDENTIAL_KINDS.join(', ')}`);
      const created = await withContext((ctx) => createCredential(ctx, {
        orgId: options.org, kind: options.kind as CredentialKind, memberId: options.member, label: options.label,
      }));
      printResult(io, options.json, { tokenId: created.id, token: created.token, kind: options.kind },
        () => `token ${created.id} (${options.kind}): ${created.token}\nShown only now; it is stored as a hash.`);
    });
  token.command('revoke')
    .description('revoke a token at once')
    .requiredOption('--org <orgId>', 'organization id')
    .argument('<tokenId>')
    .option('--json', 'print one JSON object')
    .action(async (tokenId: string, options) => {
      await withContext((ctx) => revokeCredentialById(ctx, options.org, tokenId));
      printResult(io, options.json, { tokenId, revoked: true }, () => `token ${tokenId} revoked`);
    });
  token.command('list')
    .description('list the tokens of an organization (never the secrets)')
    .requiredOption('--org <orgId>', 'organization id')
    .option('--json', 'print one JSON object')
    .action(async (options) => {
      const tokens = await withContext((ctx) => listCredentialSummaries(ctx, options.org));
      printResult(io, options.json, { tokens }, () =>
        table(tokens, ['id', 'kind', 'prefix', 'label', 'memberId', 'createdAt', 'lastUsedAt', 'revokedAt']));
    });
  registerBillingCommands(program, io, withContext);
  registerSeatCommands(program, io, withContext);
  registerConversionCommands(program, io, withContext);
  return program;
}
