// Issue 13.5: PostgreSQL failover under load. Two real seatgate processes on a pg_auto_failover
// formation (test/ha/cluster.sh: a monitor, a primary, a synchronous secondary), reached through
// a libpq multi-host URL with target_session_attrs=read-write. While an IdP syncs users and
// admins change seats and buy seats, the primary node is killed (kill -9 of its keeper, postgres
// and backends); the secondary is promoted. seatgate must serve again within seconds, nothing
// acknowledged may be lost, nothing duplicated, assigned ≤ allocated must hold and both
// processes' credential listeners must be listening on the new primary.
//
// Runs when SEATGATE_HA_URL names the formation's database (.ci/run starts the formation and
// sets it); skipped otherwise.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { createOrganization, type CreatedOrganization } from '../../src/services/organizations.js';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { parseConnectionString } from '../../src/storage/connection-string.js';
import { testConfig } from '../support/context.js';
import { freePort } from '../support/postgres.mjs';
import { startServerProcess, type ServerProcess } from '../support/process.js';

const HA_URL = process.env.SEATGATE_HA_URL;
const run = promisify(execFile);
const cluster = (...args: string[]) => run('bash', ['test/ha/cluster.sh', ...args]).then((out) => out.stdout.trim());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The formation's URL with another database. */
function withDatabase(url: string, name: string): string {
  return url.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
}

interface Outcome { status: number; body: unknown; at: number; sentAt: number }

/** One HTTP request; a network failure is status 0 (the server process itself never stops). */
async function call(url: string, init: RequestInit): Promise<Outcome> {
  const sentAt = Date.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    let body: unknown = text;
    try { body = text ? JSON.parse(text) : undefined; } catch { /* not JSON: kept as text */ }
    return { status: res.status, body, at: Date.now(), sentAt };
  } catch {
    return { status: 0, body: undefined, at: Date.now(), sentAt };
  }
}

const describeHa = HA_URL ? describe : describe.skip;


