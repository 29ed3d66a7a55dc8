// Bearer credentials: random, shown once, stored only as a SHA-256 hash. The tokens carry 256
// bits of entropy, so a fast hash is enough (no password-style stretching is needed).
import * as crypto from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';

export const CREDENTIAL_KINDS = ['scim', 'admin', 'jit'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

// A recognisable prefix per kind lets secret scanners and admins tell tokens apart.
const PREFIX: Record<CredentialKind, string> = { scim: 'sgscim_', admin: 'sgadm_', jit: 'sgjit_' };

export interface IssuedToken {
  token: string;     // the secret: returned to the caller once, never stored
  hash: string;      // what is stored
  displayPrefix: string; // enough of the token to recognise it in a list
}

export function issueToken(kind: CredentialKind): IssuedToken {
  const token = PREFIX[kind] + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token), displayPrefix: token.slice(0, PREFIX[kind].length + 6) };
}

// Every authenticated request hashes its token: the one-shot crypto.hash (Node ≥ 20.12) skips the
// Hash object createHash makes (decision 0029); the same digest.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function hashToken(token: string): string {
  return oneShotHash ? oneShotHash('sha256', token, 'hex') : createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The kind a token claims by its prefix; authentication still checks the stored kind. */
export function kindOfToken(token: string): CredentialKind | undefined {
  return CREDENTIAL_KINDS.find((kind) => token.startsWith(PREFIX[kind]));
}
