// SPEC §4.3: "concurrent requests must never exceed the allocation — not across requests, not
// across server processes". Two real server processes on one database, 500 SCIM creates at once.
import http from 'node:http';
import { createOrganization } from '../../src/services/organizations.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { freePort } from '../support/postgres.mjs';
import { startServerProcess, type ServerProcess } from '../support/process.js';

let ctx: TestContext;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  ctx = openTestContext();
  const env = { DATABASE_URL: process.env.SEATGATE_TEST_DATABASE_URL, SEATGATE_DEMO: 'false', LOG_LEVEL: 'warn' };
  servers.push(startServerProcess(env, await freePort()), startServerProcess(env, await freePort()));
  await Promise.all(servers.map((server) => server.ready()));
});

afterAll(async () => {
  for (const server of servers) server.child.kill('SIGTERM');
  await Promise.all(servers.map((server) => server.exited()));
  await ctx.close();
});

async function race(onNoSeat: 'block' | 'pending') {
  // 100 free seats: the primary owner takes one of the 51 premium seats.
  const org = await createOrganization(ctx, {
    name: `race ${onNoSeat} ${Date.now()}`, plan: 'team', seats: { premium: 51, standard: 50 }, settings: { onNoSeat },
  });
  const started = performance.now();
  const statuses = await Promise.all(Array.from({ length: 500 }, async (_, i) => {
    const server = servers[i % 2]!;
    return post(server.port, org.scimToken, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `racer${i}@example.test` });
  }));
  const seconds = (performance.now() - started) / 1000;
  const seats = await ctx.db.selectFrom('seat_allocations').select(['seat_type', 'allocated', 'assigned']).where('org_id', '=', org.orgId).orderBy('seat_type').execute();
  const byState = await ctx.db.selectFrom('members').select('seat_state').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', org.orgId).groupBy('seat_state').execute();
  const refusals = await ctx.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', org.orgId).where('action', '=', 'seat.refused').executeTakeFirstOrThrow();
  const count = (status: number) => statuses.filter((s) => s === status).length;
  const states = Object.fromEntries(byState.map((row) => [row.seat_state, Number(row.n)]));
  process.stdout.write(`${onNoSeat}: 500 creates over 2 processes in ${seconds.toFixed(2)} s → ${count(201)}×201, ${count(403)}×403; states ${JSON.stringify(states)}\n`);
  return { count, seats, states, refusals: Number(refusals.n) };
}

/**
 * One POST on a connection of its own. fetch's pool reuses keep-alive connections, and one that
 * the server closes as idle just as a request goes out fails ("other side closed") on a loaded
 * machine: a client race that says nothing about the gate.
 */
function post(port: number, token: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: '/scim/v2/Users', method: 'POST', agent: false,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('the seat gate across two server processes', () => {
  it('block: 500 concurrent creates for 100 free seats give exactly 100 seats and 400 refusals', async () => {
    const { count, seats, states, refusals } = await race('block');
    expect(count(201)).toBe(100);
    expect(count(403)).toBe(400);
    expect(seats).toEqual([{ seat_type: 'premium', allocated: 51, assigned: 51 }, { seat_type: 'standard', allocated: 50, assigned: 50 }]);
    expect(states).toEqual({ assigned: 101 }); // the owner and the 100 winners; refused creates left nothing
    expect(refusals).toBe(400);
  });

  it('pending: 500 concurrent creates for 100 free seats give 100 seats and 400 pending members', async () => {
    const { count, seats, states } = await race('pending');
    expect(count(201)).toBe(500);
    expect(seats.map((s) => s.assigned)).toEqual([51, 50]);
    expect(states).toEqual({ assigned: 101, pending: 400 });
  });
});
