import { pingDatabase } from '../storage/database.js';
import type { ServiceContext } from './context.js';

/** Whether the database answers (the readiness probe). */
export async function databaseReachable(ctx: ServiceContext, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
  try {
    return await Promise.race([pingDatabase(ctx.db).then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a failure means "the database is out of reach for now" (answered 503, retried). */
export { isDatabaseUnavailable } from '../storage/errors.js';
