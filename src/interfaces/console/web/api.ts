// Every call the console makes goes to the admin API (/admin/v1) or to its session endpoint,
// with the session cookie; writes carry the session's CSRF token (decision 0007).

export interface Quote {
  seatType: string; quantity: number; amountMinor: number; unitPriceMinor?: number; currency: string;
  periodStart: string; periodEnd: string; ruleText?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly quote?: Quote | null,
  ) {
    super(message);
  }
}

let csrfToken = '';
export function setCsrfToken(token: string): void { csrfToken = token; }

/** Fired when the server says the session is over (revoked, expired, signed out elsewhere). */
export const SESSION_ENDED = 'seatgate:session-ended';

export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (method !== 'GET' && method !== 'HEAD') (init.headers as Record<string, string>)['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) {
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'seatgate could not be reached: check your connection and try again');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = undefined;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  if (res.ok) return parsed as T;
  const error = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown>; quote?: Quote | null } } | undefined)?.error;
  const failure = new ApiError(res.status, error?.code ?? 'http_' + res.status,
    error?.message ?? (res.status === 404 ? 'this endpoint is not available on this server' : `the server answered ${res.status}`),
    error?.details, error?.quote);
  if (res.status === 401 && !path.startsWith('/console/api/session')) {
    window.dispatchEvent(new CustomEvent(SESSION_ENDED, { detail: failure.message }));
  }
  throw failure;
}

export const get = <T,>(path: string) => api<T>('GET', `/admin/v1${path}`);
export const post = <T,>(path: string, body?: unknown, headers?: Record<string, string>) => api<T>('POST', `/admin/v1${path}`, body, headers);
export const put = <T,>(path: string, body?: unknown) => api<T>('PUT', `/admin/v1${path}`, body);
export const patch = <T,>(path: string, body?: unknown) => api<T>('PATCH', `/admin/v1${path}`, body);
export const del = <T,>(path: string) => api<T>('DELETE', `/admin/v1${path}`);

export interface Session {
  csrfToken: string; orgId: string; orgName: string; plan: string; billingMode: string;
  memberId: string | null; userName: string | null; role: 'primary_owner' | 'owner' | 'admin' | 'member' | null;
  expiresAt: string; today: string; scimBaseUrl?: string; jitLoginUrl?: string;
}

export const isOwner = (session: Session | null) => session?.role === 'owner' || session?.role === 'primary_owner';

export function money(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** An instant as "2025-03-01 10:30 UTC" (unambiguous in every locale). */
export const dateText = (iso: string | null | undefined) => (iso ? `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '—');
