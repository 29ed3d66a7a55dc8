// Real seatgate processes (the built dist/), for start-up, crash and concurrency tests.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  output(): string;
  ready(timeoutMs?: number): Promise<void>;
  exited(): Promise<number | null>;
}

/**
 * `where`: another copy of seatgate to run (its folder: dist/src/main.js inside, the working directory).
 * `terminal`: run under util-linux `script`, so that the server's stdout is a pseudo-terminal.
 */
export function startServerProcess(
  env: Record<string, string | undefined>, port: number, options: { where?: string; terminal?: boolean } = {},
): ServerProcess {
  // No renewal check unless a test asks: the suite shares one database, and a server's check would
  // renew the terms that other test files set in the past on purpose (with their own fake clock).
  const childEnv = environment({ NODE_ENV: 'production', SEATGATE_RENEWAL_CHECK_SECONDS: '0', ...env, PORT: String(port), HOST: '127.0.0.1' });
  const main = path.resolve(options.where ?? '.', 'dist/src/main.js');
  const child = options.terminal
    ? spawn('script', ['-qfec', `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(main)}`, '/dev/null'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], cwd: options.where })
    : spawn(process.execPath, [main], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], cwd: options.where });
  let output = '';
  child.stdout?.on('data', (chunk) => { output += String(chunk); });
  child.stderr?.on('data', (chunk) => { output += String(chunk); });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child, port,
    output: () => output,
    exited: () => exit,
    async ready(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
        try {
          const res = await fetch(`http://127.0.0.1:${port}/readyz`);
          if (res.status === 200) return;
        } catch { /* not listening yet */ }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`server not ready after ${timeoutMs} ms:\n${output}`);
    },
  };
}

export function printedSecret(output: string, label: string): string {
  const match = new RegExp(`${label}:\\s+(\\S+)`).exec(output);
  if (!match?.[1]) throw new Error(`no "${label}" in the output:\n${output}`);
  return match[1];
}

function environment(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env })) {
    if (value !== undefined) result[key] = value;
  }
  return result;
}

export interface CliRun { code: number | null; stdout: string; stderr: string }

/** Runs the built CLI (dist/) as its own process, the way an operator or a cron job does. */
export function runCliProcess(args: string[], env: Record<string, string | undefined>): Promise<CliRun> {
  const child = spawn(process.execPath, [path.resolve('dist/src/interfaces/cli/main.js'), ...args], {
    env: environment({ NODE_ENV: 'production', ...env }), stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += String(chunk); });
  child.stderr.on('data', (chunk) => { stderr += String(chunk); });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
