// `npm start`: run the server until SIGINT/SIGTERM/SIGHUP.
//
// Exit codes: 0 after a clean stop, 1 when the server cannot start (one line on stderr saying
// what to do), 2 for a bad configuration or an unexpected failure.
// First: the V8 heap settings, before any other module runs (decision 0024).
import './heap.js';
import { loadConfig } from './config.js';
import { createLogger } from './observability/logger.js';
import { startServer } from './server.js';

const started = Date.now();
/** A start-up failure is one line for the operator, never a stack trace. */
const fail = (message: string, code: number): never => {
  process.stderr.write(`seatgate: ${message.replace(/\s*\n\s*/g, '; ').trim()}\n`);
  process.exit(code);
};
const unexpected = (error: unknown) => fail(`unexpected failure: ${String((error as Error)?.message ?? error)}`, 2);
process.on('uncaughtException', unexpected);
process.on('unhandledRejection', unexpected);

const config = await loadConfig().catch((error: Error) => fail(error.message, 2));
const logger = createLogger(config.log.level);

const running = await startServer(config, logger).catch((error: Error) => fail(`cannot start: ${String(error?.message ?? error)}`, 1));
// From here on a failure is logged like any other event.
process.off('uncaughtException', unexpected);
process.off('unhandledRejection', unexpected);
logger.info('seatgate ready', { url: running.url, startupMs: Date.now() - started });
if (running.demo) {
  // Shown once, on stdout, never logged: the tokens are stored only as hashes.
  process.stdout.write([
    '',
    'A demo organization was created (first start on an empty database).',
    ...(running.consoleSignInUrl ? [
      'Open the console: this link signs you in as its owner, once, within 15 minutes:',
      `  ${running.consoleSignInUrl}`,
      `Later: ${running.url}/console, signed in with the admin token below.`,
    ] : []),
    `  SCIM base URL:   ${running.url}/scim/v2`,
    `  SCIM token:      ${running.demo.scimToken}`,
    `  Admin token:     ${running.demo.adminToken}`,
    `  JIT hook secret: ${running.demo.jitSecret}`,
    'These secrets are shown only now. Try:',
    `  curl -H "Authorization: Bearer ${running.demo.adminToken}" ${running.url}/admin/v1/organization`,
    '',
  ].join('\n') + '\n');
}

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info('shutting down', { signal });
  // A backstop: the drain is bounded and so is the bundled PostgreSQL's stop, but nothing may
  // keep a stopping process alive.
  setTimeout(() => {
    logger.error('shutdown did not finish in time; exiting');
    process.exit(1);
  }, config.server.shutdownDrainSeconds * 1000 + 30_000).unref();
  running.stop().then(() => process.exit(0), (error) => {
    logger.error('shutdown failed', { error: String(error) });
    process.exit(1);
  });
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
