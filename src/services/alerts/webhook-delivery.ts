// One webhook POST under the SSRF policy (decision 0010). The URL is checked again (it may have
// been saved before the policy, or under a laxer one); the host is resolved by our own `lookup`,
// which refuses the connection when any resolved address is not allowed and otherwise hands the
// socket exactly the addresses it checked — so a DNS answer that changes between check and
// connect (rebinding) cannot slip through. The Host header and TLS SNI stay the URL's host name.
// Redirects are never followed (a 3xx is a failure), the whole exchange has one deadline, and
// the response body is never read (headers are bounded by Node's parser, 16 KiB).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressRefusal, checkWebhookUrl, type WebhookPolicy } from '../../domain/webhook-target.js';

export type WebhookOutcome =
  | { outcome: 'delivered'; status: number }
  /** Refused by the policy: nothing was sent. */
  | { outcome: 'refused'; reason: string }
  | { outcome: 'failed'; reason: string; status?: number };

export interface DeliveryOptions {
  policy: WebhookPolicy;
  timeoutMs: number;
  /** DNS resolution (tests inject answers to play a rebinding attack); defaults to the system's. */
  resolve?: (host: string) => Promise<LookupAddress[]>;
}

const REFUSED = 'SEATGATE_WEBHOOK_REFUSED';

const systemResolve = (host: string) => new Promise<LookupAddress[]>((resolve, reject) => {
  dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
});

/** A `lookup` for the socket that only ever yields addresses the policy allows for `host`. */
function guardedLookup(host: string, options: DeliveryOptions): LookupFunction {
  const resolve = options.resolve ?? systemResolve;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then((all) => {
      const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
      const addresses = all.filter((a) => family === 0 || a.family === family);
      // Every address must pass, not just the first: the socket may try them all.
      const bad = addresses.map((a) => addressRefusal(options.policy, host, a.address)).find(Boolean);
      if (addresses.length === 0 || bad) {
        // The admin learns that the name does not lead to a public address, not which internal
        // address it led to, nor whether it exists at all (no internal DNS oracle).
        const error = Object.assign(new Error('the host does not resolve to a public address'), { code: REFUSED });
        callback(error, '', 0);
        return;
      }
      if (lookupOptions.all) callback(null, addresses as never, 0);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    }, (error: NodeJS.ErrnoException) => {
      const refused = Object.assign(new Error('the host does not resolve to a public address'), { code: REFUSED, cause: error.code });
      callback(refused, '', 0);
    });
  };
}

export async function deliverWebhook(urlText: string, payload: unknown, options: DeliveryOptions): Promise<WebhookOutcome> {
  const checked = checkWebhookUrl(urlText, options.policy);
  if (!checked.ok) return { outcome: 'refused', reason: `the URL ${checked.reason}` };
  const url = checked.url;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const body = Buffer.from(JSON.stringify(payload));
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<WebhookOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: WebhookOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.destroy();
      resolve(outcome);
    };
    const request = transport.request({
      method: 'POST',
      hostname: host, // literal addresses were checked above and skip `lookup`
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      headers: { 'content-type': 'application/json', 'content-length': body.length, 'user-agent': 'seatgate' },
      lookup: guardedLookup(host, options),
      agent: false, // no pooled sockets: each delivery resolves and checks afresh
      maxHeaderSize: 16 * 1024,
    }, (response) => {
      const status = response.statusCode ?? 0;
      response.destroy(); // the body is never read
      if (status >= 200 && status < 300) finish({ outcome: 'delivered', status });
      else if (status >= 300 && status < 400) finish({ outcome: 'failed', status, reason: `the webhook answered ${status}; redirects are not followed` });
      else finish({ outcome: 'failed', status, reason: `the webhook answered ${status}` });
    });
    const deadline = setTimeout(() => finish({ outcome: 'failed', reason: `no answer within ${options.timeoutMs} ms (timeout)` }), options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === REFUSED) finish({ outcome: 'refused', reason: error.message });
      else finish({ outcome: 'failed', reason: failureReason(error.code) });
    });
    request.end(body);
  });
}

/**
 * A connection failure in words an admin can act on, with the error code. Never the error's
 * message, which may name internal addresses.
 */
export function failureReason(code: string | undefined): string {
  if (!code) return 'could not deliver: the connection failed';
  if (/^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/.test(code)) {
    return `could not deliver: TLS failed, the webhook's certificate was not accepted (${code})`;
  }
  if (code === 'ECONNREFUSED') return 'could not deliver: the connection was refused (ECONNREFUSED)';
  if (code === 'ECONNRESET' || code === 'EPIPE') return `could not deliver: the connection was closed before an answer (${code})`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT') return `could not deliver: the host could not be reached (${code})`;
  if (code.startsWith('HPE_')) return `could not deliver: the answer was not valid HTTP (${code})`;
  return `could not deliver (${code})`;
}
