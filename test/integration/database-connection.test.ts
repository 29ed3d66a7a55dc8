// The connection path of src/storage/database.ts on a real PostgreSQL (decision 0006): libpq
// multi-host URLs, and sessions the server ends while seatgate holds them.
import { connectDedicated, openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { parse } from 'pg-connection-string';
import { freePort } from '../support/postgres.mjs';

const url = () => process.env.SEATGATE_TEST_DATABASE_URL!;
/** The suite's URL with a host that refuses connections in front of the real one (libpq's host list). */
async function withDeadHostFirst(): Promise<string> {
  const config = parse(url());
  const user = encodeURIComponent(config.user ?? '');
  const password = config.password ? `:${encodeURIComponent(config.password)}` : '';
  const hosts = encodeURIComponent(`127.0.0.1,${config.host}`);
  return `postgres://${user}${password}@/${config.database}?host=${hosts}&port=${await freePort()},${config.port ?? 5432}&target_session_attrs=read-write`;
}

describe('database connections', () => {
  let handle: DatabaseHandle | undefined;
  afterEach(async () => { await handle?.close(); handle = undefined; });

  it('skips a host that is down and reaches the next one of a multi-host URL, for the pool and for LISTEN', async () => {
    handle = openDatabase(await withDeadHostFirst(), 2, { failoverWaitMs: 5000 });
    const { rows } = await handle.pool.query<{ transaction_read_only: string }>('show transaction_read_only');
    expect(rows[0]!.transaction_read_only).toBe('off');
    const listener = await connectDedicated(handle.pool);
    await listener.query('listen seatgate_test');
    await listener.end();
  });

  it('gives up after the failover wait when no host answers', async () => {
    handle = openDatabase(`postgres://u:p@127.0.0.1:${await freePort()},127.0.0.1:${await freePort()}/db?target_session_attrs=read-write`, 2, { failoverWaitMs: 600 });
    const started = Date.now();
    await expect(handle.pool.query('select 1')).rejects.toThrow(/ECONNREFUSED|connect/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });

  it('closes its connections when nothing went through Kysely (the start-up lock, LISTEN, a probe)', async () => {
    const own = openDatabase(url(), 2);
    await own.pool.query('select 1');
    expect(own.pool.idleCount).toBe(1);
    await own.close();
    expect({ ended: own.pool.ended, connections: own.pool.totalCount }).toEqual({ ended: true, connections: 0 });
  });

  it('survives the server ending a session that seatgate holds between two queries, and drops that connection', async () => {
    handle = openDatabase(url(), 2);
    const client = await handle.pool.connect();
    const { rows: [me] } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    await handle.pool.query('select pg_terminate_backend($1)', [me!.pid]); // FATAL 57P01 to an idle, checked-out client
    await new Promise((resolve) => setTimeout(resolve, 300)); // an unhandled 'error' event would fail the test here
    await expect(client.query('select 1')).rejects.toThrow();
    client.release();
    const { rows } = await handle.pool.query<{ pid: number }>('select pg_backend_pid() as pid');
    expect(rows[0]!.pid).not.toBe(me!.pid);
  });
});
