#!/usr/bin/env node
// `npm run cli -- <command>` / `npx seatgate <command>`.
import { CommanderError } from 'commander';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../config.js';
import { DomainError } from '../../domain/errors.js';
import { createLogger } from '../../observability/logger.js';
import { connectDatabase } from '../../server.js';
import { buildProgram } from './commands.js';
import { UsageError, type Io } from './format.js';

/** Runs one CLI invocation; returns the exit code. `config` may be given (tests). */
export async function runCli(argv: string[], io: Io, config?: Config): Promise<number> {
  let connection: Awaited<ReturnType<typeof connectDatabase>> | undefined;
  const json = argv.includes('--json');
  const program = buildProgram(io, async (fn) => {
    const resolved = config ?? (await loadConfig());
    connection ??= await connectDatabase(resolved, createLogger('warn'));
    return fn({ db: connection.handle.db, plans: resolved.plans, now: () => new Date() });
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander already printed it
    const known = error instanceof DomainError || error instanceof UsageError;
    const message = known ? (error as Error).message : `unexpected failure: ${String((error as Error)?.message ?? error)}`;
    const code = error instanceof DomainError ? error.code : error instanceof UsageError ? 'usage' : 'internal';
    io.stderr(json ? `${JSON.stringify({ error: { code, message } })}\n` : `seatgate: ${message}\n`);
    return known ? 1 : 2;
  } finally {
    await connection?.close();
  }
}

const invokedDirectly = process.argv[1] !== undefined
  && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  const io: Io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
  const code = await runCli(process.argv.slice(2), io);
  // Exit explicitly with the code, once stdout is flushed: nothing registered on exit or
  // beforeExit (as async-exit-hook did, exiting 0) may change what a script sees.
  process.exitCode = code;
  process.stdout.write('', () => process.exit(code));
}
