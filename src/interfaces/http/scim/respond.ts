// SCIM responses: media type, ETags, error bodies.
import type { Request, Response } from 'express';
import { errorBody, type ScimError } from '../../../protocol/scim/errors.js';
import type { ScimCaller } from '../../../services/scim/common.js';
import { authFailureHeaders, principalOf, type AuthProblem } from '../auth.js';

/** RFC 7644 §8.1 registers the media type without parameters (JSON is UTF-8 by definition). */
export const SCIM_MEDIA_TYPE = 'application/scim+json';

/**
 * The answer, written as it is: not through Express's res.send, which hashed every body (SHA-1)
 * into an ETag of its own and compared it with If-None-Match on every answer (decision 0023). A
 * SCIM ETag is the resource's version, set by the routes that answer a resource (and their
 * 304s); lists and errors have none.
 */
export function sendScim(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendScimJson(res, status, JSON.stringify(body), headers);
}

/** sendScim of a body already written as JSON text. */
export function sendScimJson(res: Response, status: number, json: string, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(json, 'utf8');
  res.statusCode = status;
  for (const name in headers) res.setHeader(name, headers[name]!);
  res.setHeader('Content-Type', SCIM_MEDIA_TYPE);
  res.setHeader('Content-Length', payload.length);
  res.end(payload); // a HEAD request gets the headers only (node:http)
}

/**
 * A resource whose `related` list is written page by page (chunked), so that a group of 100,000
 * members is never one string in memory. The list goes last, as `groupResource` puts it. A
 * failure after the first byte can only cut the connection; a client that leaves stops the reads.
 */
export async function sendScimInPages(
  res: Response, status: number, rendered: Record<string, unknown>, related: string, pages: AsyncIterable<unknown[]>, headers: Record<string, string> = {},
): Promise<void> {
  await writeInPieces(res, status, headers, (write) => writeResourceInPages(res, write, '', rendered, related, pages));
}

/**
 * A ListResponse (`list`, `Resources` last) whose resources' `related` lists are written page by
 * page, as `sendScimInPages` writes one resource; `resources` (rendered without their related
 * lists) take the place of `list.Resources`. A list page holding a group of 100,000 members is
 * never one string in memory.
 */
export async function sendScimListInPages(
  res: Response, list: Record<string, unknown>, resources: Record<string, unknown>[], related: string,
  pagesOf: (index: number) => AsyncIterable<unknown[]>,
): Promise<void> {
  const [head, tail] = splitAtMark({ ...list, Resources: MARK });
  await writeInPieces(res, 200, {}, async (write) => {
    await write(`${head}[`);
    for (const [index, rendered] of resources.entries()) {
      if (!(await writeResourceInPages(res, write, index === 0 ? '' : ',', rendered, related, pagesOf(index)))) return false;
    }
    await write(`]${tail}`);
    return true;
  });
}

const MARK = '\u0000piece\u0000';
/** The JSON of `value` before and after the one place that holds MARK. */
const splitAtMark = (value: unknown) => JSON.stringify(value).split(JSON.stringify(MARK)) as [string, string];

type Write = (text: string) => Promise<void>;

/** Writes `prefix` and the resource with its related list from `pages`; false when the client left. */
async function writeResourceInPages(
  res: Response, write: Write, prefix: string, rendered: Record<string, unknown>, related: string, pages: AsyncIterable<unknown[]>,
): Promise<boolean> {
  const [head, tail] = splitAtMark({ ...rendered, [related]: MARK });
  await write(`${prefix}${head}[`);
  let first = true;
  for await (const page of pages) {
    if (res.destroyed) return false;
    if (page.length === 0) continue;
    await write((first ? '' : ',') + page.map((element) => JSON.stringify(element)).join(','));
    first = false;
  }
  await write(`]${tail}`);
  return true;
}

/** Status and headers, then `body` writes pieces (each waits for the socket to drain), then the end. */
async function writeInPieces(res: Response, status: number, headers: Record<string, string>, body: (write: Write) => Promise<boolean>): Promise<void> {
  res.status(status);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', SCIM_MEDIA_TYPE);
  let written = false;
  const write: Write = async (text) => {
    written = true;
    if (res.write(text)) return;
    await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve); });
  };
  try {
    if (await body(write)) res.end();
  } catch (error) {
    if (!written) throw error;
    res.destroy(error as Error);
  }
}

export function sendScimError(res: Response, error: ScimError): void {
  sendScim(res, error.status, errorBody(error.status, error.message, error.scimType), error.headers);
}

/** The organization and actor behind the request's SCIM token. */
export function callerOf(res: Response): ScimCaller {
  const principal = principalOf(res);
  return { orgId: principal.orgId, actor: { type: 'scim', credentialId: principal.credentialId } };
}

export function scimUnauthorized(_req: Request, res: Response, problem?: AuthProblem): void {
  authFailureHeaders(res, 'seatgate-scim', problem);
  if (problem?.status === 400) return sendScim(res, 400, errorBody(400, `${problem.message}.`, 'invalidSyntax'));
  if (problem) return sendScim(res, problem.status, errorBody(problem.status, problem.message));
  sendScim(res, 401, errorBody(401, 'A valid SCIM bearer token of the organization is required (Authorization: Bearer …).'));
}

/**
 * The base URL of this SCIM service as clients reach it, for Location, meta.location and $ref:
 * `publicUrl` when configured. Otherwise a client's Host header is not trusted (a request with
 * `Host: evil.example` would otherwise write that host into the answer, and into anything that
 * caches or follows it): the host comes from the proxy's headers only when `trustProxy` says a
 * proxy is in front, and else from the address this connection reached the server on.
 */
export function scimBaseUrl(req: Request, publicUrl: string | null): string {
  return `${publicUrl?.replace(/\/+$/, '') ?? requestOrigin(req)}/scim/v2`;
}

function requestOrigin(req: Request): string {
  if (req.app.get('trust proxy')) return `${req.protocol}://${req.host}`;
  const address = (req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.)/, '');
  const host = address.includes(':') ? `[${address}]` : address;
  return `${req.protocol}://${host}:${req.socket.localPort ?? 80}`;
}
