// SCIM responses: media type, ETags, error bodies.
import type { Request, Response } from 'express';
import { errorBody, type ScimError } from '../../../protocol/scim/errors.js';
import type { ScimCaller } from '../../../services/scim/common.js';
import { bearerChallenge, principalOf, type AuthProblem } from '../auth.js';

/** RFC 7644 §8.1 registers the media type without parameters (JSON is UTF-8 by definition). */
export const SCIM_MEDIA_TYPE = 'application/scim+json';

export function sendScim(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.status(status);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', SCIM_MEDIA_TYPE);
  // A Buffer, not a string: Express appends "; charset=utf-8" to the type of string bodies.
  res.send(Buffer.from(JSON.stringify(body), 'utf8'));
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
  res.setHeader('WWW-Authenticate', bearerChallenge('seatgate-scim', problem));
  if (problem) return sendScim(res, problem.status, errorBody(problem.status, `${problem.message}.`, 'invalidSyntax'));
  sendScim(res, 401, errorBody(401, 'A valid SCIM bearer token of the organization is required (Authorization: Bearer …).'));
}

/** The base URL of this SCIM service as clients reach it (publicUrl when configured). */
export function scimBaseUrl(req: Request, publicUrl: string | null): string {
  const origin = publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return `${origin}/scim/v2`;
}
