// CLI output: one JSON object with --json (for scripts), readable lines otherwise.
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export function printResult(io: Io, json: boolean, value: unknown, human: () => string): void {
  io.stdout(json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}

export function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cell = (value: unknown) => (value === null || value === undefined ? '-' : String(value));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(columns), ...rows.map((row) => line(columns.map((column) => cell(row[column]))))].join('\n');
}

/** Parses `a=1,b=2` into { a: 1, b: 2 }; the values must be whole numbers. */
export function parseCounts(text: string, what: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z][a-z0-9_]*)=(\d+)$/.exec(part);
    if (!match) throw new UsageError(`${what}: expected TYPE=NUMBER[,TYPE=NUMBER], got "${part}"`);
    result[match[1]!] = Number(match[2]);
  }
  return result;
}

export class UsageError extends Error {}
