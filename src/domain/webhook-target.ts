// Which URLs an organization's alert webhook may point at (decision 0010). Checked twice: when
// an admin saves the URL (a clear 400) and again before every delivery, where the host's
// resolved addresses are checked too (src/services/alerts/webhook-delivery.ts).
import { classifyAddress, cidrContains, isIpLiteral, parseCidr, type AddressKind, type Cidr } from './network-address.js';

/** The operator's allowances (config `alerts.webhook`); the defaults allow public https only. */
export interface WebhookPolicy {
  /** Allow `http://` (default: https only). */
  allowHttp: boolean;
  /** Allow loopback, private, link-local, CGNAT and ULA targets (default: public addresses only). */
  allowPrivateTargets: boolean;
  /** Host names or CIDRs allowed even though non-public (e.g. `hooks.corp.internal`, `10.20.0.0/16`). */
  allowedTargets: string[];
}

export const STRICT_WEBHOOK_POLICY: WebhookPolicy = { allowHttp: false, allowPrivateTargets: false, allowedTargets: [] };

// Never a destination, whatever the operator allows.
const NEVER: ReadonlySet<AddressKind> = new Set(['unspecified', 'multicast', 'reserved', 'invalid']);

// Names that resolve inside the server's own network, by definition: RFC 6761 `localhost`,
// RFC 6762 `.local`, the private-use `.internal` (metadata.google.internal), RFC 8375 `.home.arpa`,
// and the common `.localdomain`/`.lan`. A single-label name resolves through search domains.
const INTERNAL_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'localdomain', 'lan'];

function isInternalName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (!name.includes('.')) return true;
  return INTERNAL_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
}

/** The policy's allow-list, split into host names and address ranges. */
export function allowListOf(policy: WebhookPolicy): { hosts: Set<string>; ranges: Cidr[] } {
  const hosts = new Set<string>();
  const ranges: Cidr[] = [];
  for (const entry of policy.allowedTargets) {
    const cidr = parseCidr(entry);
    if (cidr) ranges.push(cidr);
    else hosts.add(entry.trim().toLowerCase().replace(/\.$/, ''));
  }
  return { hosts, ranges };
}

/** Whether an allow-list entry is well-formed: a CIDR/address, or a host name. */
export function isValidAllowEntry(entry: string): boolean {
  return parseCidr(entry) !== undefined || /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?)+$/i.test(entry.trim());
}

/**
 * Whether the policy lets a delivery to `host` connect to `address` (a resolved or literal IP).
 * Returns the reason it may not, or undefined when it may.
 */
export function addressRefusal(policy: WebhookPolicy, host: string, address: string): string | undefined {
  const { kind } = classifyAddress(address);
  if (kind === 'public') return undefined;
  if (NEVER.has(kind)) return `${kind} address`;
  const allow = allowListOf(policy);
  if (policy.allowPrivateTargets || allow.hosts.has(host.toLowerCase().replace(/\.$/, ''))
    || allow.ranges.some((range) => cidrContains(range, address))) return undefined;
  return `${kind} address`;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * The checks that need no DNS: a parseable http(s) URL, https unless allowed, no credentials in
 * it, and a host that is neither an internal name nor a non-public literal address (decimal, hex
 * and octal IPv4 forms are canonicalized by the URL parser first: `http://2130706433/` is
 * 127.0.0.1). Reasons are written for the admin who saves the URL.
 */
export function checkWebhookUrl(text: string, policy: WebhookPolicy): UrlCheck {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'is not a valid URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'must be an https:// URL' };
  if (url.protocol === 'http:' && !policy.allowHttp) {
    return { ok: false, reason: 'must be an https:// URL (this server does not allow http:// webhooks)' };
  }
  if (url.username || url.password) {
    return { ok: false, reason: 'must not contain a user name or password; put a secret in the path or query instead' };
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIpLiteral(host)) {
    const refusal = addressRefusal(policy, host, host);
    if (refusal) return { ok: false, reason: `must point at a public address, not a ${refusal}` };
    return { ok: true, url };
  }
  const allow = allowListOf(policy);
  if (isInternalName(host) && !policy.allowPrivateTargets && !allow.hosts.has(host.toLowerCase().replace(/\.$/, ''))) {
    return { ok: false, reason: `must point at a public host name, not the internal name "${host}"` };
  }
  return { ok: true, url };
}
