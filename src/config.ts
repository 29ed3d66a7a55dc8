// Configuration: node-config files in config/ (default.json, <NODE_ENV>.json, environment
// variables mapped in custom-environment-variables.json), validated here with clear messages.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PlanCatalog } from './domain/plans.js';
import { isValidAllowEntry } from './domain/webhook-target.js';
import { parseConnectionString } from './storage/connection-string.js';

/** The package root, whether running from src/ (tests) or dist/src/ (built). */
export const PACKAGE_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsPackageJson(dir)) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the seatgate package root');
    dir = parent;
  }
  return dir;
})();

function existsPackageJson(dir: string): boolean {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name === 'seatgate';
  } catch {
    return false;
  }
}

// libpq's form, several hosts and target_session_attrs included (decision 0006).
const postgresUrl = z.string().superRefine((value, ctx) => {
  try {
    parseConnectionString(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

const httpUrl = z.string().refine((value) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL');

/** true, false or "auto"; the environment variable is text ("true", "false", "auto", "1", "0"). */
const demoSetting = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  return ['true', '1', 'yes'].includes(text) ? true : ['false', '0', 'no'].includes(text) ? false : text;
}, z.union([z.boolean(), z.literal('auto')], { error: 'must be true, false or "auto"' }));

const configSchema = z.object({
  server: z.object({
    host: z.string().min(1),
    port: z.number({ error: 'must be a whole number from 0 to 65535' }).int().min(0).max(65535),
    publicUrl: httpUrl.nullable(),
    trustProxy: z.boolean(),
    /** On SIGTERM: seconds that requests in flight may take before every connection is closed. */
    shutdownDrainSeconds: z.number().min(0).max(3600).default(10),
  }),
  database: z.object({
    url: postgresUrl.nullable(),
    poolSize: z.number().int().min(1).max(200),
    /** Named prepared statements for the hot reads (decision 0016); false behind pgbouncer < 1.21 in transaction mode. */
    preparedStatements: z.boolean().default(true),
    embedded: z.object({
      dataDir: z.string().min(1),
      /** 0 = a free loopback port chosen at start (recorded in the data directory). */
      port: z.number({ error: 'must be a whole number from 0 to 65535' }).int().min(0).max(65535),
    }),
  }),
  plansFile: z.string().min(1).nullable(),
  log: z.object({
    level: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']),
  }),
  /**
   * The demo organization on an empty database: true, false, or "auto" (the default): only when
   * stdout is a terminal and NODE_ENV is not "production" — the quick start in a terminal prints
   * its tokens; a server under Docker or systemd, whose stdout is the log, never does.
   */
  demo: z.object({ enabled: demoSetting }),
  /**
   * Requests per minute per token, counted per process (see docs/security.md). SCIM's is generous
   * enough for an initial sync of 100,000 users.
   */
  scim: z.object({ rateLimitPerMinute: z.number().int().min(1) }).default({ rateLimitPerMinute: 6000 }),
  admin: z.object({ rateLimitPerMinute: z.number().int().min(1) }).default({ rateLimitPerMinute: 600 }),
  jit: z.object({ rateLimitPerMinute: z.number().int().min(1) }).default({ rateLimitPerMinute: 6000 }),
  // Seconds between the server's renewal checks (0 = never; renew with the CLI instead).
  billing: z.object({ renewalCheckSeconds: z.number().int().min(0).max(86_400) }).default({ renewalCheckSeconds: 300 }),
  // The organizations' alert webhooks (decision 0010): public https targets only, unless allowed.
  alerts: z.object({
    webhook: z.object({
      allowHttp: z.boolean().default(false),
      allowPrivateTargets: z.boolean().default(false),
      allowedTargets: z.array(z.string().refine(isValidAllowEntry, 'must be a host name, an IP address or a CIDR such as 10.0.0.0/8'))
        .default([]),
      timeoutMs: z.number().int().min(100).max(60_000).default(5000),
    }).default({ allowHttp: false, allowPrivateTargets: false, allowedTargets: [], timeoutMs: 5000 }),
  }).default({ webhook: { allowHttp: false, allowPrivateTargets: false, allowedTargets: [], timeoutMs: 5000 } }),
  metrics: z.object({
    // Per-organization seat gauges on /metrics (which is unauthenticated): off unless asked for.
    seatsByOrganization: z.boolean().default(false),
  }).default({ seatsByOrganization: false }),
});

export type RawConfig = z.infer<typeof configSchema>;
export type Config = RawConfig & { plans: PlanCatalog };

/** Validates a configuration object and loads the plan catalog it names. */
export function validateConfig(raw: unknown): Config {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`invalid configuration (config/ files and environment overrides):\n${lines.join('\n')}`);
  }
  const plansFile = parsed.data.plansFile ?? path.join(PACKAGE_ROOT, 'schemas', 'plans.json');
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(plansFile, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the plan catalog ${plansFile}: ${(error as Error).message}`);
  }
  return { ...parsed.data, plans: PlanCatalog.parse(document) };
}

/** Reads config/ through node-config (with environment overrides) and validates it. */
export async function loadConfig(): Promise<Config> {
  // node-config resolves its folder from the working directory; point it at our own so that
  // `npx seatgate` works from anywhere. An explicit NODE_CONFIG_DIR still wins.
  process.env.NODE_CONFIG_DIR ??= path.join(PACKAGE_ROOT, 'config');
  process.env.SUPPRESS_NO_CONFIG_WARNING ??= 'true';
  // NODE_ENV=production without a production.json is the normal deployment, not a mistake.
  process.env.SUPPRESS_STRICTNESS_CHECK ??= 'true';
  const { default: nodeConfig } = await import('config');
  return validateConfig(nodeConfig.util.toObject());
}
