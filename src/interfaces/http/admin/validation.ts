// Request validation for the admin API: zod schemas, failures as one `invalid_input` error
// (400) whose message names every problem and whose details list them by path.
import type { z } from 'zod';
import { invalidInput } from '../../../domain/errors.js';

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query'): z.output<S> {
  const parsed = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || where,
    message: issue.message,
  }));
  const missingBody = where === 'body' && (value === undefined || value === null);
  const message = missingBody ? 'send a JSON body (Content-Type: application/json)'
    : `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
  throw invalidInput(message, { issues });
}
