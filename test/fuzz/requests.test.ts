// The permanent fuzz test (issue 9): thousands of generated requests over SCIM, the admin API and
// JIT, against the in-process app on the real database. Properties: no 500 ever; every 4xx has
// its interface's error body; a refused create writes nothing; and afterwards the organization's
// seat counters still equal its members. Seeded: FUZZ_SEED=<n> replays a run (the seed is
// printed when it fails); FUZZ_RUNS=<n> changes the number of requests (default 3,000).
import { createServer, type Server } from 'node:http';
import fc from 'fast-check';
import request from 'supertest';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { ERROR_SCHEMA } from '../support/scim.js';
import type { CreatedOrganization } from '../../src/services/organizations.js';
import { bodyText, fuzzRequest, isRef, RawJson, type FuzzRequest, type Ref, type Segment } from './generators.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_261_206;
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 3_000;
const BASE = { scim: '/scim/v2', admin: '/admin/v1', jit: '/jit/v1' } as const;

let t: TestApp;
let server: Server; // one listening server: supertest would start and stop one per request
let org: CreatedOrganization;
const pools: Record<Ref['ref'], string[]> = { user: [], group: [], mapping: [], reduction: [], invoice: [] };
let sent = 0;

beforeAll(async () => {
  // Rate limits out of the way: thousands of requests with one token would otherwise be 429s.
  const unlimited = { rateLimitPerMinute: 1_000_000 };
  t = openTestApp(undefined, (c) => ({ ...c, scim: { ...c.scim, ...unlimited }, admin: { ...c.admin, ...unlimited }, jit: { ...c.jit, ...unlimited } }));
  server = createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Few seats, so that the gate refuses, queues and serves while the fuzz runs.
  org = await newOrganization(t.ctx, { seats: { premium: 3, standard: 8 } });
  pools.user.push(org.ownerId);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

const ABSENT_ID = '00000000-0000-4000-8000-000000000000';
const resolveRef = (r: Ref) => {
  const pool = pools[r.ref];
  return pool.length === 0 ? ABSENT_ID : pool[r.pick % pool.length]!;
};

/** The request with every reference replaced by an id the fuzz saw. */
function resolve(value: unknown): unknown {
  if (isRef(value)) return resolveRef(value);
  if (value instanceof RawJson) return value;
  if (Array.isArray(value)) return value.map(resolve);
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    if ('memberFilter' in object) return `members[value eq "${resolveRef(object.memberFilter as Ref)}"]`;
    if ('bulkPath' in object) return `/${String(object.bulkPath)}/${resolveRef(object.id as Ref)}`;
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v)]));
  }
  return value;
}

/** Percent-encoding that also sends unpaired surrogates (as their 3-byte forms, which no UTF-8 decoder accepts). */
const encode = (text: string) => Array.from(text).map((ch) => {
  const c = ch.codePointAt(0)!;
  if (c < 0xd800 || c > 0xdfff) return encodeURIComponent(ch);
  return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
}).join('');
const segment = (s: Segment) => (typeof s === 'string' ? encode(s) : 'raw' in s ? s.raw : encode(resolveRef(s)));
const encodeQuery = (query: [string, string][]) => query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');

function tokenOf(api: FuzzRequest['api']) {
  return api === 'scim' ? org.scimToken : api === 'admin' ? org.adminToken : org.jitSecret;
}

async function send(r: FuzzRequest) {
  const query = r.query && r.query.length > 0 ? `?${encodeQuery(r.query)}` : '';
  const url = `${BASE[r.api]}/${r.path.map(segment).join('/')}${query}`;
  let req = request(server)[r.method.toLowerCase() as 'get'](url).set('Authorization', `Bearer ${tokenOf(r.api)}`);
  const text = r.rawBody ?? (r.body === undefined ? undefined : bodyText(resolve(r.body)));
  if (text !== undefined) {
    req = req.set('Content-Type', r.contentType ?? (r.api === 'scim' ? 'application/scim+json' : 'application/json')).send(text);
  }
  sent += 1;
  return { url, text, res: await req };
}