// More standard seats than the sync can create while the test runs (a one-statement create
// makes about 400 in the window on CI), so that a refused create is a defect, not a full organization.
const STANDARD_SEATS = 5_000;
describeHa('PostgreSQL failover (pg_auto_failover) under a SCIM sync and seat changes', () => {
  let dbName: string;
  let url: string;
  let handle: DatabaseHandle;
  let org: CreatedOrganization;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    await cluster('healthy');
    dbName = `seatgate_ha_${Date.now()}`;
    const admin = new pg.Client({ connectionString: parseConnectionString(HA_URL!).urlFor({ host: '127.0.0.1', port: Number(await cluster('primary-port')) }) });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    url = withDatabase(HA_URL!, dbName);
    const env = { DATABASE_URL: url, SEATGATE_DEMO: 'false', LOG_LEVEL: 'info' };
    servers.push(startServerProcess(env, await freePort()), startServerProcess(env, await freePort()));
    await Promise.all(servers.map((server) => server.ready()));
    handle = openDatabase(url, 4);
    org = await createOrganization({ db: handle.db, plans: testConfig().plans, now: () => new Date() }, {
      name: 'failover', plan: 'team', seats: { premium: 6, standard: STANDARD_SEATS }, prices: { premium: 3000, standard: 2500 },
      ownerEmail: 'owner@failover.test',
    });
  }, 120_000);

  afterAll(async () => {
    for (const server of servers) server.child.kill('SIGTERM');
    await Promise.all(servers.map((server) => server.exited()));
    await handle?.close();
  });

  it('promotes the secondary; seatgate serves again within seconds and loses nothing acknowledged', async () => {
    let next = 0;
    const base = () => `http://127.0.0.1:${servers[next++ % servers.length]!.port}`;
    const scim = { Authorization: `Bearer ${org.scimToken}`, 'Content-Type': 'application/scim+json' };
    const adminHeaders = { Authorization: `Bearer ${org.adminToken}`, 'Content-Type': 'application/json' };
    const failures: Outcome[] = [];
    const successes: { kind: string; at: number; sentAt: number }[] = [];
    let stop = false;

    /**
     * As an IdP or an admin's script would: the same request again until it gets an answer. An
     * answer not in `answers` (a 4xx) or a minute without one fails the test.
     */
    async function untilAnswered(kind: string, send: () => Promise<Outcome>, answers: number[]): Promise<Outcome> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const outcome = await send();
        if (answers.includes(outcome.status)) {
          successes.push({ kind, at: outcome.at, sentAt: outcome.sentAt });
          return outcome;
        }
        if (outcome.status >= 400 && outcome.status < 500) throw new Error(`${kind}: ${outcome.status} ${JSON.stringify(outcome.body)}`);
        if (Date.now() > deadline) throw new Error(`${kind}: no answer for a minute, last ${outcome.status} ${JSON.stringify(outcome.body)}`);
        failures.push(outcome);
        await sleep(100);
      }
    }
    const until = async (what: string, done: () => boolean | Promise<boolean>, ms = 60_000) => {
      const deadline = Date.now() + ms;
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await sleep(100);
      }
    };

    // Members whose seats the admins change, created before the load.
    const seatMembers: string[] = [];
    for (let i = 0; i < 9; i++) {
      const created = await untilAnswered('create', () => call(`${base()}/scim/v2/Users`, {
        method: 'POST', headers: scim,
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `seat${i}@failover.test` }),
      }), [201]);
      seatMembers.push((created.body as { id: string }).id);
    }

    // The IdP's sync: creates, 3 at a time. 201, or 409 for a retry of a create that had
    // committed without its answer reaching the IdP.
    const acknowledgedUsers = new Set<string>();
    const conflictsOnFirstTry: string[] = [];
    let userSeq = 0;
    const sync = async () => {
      while (!stop) {
        const userName = `sync${userSeq++}@failover.test`;
        const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName });
        let attempts = 0;
        const outcome = await untilAnswered('create', () => {
          attempts += 1;
          return call(`${base()}/scim/v2/Users`, { method: 'POST', headers: scim, body });
        }, [201, 409]);
        if (outcome.status === 409 && attempts === 1) conflictsOnFirstTry.push(userName);
        acknowledgedUsers.add(userName);
      }
    };

    // Admins moving seats: each worker owns three members, so each member's last answer is its state.
    const expectedSeat = new Map<string, string>();
    const seatChanges = async (members: string[]) => {
      const types = ['premium', 'standard', 'unassigned'];
      for (let round = 0; !stop; round++) {
        const id = members[round % members.length]!;
        const seatType = types[Math.floor(Math.random() * types.length)]!;
        const outcome = await untilAnswered('seat', () => call(`${base()}/admin/v1/members/${id}/seat`, {
          method: 'PUT', headers: adminHeaders, body: JSON.stringify({ seatType }),
        }), [200, 409]);
        if (outcome.status === 200) expectedSeat.set(id, seatType); // 409: premium full, nothing changed
      }
    };

    // Owners buying a standard seat now and then, each purchase under its own idempotency key.
    const invoices = new Map<string, string>();
    const purchases = async () => {
      for (let n = 0; !stop; n++) {
        const key = `failover-${n}`;
        const outcome = await untilAnswered('purchase', () => call(`${base()}/admin/v1/seats/purchases`, {
          method: 'POST', headers: { ...adminHeaders, 'Idempotency-Key': key }, body: JSON.stringify({ seatType: 'standard', quantity: 1 }),
        }), [200, 201]);
        invoices.set(key, (outcome.body as { invoice: { id: string } }).invoice.id);
        await sleep(300);
      }
    };

    const workers = [
      sync(), sync(), sync(),
      seatChanges(seatMembers.slice(0, 3)), seatChanges(seatMembers.slice(3, 6)), seatChanges(seatMembers.slice(6, 9)),
      purchases(),
    ];
    // The first failing worker stops the others.
    const load = Promise.all(workers.map((worker) => worker.catch((error: unknown) => { stop = true; throw error; })));
    load.catch(() => {});
    await sleep(3000);
    const before = { users: acknowledgedUsers.size, invoices: invoices.size };

    // The primary node crashes.
    const primaryPort = Number(await cluster('primary-port'));
    const killedNode = String(primaryPort - Number(process.env.SEATGATE_HA_PORT ?? 6540));
    const killStarted = Date.now();
    await cluster('kill', killedNode);
    const killedAt = Date.now(); // every process of the node is gone by now

    // Both processes ready again, and load answered after the kill.
    const diagnose = async (error: unknown) => {
      for (const server of servers) {
        const metrics = await call(`http://127.0.0.1:${server.port}/metrics`, {});
        const pool = String(metrics.body).split('\n').filter((line) => line.startsWith('seatgate_db_pool')).join('; ');
        process.stdout.write(`server ${server.port}: ${pool}\n${server.output().split('\n').slice(-25).join('\n')}\n`);
      }
      process.stdout.write(`${await cluster('state')}\nfailures: ${failures.length}, last ${JSON.stringify(failures.slice(-3))}\n`);
      throw error;
    };
    const readyAgain = await Promise.all(servers.map(async (server) => {
      let at = 0;
      await until('/readyz after the kill', async () => {
        const res = await call(`http://127.0.0.1:${server.port}/readyz`, {});
        at = res.at - killedAt;
        return res.status === 200 && res.sentAt > killedAt;
      });
      return at;
    })).catch(diagnose);
    await until('answers of every kind after the kill', () => stop
      || ['create', 'seat', 'purchase'].every((kind) => successes.some((s) => s.kind === kind && s.sentAt > killedAt)));
    await sleep(4000); // and on for a while on the new primary
    stop = true;
    await load;

    // Answers to requests sent after the kill: an answer computed before it proves nothing.
    const firstAfter = (kind: string) => Math.min(...successes.filter((s) => s.kind === kind && s.sentAt > killedAt).map((s) => s.at)) - killedAt;
    const afterKill = successes.filter((s) => s.sentAt > killedAt).map((s) => s.at).sort((a, b) => a - b);
    const lastBefore = Math.max(...successes.filter((s) => s.at <= killedAt).map((s) => s.at));
    const window = (afterKill[0] ?? Infinity) - lastBefore;
    const failedStatuses = failures.reduce<Record<string, number>>((acc, f) => ({ ...acc, [f.status]: (acc[f.status] ?? 0) + 1 }), {});
    process.stdout.write([
      `failover: killed node${killedNode} (port ${primaryPort}, kill -9 took ${killedAt - killStarted} ms); no request answered for ${window} ms (last answer before the kill to the first to a request sent after it)`,
      `  first answers after the kill: create ${firstAfter('create')} ms, seat change ${firstAfter('seat')} ms, purchase ${firstAfter('purchase')} ms; /readyz 200 again after ${readyAgain.join(' and ')} ms`,
      `  acknowledged: ${acknowledgedUsers.size} creates (${before.users} before the kill), ${invoices.size} purchases (${before.invoices} before), ${expectedSeat.size} members with a changed seat`,
      `  attempts that got no answer and were retried: ${failures.length} ${JSON.stringify(failedStatuses)}`,
      '',
    ].join('\n'));

    if (process.env.SEATGATE_HA_LOG) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(process.env.SEATGATE_HA_LOG, `killed at ${new Date(killedAt).toISOString()}\n${servers.map((s) => s.output()).join('\n=====\n')}`);
    }
    expect(Math.max(...readyAgain)).toBeLessThan(30_000);
    expect(firstAfter('create')).toBeLessThan(30_000);
    expect(acknowledgedUsers.size).toBeGreaterThan(before.users);
    expect(invoices.size).toBeGreaterThan(before.invoices);
    // Only attempts without an answer (no connection) or answered 503 (database away) failed.
    expect(failures.filter((f) => f.status !== 0 && f.status !== 503)).toEqual([]);
    expect(conflictsOnFirstTry).toEqual([]);

    // Read back from the new primary, through the same multi-host URL.
    const db = handle.db;
    const users = await db.selectFrom('members').select(['user_name']).where('org_id', '=', org.orgId)
      .where('user_name', 'like', 'sync%').execute();
    const names = users.map((u) => u.user_name);
    expect(new Set(names).size).toBe(names.length); // nothing duplicated
    const missing = [...acknowledgedUsers].filter((name) => !names.includes(name));
    expect(missing).toEqual([]); // no acknowledged create lost
    expect(names.length).toBeGreaterThanOrEqual(acknowledgedUsers.size);

    const seats = await db.selectFrom('members').select(['id', 'seat_state', 'seat_type']).where('id', 'in', seatMembers).execute();
    for (const member of seats) {
      const expected = expectedSeat.get(member.id);
      if (!expected) continue;
      expect({ id: member.id, seat: member.seat_state === 'assigned' ? member.seat_type : member.seat_state })
        .toEqual({ id: member.id, seat: expected }); // no acknowledged seat change lost
    }

    const stored = await db.selectFrom('invoices').select(['id', 'idempotency_key']).where('org_id', '=', org.orgId)
      .where('idempotency_key', 'like', 'failover-%').execute();
    expect(stored.length).toBe(invoices.size); // no purchase lost, none bought twice
    expect(new Map(stored.map((row) => [row.idempotency_key, row.id]))).toEqual(invoices);

    const allocations = await db.selectFrom('seat_allocations').select(['seat_type', 'allocated', 'assigned']).where('org_id', '=', org.orgId).execute();
    const assignedByType = await db.selectFrom('members').select('seat_type').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('org_id', '=', org.orgId).where('seat_state', '=', 'assigned').groupBy('seat_type').execute();
    for (const allocation of allocations) {
      expect(allocation.assigned).toBeLessThanOrEqual(allocation.allocated);
      expect(allocation.assigned).toBe(Number(assignedByType.find((row) => row.seat_type === allocation.seat_type)?.n ?? 0));
    }
    expect(allocations.find((a) => a.seat_type === 'standard')?.allocated).toBe(STANDARD_SEATS + invoices.size);

    // Both credential listeners are listening on the new primary.
    let listeners = 0;
    for (let i = 0; i < 50 && listeners < servers.length; i++) {
      const { rows } = await handle.pool.query<{ n: string }>(
        "select count(*) as n from pg_stat_activity where datname = $1 and query = 'listen seatgate_credentials'", [dbName]);
      listeners = Number(rows[0]!.n);
      if (listeners < servers.length) await sleep(200);
    }
    expect(listeners).toBe(servers.length);
    for (const server of servers) expect(server.output()).toContain('credential change listener listening again');

    // The killed node rejoins as a secondary (pg_rewind), and the formation is whole again.
    const rejoinStarted = Date.now();
    await cluster('run', killedNode);
    for (;;) {
      try {
        await cluster('healthy');
        break;
      } catch {
        if (Date.now() - rejoinStarted > 120_000) throw new Error(`node${killedNode} did not rejoin:\n${await cluster('state')}`);
        await sleep(500);
      }
    }
    process.stdout.write(`failover: node${killedNode} rejoined as secondary in ${Date.now() - rejoinStarted} ms\n`);
  }, 240_000);
});
