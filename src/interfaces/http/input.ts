// The edge of every JSON interface (SCIM, admin API, JIT): one reader of the request's path,
// query string and JSON body. What it lets through is text PostgreSQL can store and JSON our
// code can walk; what it refuses becomes an InputRejected, which each interface's error handler
// answers in its own shape (SCIM error body, admin/JIT `invalid_input`). Limits and why:
// docs/decisions/0011-input-limits.md.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/**
 * Containers (objects and arrays) nested inside one another, the body itself being level 1. A
 * SCIM resource needs 4 (resource → extension → complex attribute → sub-attribute), a Bulk request
 * 4 more; 64 is System.Text.Json's default. Everything past the parser (clone, compare, stringify,
 * the filter compiler) recurses, and overflows the stack between ~1,000 and ~5,000 levels.
 */
export const MAX_JSON_DEPTH = 64;

export class InputRejected extends Error {
  readonly status = 400;
  /** `syntax`: the structure is refused (SCIM invalidSyntax); `value`: a value is (invalidValue). */
  constructor(readonly problem: 'syntax' | 'value', message: string) {
    super(message);
    this.name = 'InputRejected';
  }
}

// PostgreSQL's text and jsonb cannot hold U+0000 (22P05/22021), and jsonb refuses an unpaired
// surrogate escape (22P02): both are refused here instead of failing inside a transaction.
const LONE_SURROGATE = /\p{Cs}/u;

/** Why a string cannot be stored, or undefined. */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'is not valid Unicode (an unpaired surrogate)';
  return undefined;
}

const show = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

/**
 * Checks a parsed JSON value without recursion (it may be nested far deeper than the stack
 * allows): nesting depth, and every string and key.
 */
export function checkJson(value: unknown, where: string): void {
  const stack: [unknown, number, string][] = [[value, 0, where]];
  while (stack.length > 0) {
    const [current, depth, path] = stack.pop()!;
    if (typeof current === 'string') {
      const problem = unstorableText(current);
      if (problem) throw new InputRejected('value', `${path} ${problem}.`);
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > MAX_JSON_DEPTH) {
      throw new InputRejected('syntax', `The JSON ${where} is nested more than ${MAX_JSON_DEPTH} levels deep.`);
    }
    if (Array.isArray(current)) {
      current.forEach((item, i) => stack.push([item, depth + 1, `${path}[${i}]`]));
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      const problem = unstorableText(key);
      if (problem) throw new InputRejected('value', `The key ${show(key)} in ${path} ${problem}.`);
      stack.push([item, depth + 1, `${path}.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`]);
    }
  }
}

/** The path and query string: decodable, and no text PostgreSQL cannot take. */
function checkUrl(req: Request): void {
  const rawPath = req.originalUrl.split('?')[0] ?? '';
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new InputRejected('value', `The URL path ${show(rawPath)} is not valid percent-encoded UTF-8.`);
  }
  const pathProblem = unstorableText(path);
  if (pathProblem) throw new InputRejected('value', `The URL path ${pathProblem}.`);
  for (const [key, value] of Object.entries(req.query)) {
    const keyProblem = unstorableText(key);
    if (keyProblem) throw new InputRejected('value', `A query parameter name ${keyProblem}.`);
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string') continue;
      const problem = unstorableText(item);
      if (problem) throw new InputRejected('value', `The query parameter ${show(key)} ${problem}.`);
    }
  }
}

export interface JsonInputOptions {
  /** Body size limit (body-parser syntax or bytes). */
  limit: string | number;
  /** Which requests carry a JSON body (body-parser's `type` option); default application/json. */
  type?: string | string[] | ((req: Request) => boolean);
}

/**
 * The input reader of an interface: mount it after authentication, in place of express.json.
 * Failures go to the router's error handler (InputRejected, or body-parser's typed errors).
 * One middleware, not three: each router layer is a dispatch on every request, a bodiless GET
 * (an IdP's lookup) included (decision 0039).
 */
export function jsonInput(options: JsonInputOptions): RequestHandler {
  const parse = express.json({
    limit: options.limit,
    ...(options.type ? { type: options.type as never } : {}),
  });
  return (req: Request, res: Response, next: NextFunction) => {
    // The URL first: a refused query string is refused before its body is read.
    try {
      checkUrl(req);
    } catch (error) {
      return next(error);
    }
    parse(req, res, (error?: unknown) => {
      if (error) return next(error);
      try {
        if (req.body !== undefined) checkJson(req.body, 'body');
      } catch (checkError) {
        return next(checkError);
      }
      next();
    });
  };
}
