// The CLI run in-process on the test configuration, its output captured (the process tests run
// the built CLI as its own process instead: test/support/process.ts).
import { runCli } from '../../src/interfaces/cli/main.js';
import { testConfig } from './context.js';

export interface CliResult { code: number; stdout: string; stderr: string }

export async function cli(...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (text) => { stdout += text; }, stderr: (text) => { stderr += text; } }, testConfig());
  return { code, stdout, stderr };
}
