// Structured JSON logs through winston. Nothing here ever receives a token: request logs carry
// the path without its query string, and credentials are referred to by id only.
import type { Writable } from 'node:stream';
import winston from 'winston';

export type Logger = winston.Logger;

/** A JSON logger on stdout, or on `stream` when given (tests read what was logged). */
export function createLogger(level: string, silent = false, stream?: Writable): Logger {
  return winston.createLogger({
    level,
    silent,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { service: 'seatgate' },
    transports: [stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console()],
  });
}