async function memberCount() {
  const row = await t.ctx.db.selectFrom('members').select((eb) => eb.fn.countAll<string>().as('n')).where('org_id', '=', org.orgId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Remembers what the fuzz created, so that later requests can name it. */
function learn(r: FuzzRequest, body: Record<string, unknown> | undefined, status: number) {
  if (!body || status >= 300) return;
  const id = typeof body.id === 'string' ? body.id : undefined;
  if (r.api === 'scim' && r.method === 'POST' && r.path.length === 1 && id) (r.path[0] === 'Users' ? pools.user : pools.group).push(id);
  if (r.api === 'scim' && r.path[0] === 'Bulk' && Array.isArray(body.Operations)) {
    for (const op of body.Operations as { location?: string; status?: string }[]) {
      const match = /\/(Users|Groups)\/([0-9a-f-]{36})$/.exec(op.location ?? '');
      if (match && op.status === '201') (match[1] === 'Users' ? pools.user : pools.group).push(match[2]!);
    }
  }
  if (r.api === 'jit' && typeof body.memberId === 'string') pools.user.push(body.memberId);
  if (r.api === 'admin' && r.method === 'POST' && r.path[0] === 'group-mappings' && r.path.length === 1 && id) pools.mapping.push(id);
  if (r.api === 'admin' && r.method === 'POST' && r.path[1] === 'reductions' && id) pools.reduction.push(id);
  const invoice = body.invoice as { id?: string } | undefined;
  if (r.api === 'admin' && typeof invoice?.id === 'string') pools.invoice.push(invoice.id);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The interface's error body, or a description of what is wrong with it. */
function errorBodyProblem(api: FuzzRequest['api'], status: number, body: unknown): string | undefined {
  if (api === 'scim') {
    if (!isObject(body) || !Array.isArray(body.schemas) || !body.schemas.includes(ERROR_SCHEMA)) return 'no SCIM error schema';
    if (body.status !== String(status)) return `status ${JSON.stringify(body.status)} is not "${status}"`;
    if (typeof body.detail !== 'string') return 'no detail';
    return undefined;
  }
  if (!isObject(body) || !isObject(body.error)) return 'no {error: …}';
  if (typeof body.error.code !== 'string' || typeof body.error.message !== 'string') return 'no error.code / error.message';
  return undefined;
}

async function check(r: FuzzRequest): Promise<void> {
  const creates = r.api === 'scim' && r.method === 'POST' && r.path.length === 1 && r.path[0] === 'Users';
  const before = creates ? await memberCount() : 0;
  const { url, text, res } = await send(r);
  const body = res.body as Record<string, unknown> | undefined;
  const shown = () => `${r.method} ${url}\n${(text ?? '').slice(0, 600)}\n→ ${res.status} ${JSON.stringify(res.body).slice(0, 600)}`;
  if (res.status >= 500 && !(res.status === 501 && r.api === 'scim')) {
    const id = /request id (?:is )?([0-9a-f-]{36})/.exec(JSON.stringify(res.body))?.[1];
    const logged = id ? t.logs.find((line) => line.includes(id)) : undefined;
    throw new Error(`server error:\n${shown()}${logged ? `\nlogged: ${logged.slice(0, 1200)}` : ''}`);
  }
  // JIT's refusal of a login is an answer, not an error: 403 {"decision":"deny","reason","message"}.
  const jitDenial = r.api === 'jit' && res.status === 403 && isObject(res.body) && res.body.decision === 'deny' && typeof res.body.reason === 'string';
  if (res.status >= 400 && !jitDenial) {
    const problem = errorBodyProblem(r.api, res.status, res.body);
    if (problem) throw new Error(`malformed ${res.status} body (${problem}):\n${shown()}`);
    if (creates && (await memberCount()) !== before) throw new Error(`a refused create wrote a member:\n${shown()}`);
  }
  if (r.api === 'scim' && r.path[0] === 'Bulk' && res.status === 200 && Array.isArray(body?.Operations)) {
    for (const op of body.Operations as { status?: string; response?: unknown }[]) {
      const status = Number(op.status);
      if (status >= 500) throw new Error(`bulk operation answered ${op.status}:\n${shown()}`);
      if (status >= 400) {
        const problem = errorBodyProblem('scim', status, op.response);
        if (problem) throw new Error(`malformed bulk error (${problem}):\n${shown()}`);
      }
    }
  }
  learn(r, body, res.status);
}

async function expectSeatCountersMatchMembers() {
  const counted = await t.ctx.db.selectFrom('members').select(['seat_type']).select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', org.orgId).where('seat_state', '=', 'assigned').groupBy('seat_type').execute();
  const members = Object.fromEntries(counted.map((row) => [row.seat_type, Number(row.n)]));
  const allocations = await t.ctx.db.selectFrom('seat_allocations').select(['seat_type', 'assigned', 'allocated']).where('org_id', '=', org.orgId).execute();
  expect(allocations.length).toBeGreaterThan(0);
  for (const row of allocations) {
    expect({ seatType: row.seat_type, assigned: row.assigned }).toEqual({ seatType: row.seat_type, assigned: members[row.seat_type] ?? 0 });
    expect(row.assigned).toBeLessThanOrEqual(row.allocated);
  }
  // no member holds a seat of a type the organization has no allocation for
  expect(Object.keys(members).every((type) => allocations.some((row) => row.seat_type === type))).toBe(true);
}

describe('fuzz: generated requests over SCIM, admin and JIT', () => {
  it(`answers ${RUNS} requests without a 500, with well-formed errors, and keeps the seat counters (seed ${SEED})`, async () => {
    try {
      await fc.assert(fc.asyncProperty(fuzzRequest, check), { seed: SEED, numRuns: RUNS, includeErrorInReport: true });
    } catch (error) {
      // fast-check's message carries the seed and the shrunk counterexample; say how to replay.
      const message = `fuzz failed: replay with FUZZ_SEED=${SEED}${process.env.FUZZ_RUNS ? ` FUZZ_RUNS=${RUNS}` : ''}`;
      console.error(message);
      throw new Error(`${message}\n${(error as Error).message}`);
    }
    expect(sent).toBeGreaterThanOrEqual(Math.min(RUNS, 3_000));
    await expectSeatCountersMatchMembers();
    // the fuzz reached the interesting places
    expect(pools.user.length).toBeGreaterThan(5);
    expect(pools.group.length).toBeGreaterThan(2);
  }, 600_000);
});
