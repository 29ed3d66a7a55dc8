import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Runs an async route handler, passing failures to the router's error handler. */
export const handle = (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req: Request, res: Response, next: NextFunction) => { fn(req, res).catch(next); };
