// PostgreSQL connection strings as libpq reads them, for the parts node-postgres lacks: several
// hosts (`postgres://u:p@h1:5432,h2:5433/db`, or `?host=h1,h2&port=5432,5433`) and
// `target_session_attrs`. Each host is then reached through an ordinary single-host URL that
// node-postgres understands (decision 0006).

export interface PostgresTarget { host: string; port: number }

/** libpq's session targets that make sense for a server that writes. */
export type SessionTarget = 'any' | 'read-write';

export interface ParsedConnectionString {
  /** The hosts in the order given; empty when the URL names none (node-postgres's defaults). */
  targets: PostgresTarget[];
  targetSessionAttrs: SessionTarget;
  /** libpq's connect_timeout (per host), in milliseconds; undefined when not given. */
  connectTimeoutMs?: number;
  /** The URL for one host, without the parameters node-postgres does not know. */
  urlFor(target: PostgresTarget): string;
}

const DEFAULT_PORT = 5432;
const SHAPE = /^(postgres(?:ql)?):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i;

export class ConnectionStringError extends Error {}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new ConnectionStringError(`port "${text}" is not a port number`);
  return port;
}

/** One `host[:port]` of the authority; IPv6 addresses in brackets. */
function parseHostPort(item: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(item);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? parsePort(bracketed[2]) : undefined };
  const colon = item.lastIndexOf(':');
  if (colon < 0) return { host: decodeURIComponent(item) };
  return { host: decodeURIComponent(item.slice(0, colon)), port: item.slice(colon + 1) ? parsePort(item.slice(colon + 1)) : undefined };
}

export function parseConnectionString(url: string): ParsedConnectionString {
  const match = SHAPE.exec(url);
  if (!match) throw new ConnectionStringError('must be a postgres:// or postgresql:// URL');
  const [, scheme, authority, path, query] = match as unknown as [string, string, string, string, string | undefined];
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostList = at >= 0 ? authority.slice(at + 1) : authority;
  const params = new URLSearchParams(query ?? '');

  let hosts = hostList === '' ? [] : hostList.split(',').map(parseHostPort);
  if (hosts.some((h) => h.host === '')) throw new ConnectionStringError('an empty host in the host list');
  // libpq: the host and port parameters override the authority's.
  const hostParam = params.get('host');
  if (hostParam) hosts = hostParam.split(',').map((host) => ({ host }));
  const portParam = params.get('port');
  if (portParam) {
    const ports = portParam.split(',').map(parsePort);
    if (ports.length !== 1 && ports.length !== Math.max(hosts.length, 1)) {
      throw new ConnectionStringError(`${ports.length} ports for ${hosts.length} hosts`);
    }
    if (hosts.length === 0) hosts = [{ host: 'localhost' }];
    hosts = hosts.map((h, i) => ({ host: h.host, port: ports.length === 1 ? ports[0] : ports[i] }));
  }
  const attrs = params.get('target_session_attrs') ?? 'any';
  if (attrs !== 'any' && attrs !== 'read-write' && attrs !== 'primary') {
    throw new ConnectionStringError(`target_session_attrs=${attrs} is not supported (any, read-write or primary)`);
  }
  const timeout = params.get('connect_timeout');
  if (timeout !== null && !/^\d+$/.test(timeout)) throw new ConnectionStringError(`connect_timeout=${timeout} is not a number of seconds`);
  // node-postgres would pass unknown parameters on to the server as settings.
  for (const name of ['host', 'port', 'target_session_attrs', 'connect_timeout']) params.delete(name);

  const targets = hosts.map((h) => ({ host: h.host, port: h.port ?? DEFAULT_PORT }));
  return {
    targets,
    // "primary" is "read-write" for us: pg_auto_failover's standbys are read-only, and so is a
    // primary it is demoting.
    targetSessionAttrs: attrs === 'any' ? 'any' : 'read-write',
    // libpq: 0 waits forever; a timeout under 2 s is taken as 2 s.
    connectTimeoutMs: timeout === null || Number(timeout) === 0 ? undefined : Math.max(2, Number(timeout)) * 1000,
    urlFor(target) {
      const single = new URLSearchParams(params);
      single.set('host', target.host);
      single.set('port', String(target.port));
      return `${scheme}://${userinfo}${path.startsWith('/') ? path : `/${path}`}?${single.toString()}`;
    },
  };
}
