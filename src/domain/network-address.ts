// What kind of address an IP is: public (globally routable unicast) or one of the special-purpose
// kinds of the IANA registries (RFC 6890 and successors). The alert webhook (decision 0010)
// connects only to public addresses unless the operator allows more, so that an organization's
// URL cannot reach the server's own network: loopback, the cloud metadata service (link-local),
// private ranges, the database.
//
// Inputs are canonical address strings (what DNS lookups return and what the WHATWG URL parser
// makes of `http://2130706433/`, `http://0x7f000001/` or `http://[::ffff:127.0.0.1]/`): anything
// that is not a valid IPv4 or IPv6 address is `invalid`, never public.
import { isIPv4, isIPv6 } from 'node:net';

export type AddressKind =
  | 'public'
  | 'unspecified' // 0.0.0.0/8, ::
  | 'loopback' // 127/8, ::1
  | 'private' // 10/8, 172.16/12, 192.168/16, fc00::/7 (ULA), fec0::/10, 64:ff9b:1::/48
  | 'link-local' // 169.254/16 (cloud metadata), fe80::/10
  | 'cgnat' // 100.64/10 (shared address space)
  | 'multicast' // 224/4, ff00::/8
  | 'ipv4-mapped' // ::ffff:0:0/96 and ::/96: an IPv4 address in IPv6 clothes, never what DNS gives for a public host
  | 'reserved' // documentation, benchmarking, protocol assignments, 240/4, broadcast, non-2000::/3 IPv6
  | 'invalid';

export interface ClassifiedAddress {
  kind: AddressKind;
  family: 4 | 6 | 0;
  /** For IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4): that address. */
  embedded?: string;
}

type V4Range = [base: number, bits: number, kind: Exclude<AddressKind, 'public' | 'invalid'>];

// Order matters only where ranges nest (none here overlap except 240/4 ⊃ broadcast).
const V4_RANGES: V4Range[] = [
  [v4('0.0.0.0'), 8, 'unspecified'],
  [v4('10.0.0.0'), 8, 'private'],
  [v4('100.64.0.0'), 10, 'cgnat'],
  [v4('127.0.0.0'), 8, 'loopback'],
  [v4('169.254.0.0'), 16, 'link-local'],
  [v4('172.16.0.0'), 12, 'private'],
  [v4('192.0.0.0'), 24, 'reserved'], // IETF protocol assignments
  [v4('192.0.2.0'), 24, 'reserved'], // TEST-NET-1
  [v4('192.88.99.0'), 24, 'reserved'], // 6to4 relay anycast (deprecated)
  [v4('192.168.0.0'), 16, 'private'],
  [v4('198.18.0.0'), 15, 'reserved'], // benchmarking
  [v4('198.51.100.0'), 24, 'reserved'], // TEST-NET-2
  [v4('203.0.113.0'), 24, 'reserved'], // TEST-NET-3
  [v4('224.0.0.0'), 4, 'multicast'],
  [v4('240.0.0.0'), 4, 'reserved'], // future use, and 255.255.255.255
];

