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

/** `terminal`: run under util-linux `script`, so that the server's stdout is a pseudo-terminal. */
export function startServerProcess(env: Record<string, string | undefined>, port: number, options: { terminal?: boolean } = {}): ServerProcess {
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, NODE_ENV: 'production', ...env, PORT: String(port), HOST: '127.0.0.1' })) {
    if (value !== undefined) childEnv[key] = value;
  }
  const main = path.resolve('dist/src/main.js');
  const child = options.terminal
    ? spawn('script', ['-qfec', `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(main)}`, '/dev/null'], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [main], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => { output += String(chunk); });
  child.stderr?.on('data', (chunk) => { output += String(chunk); });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child, port,
    output: () => output,
    exited: () => exit,
    async ready(timeoutMs = 30_000) {
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
