// libpq's connection strings where node-postgres has no parser of its own: several hosts and
// target_session_attrs (decision 0006).
import { parse } from 'pg-connection-string';
import { validateConfig } from '../../src/config.js';
import { parseConnectionString } from '../../src/storage/connection-string.js';

describe('libpq connection strings', () => {
  it('reads the hosts of a multi-host URL in order, with their ports and the session target', () => {
    const parsed = parseConnectionString('postgres://app:s%40cret@db1:6541,db2,[::1]:6543/seatgate?target_session_attrs=read-write&sslmode=disable');
    expect(parsed.targets).toEqual([{ host: 'db1', port: 6541 }, { host: 'db2', port: 5432 }, { host: '::1', port: 6543 }]);
    expect(parsed.targetSessionAttrs).toBe('read-write');
  });

  it('gives node-postgres one URL per host that it reads as libpq would, without the libpq-only parameters', () => {
    const parsed = parseConnectionString('postgresql://app:s%40cret@db1:6541,db2:6542/seatgate?target_session_attrs=read-write&application_name=x&connect_timeout=3');
    const config = parse(parsed.urlFor(parsed.targets[1]!));
    expect(config).toMatchObject({ host: 'db2', port: '6542', user: 'app', password: 's@cret', database: 'seatgate', application_name: 'x' });
    expect(config).not.toHaveProperty('target_session_attrs');
    expect(config).not.toHaveProperty('connect_timeout');
    expect(parsed.connectTimeoutMs).toBe(3000);
  });

  it('takes hosts and ports from the host and port parameters, Unix sockets included', () => {
    const parsed = parseConnectionString('postgres://app@/seatgate?host=/var/run/postgresql,10.0.0.2&port=5433,5434');
    expect(parsed.targets).toEqual([{ host: '/var/run/postgresql', port: 5433 }, { host: '10.0.0.2', port: 5434 }]);
    expect(parse(parsed.urlFor(parsed.targets[0]!))).toMatchObject({ host: '/var/run/postgresql', port: '5433', database: 'seatgate' });
    expect(parseConnectionString('postgres://a,b/db?port=7000').targets).toEqual([{ host: 'a', port: 7000 }, { host: 'b', port: 7000 }]);
  });

  it('treats primary as read-write and defaults to any', () => {
    expect(parseConnectionString('postgres://h/db?target_session_attrs=primary').targetSessionAttrs).toBe('read-write');
    expect(parseConnectionString('postgres://h/db').targetSessionAttrs).toBe('any');
  });

  it.each([
    ['http://h/db', 'must be a postgres:// or postgresql:// URL'],
    ['postgres://h1:5432,h2:port/db', 'port "port" is not a port number'],
    ['postgres://h1,,h2/db', 'an empty host in the host list'],
    ['postgres://h1,h2,h3/db?port=1,2', '2 ports for 3 hosts'],
    ['postgres://h1,h2/db?target_session_attrs=standby', 'target_session_attrs=standby is not supported (any, read-write or primary)'],
    ['postgres://h1/db?connect_timeout=soon', 'connect_timeout=soon is not a number of seconds'],
  ])('refuses %s: %s', (url, message) => {
    expect(() => parseConnectionString(url)).toThrow(message);
  });

  it('is what the configuration accepts as database.url, with the reason when not', () => {
    const base = {
      server: { host: '0.0.0.0', port: 8080, publicUrl: null, trustProxy: false },
      database: { url: null as string | null, poolSize: 10, embedded: { dataDir: './data', port: 54329 } },
      plansFile: null, log: { level: 'info' }, demo: { enabled: true },
    };
    const url = 'postgres://u:p@127.0.0.1:6541,127.0.0.1:6542/seatgate?target_session_attrs=read-write';
    expect(validateConfig({ ...base, database: { ...base.database, url } }).database.url).toBe(url);
    expect(() => validateConfig({ ...base, database: { ...base.database, url: 'postgres://h1,h2:x/db' } }))
      .toThrow('database.url: port "x" is not a port number');
  });
});
