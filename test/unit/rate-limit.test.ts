// The per-credential fixed window (src/interfaces/http/rate-limit.ts, decision 0029): the same
// counting and headers as express-rate-limit's MemoryStore with draft-7 headers, which it replaced.
import type { Response } from 'express';
import { FixedWindowLimiter } from '../../src/interfaces/http/rate-limit.js';

const response = () => {
  const headers: Record<string, string> = {};
  return { headers, res: { headersSent: false, setHeader: (name: string, value: string) => { headers[name] = value; } } as unknown as Response };
};

describe('FixedWindowLimiter', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('lets `limit` requests through per window, refuses the next, and opens a new window when it ends', () => {
    const limiter = new FixedWindowLimiter(2, 60_000, clock);
    const first = response();
    expect(limiter.hit('a', first.res)).toEqual({ limited: false, resetSeconds: 60 });
    expect(first.headers).toEqual({ 'RateLimit-Policy': '2;w=60', RateLimit: 'limit=2, remaining=1, reset=60' });
    now += 10_500;
    const second = response();
    expect(limiter.hit('a', second.res).limited).toBe(false);
    expect(second.headers.RateLimit).toBe('limit=2, remaining=0, reset=50');
    const third = response();
    expect(limiter.hit('a', third.res)).toEqual({ limited: true, resetSeconds: 50 });
    expect(third.headers.RateLimit).toBe('limit=2, remaining=0, reset=50');
    // Another credential has its own window.
    expect(limiter.hit('b', response().res).limited).toBe(false);
    now += 49_500; // the window of `a` ends
    const fresh = response();
    expect(limiter.hit('a', fresh.res)).toEqual({ limited: false, resetSeconds: 60 });
    expect(fresh.headers.RateLimit).toBe('limit=2, remaining=1, reset=60');
  });

  it('says at least one second when refusing at the very end of a window, and sets no header once the answer has started', () => {
    const limiter = new FixedWindowLimiter(1, 60_000, clock);
    limiter.hit('c', response().res);
    now += 59_999;
    expect(limiter.hit('c', response().res)).toEqual({ limited: true, resetSeconds: 1 });
    const sent = { headersSent: true, setHeader: () => { throw new Error('headers already sent'); } } as unknown as Response;
    now += 1;
    expect(limiter.hit('c', sent).limited).toBe(false);
  });
});
