// The per-credential request limit (decisions 0012, 0029): a fixed window per key, counted in this
// process's memory. It behaves as express-rate-limit's MemoryStore did with `standardHeaders:
// 'draft-7'` (a key's window opens at its first request and lasts `windowMs`; the request past the
// limit is refused; `RateLimit-Policy` and `RateLimit` headers on every counted request), but
// synchronously: express-rate-limit made five awaits and a handful of objects per request, on
// every request of every interface, for a counter in a Map.
import type { Response } from 'express';

interface Window { hits: number; resetAt: number }

export interface RateLimitOutcome {
  /** The request is over the limit: refuse it. */
  limited: boolean;
  /** Whole seconds until the key's window ends (at least 1 when limited). */
  resetSeconds: number;
}

export class FixedWindowLimiter {
  // Keys seen in the current and the previous sweep interval: a key idle for two windows is
  // forgotten (its window has ended anyway), so the maps hold only recently active credentials.
  private current = new Map<string, Window>();
  private previous = new Map<string, Window>();
  private readonly policy: string;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly limit: number, private readonly windowMs = 60_000, private readonly now: () => number = Date.now) {
    this.policy = `${limit};w=${Math.ceil(windowMs / 1000)}`;
    this.timer = setInterval(() => { this.previous = this.current; this.current = new Map(); }, windowMs);
    this.timer.unref();
  }

  /** Counts a request of `key`, sets the standard headers on `res`, and says whether to refuse it. */
  hit(key: string, res: Response): RateLimitOutcome {
    const now = this.now();
    let window = this.current.get(key);
    if (window === undefined) {
      window = this.previous.get(key);
      if (window === undefined) window = { hits: 0, resetAt: now + this.windowMs };
      else this.previous.delete(key);
      this.current.set(key, window);
    }
    if (window.resetAt <= now) {
      window.hits = 0;
      window.resetAt = now + this.windowMs;
    }
    window.hits += 1;
    const resetSeconds = Math.max(0, Math.ceil((window.resetAt - now) / 1000));
    if (!res.headersSent) {
      res.setHeader('RateLimit-Policy', this.policy);
      res.setHeader('RateLimit', `limit=${this.limit}, remaining=${Math.max(this.limit - window.hits, 0)}, reset=${resetSeconds}`);
    }
    return { limited: window.hits > this.limit, resetSeconds: Math.max(1, resetSeconds) };
  }
}