function v4(text: string): number {
  return text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function v4InRange(value: number, base: number, bits: number): boolean {
  const size = 2 ** (32 - bits);
  return value >= base && value < base + size;
}

function classifyV4(text: string): ClassifiedAddress {
  const value = v4(text);
  for (const [base, bits, kind] of V4_RANGES) if (v4InRange(value, base, bits)) return { kind, family: 4 };
  return { kind: 'public', family: 4 };
}

/** The 8 groups of an IPv6 address (zone id dropped), or undefined if it is not one. */
export function parseV6(text: string): number[] | undefined {
  const address = text.replace(/%.*$/, '');
  if (!isIPv6(address)) return undefined;
  let head = address;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const value = v4(dotted[1]!);
    tail.push(Math.floor(value / 65536), value % 65536);
    head = address.slice(0, -dotted[1]!.length); // ends with ':' (or '::')
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  let result: number[];
  if (head.includes('::')) {
    const [left, right] = head.split('::') as [string, string];
    const l = groups(left);
    const r = [...groups(right), ...tail];
    result = [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  } else {
    result = [...groups(head), ...tail];
  }
  return result.length === 8 && result.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? result : undefined;
}

const v4Of = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

function classifyV6(g: number[]): ClassifiedAddress {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return { kind: 'unspecified', family: 6 };
  if (zeroUpTo(7) && g[7] === 1) return { kind: 'loopback', family: 6 };
  if (zeroUpTo(5) && g[5] === 0xffff) return { kind: 'ipv4-mapped', family: 6, embedded: v4Of(g[6]!, g[7]!) };
  if (zeroUpTo(6)) return { kind: 'ipv4-mapped', family: 6, embedded: v4Of(g[6]!, g[7]!) }; // IPv4-compatible (deprecated)
  const [a, b, c] = g as [number, number, number];
  // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds: judge that address.
  if (a === 0x64 && b === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return embeddedV4(g[6]!, g[7]!);
  if (a === 0x64 && b === 0xff9b && c === 1) return { kind: 'private', family: 6 }; // local-use NAT64
  if (a === 0x2002) return embeddedV4(b, c); // 6to4 embeds the IPv4 address in groups 2–3
  if (a >= 0xff00) return { kind: 'multicast', family: 6 };
  if ((a & 0xfe00) === 0xfc00) return { kind: 'private', family: 6 }; // unique local
  if ((a & 0xffc0) === 0xfe80) return { kind: 'link-local', family: 6 };
  if ((a & 0xffc0) === 0xfec0) return { kind: 'private', family: 6 }; // site-local (deprecated)
  if ((a & 0xe000) !== 0x2000) return { kind: 'reserved', family: 6 }; // outside global unicast 2000::/3
  if (a === 0x2001 && b < 0x0200) return { kind: 'reserved', family: 6 }; // 2001::/23: Teredo, benchmarking, ORCHID
  if (a === 0x2001 && b === 0x0db8) return { kind: 'reserved', family: 6 }; // documentation
  if (a === 0x3fff && b < 0x1000) return { kind: 'reserved', family: 6 }; // documentation 3fff::/20
  return { kind: 'public', family: 6 };
}

function embeddedV4(hi: number, lo: number): ClassifiedAddress {
  const embedded = v4Of(hi, lo);
  return { ...classifyV4(embedded), family: 6, embedded };
}

/** Classifies a canonical IPv4 or IPv6 address (brackets and a zone id are accepted). */
export function classifyAddress(address: string): ClassifiedAddress {
  const bare = address.replace(/^\[(.*)\]$/, '$1');
  if (isIPv4(bare)) return classifyV4(bare);
  const groups = parseV6(bare);
  return groups ? classifyV6(groups) : { kind: 'invalid', family: 0 };
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address).kind === 'public';
}

/** Whether the text is an IP address literal (with or without IPv6 brackets). */
export function isIpLiteral(text: string): boolean {
  const bare = text.replace(/^\[(.*)\]$/, '$1');
  return isIPv4(bare) || parseV6(bare) !== undefined;
}

export interface Cidr { family: 4 | 6; bits: number; words: number[] }

/** Parses `10.0.0.0/8`, `fd00::/8` or a single address (a /32 or /128); undefined if invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', length, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const words = isIPv4(address) ? [Math.floor(v4(address) / 65536), v4(address) % 65536] : parseV6(address);
  if (!words || address.includes('%')) return undefined;
  const family = words.length === 2 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  const bits = length === undefined ? max : /^\d{1,3}$/.test(length) ? Number(length) : NaN;
  if (!(bits >= 0 && bits <= max)) return undefined;
  return { family, bits, words };
}

/** Whether `address` lies in `cidr` (same family; an IPv4-mapped IPv6 address counts as its IPv4). */
export function cidrContains(cidr: Cidr, address: string): boolean {
  const bare = address.replace(/^\[(.*)\]$/, '$1');
  const classified = classifyAddress(bare);
  const text = cidr.family === 4 && classified.kind === 'ipv4-mapped' && classified.embedded ? classified.embedded : bare;
  const words = isIPv4(text) ? [Math.floor(v4(text) / 65536), v4(text) % 65536] : parseV6(text);
  if (!words || words.length !== cidr.words.length) return false;
  let remaining = cidr.bits;
  for (let i = 0; i < words.length && remaining > 0; i += 1) {
    const take = Math.min(16, remaining);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if ((words[i]! & mask) !== (cidr.words[i]! & mask)) return false;
    remaining -= take;
  }
  return true;
}
