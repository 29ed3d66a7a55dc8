// When the database is out of reach (failover, restart), every API answers 503 with Retry-After,
// which IdPs retry, and recovers by itself once the database is back. The outage is real: the app
// reaches the suite's PostgreSQL through a TCP relay that the test cuts and restores.
import net from 'node:net';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../../src/interfaces/http/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { testConfig } from '../support/context.js';
import { ERROR_SCHEMA, scimClient, USER_SCHEMA } from '../support/scim.js';

/** A TCP relay to PostgreSQL that can be cut (every connection reset, the port refusing) and restored. */
class Relay {
  private server = net.createServer((socket) => this.relay(socket));
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly host: string, private readonly targetPort: number) {}

  private relay(socket: net.Socket): void {
    const upstream = net.connect(this.targetPort, this.host);
    for (const s of [socket, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
    }
    socket.pipe(upstream).pipe(socket);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.resetAndDestroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = net.createServer((socket) => this.relay(socket));
  }
}

let t: TestApp;
let relay: Relay;
let handle: DatabaseHandle;
let app: ReturnType<typeof createApp>;
const logs: string[] = [];

beforeAll(async () => {
  t = openTestApp();
  const url = new URL(process.env.SEATGATE_TEST_DATABASE_URL!);
  relay = new Relay(url.hostname, Number(url.port));
  await relay.listen();
  url.host = `127.0.0.1:${relay.port}`;
  handle = openDatabase(url.toString(), 4);
  const config = testConfig();
  const logger = createLogger('info', false, new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
  app = createApp({ ctx: { db: handle.db, plans: config.plans, now: () => new Date() }, config, logger, metrics: createMetrics(handle.pool) });
});
afterAll(async () => {
  await relay.cut().catch(() => {});
  await handle.close().catch(() => {});
  await t.close();
});

it('answers 503 with Retry-After on SCIM, admin and JIT while the database is cut, then recovers', async () => {
  const org = await newOrganization(t.ctx);
  const client = scimClient(app, org.scimToken);
  const scim = () => client.get('/Users?count=1');
  const admin = () => request(app).get('/admin/v1/seats').set('Authorization', `Bearer ${org.adminToken}`);
  const jit = () => request(app).post('/jit/v1/login').set('Authorization', `Bearer ${org.jitSecret}`)
    .send({ subject: 'oid-outage', email: 'outage@example.test' });

  // Connections exist before the outage (the pool keeps them), as in production.
  await scim().expect(200);
  await admin().expect(200);

  await relay.cut();
  const during = [await scim(), await admin(), await jit(),
    await client.post('/Users', { schemas: [USER_SCHEMA], userName: 'during@example.test' })];
  for (const res of during) {
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
  }
  expect(during[0]!.body).toEqual({ schemas: [ERROR_SCHEMA], status: '503', detail: expect.stringContaining('retry in 5 seconds') });
  expect(during[1]!.body).toEqual({ error: { code: 'unavailable', message: expect.stringContaining('retry in 5 seconds') } });
  expect(during[2]!.body).toMatchObject({ error: { code: 'unavailable' } });
  expect(logs.join('')).not.toMatch(/"level":"error"/);

  await relay.listen(); // the same port again
  await scim().expect(200);
  await admin().expect(200);
  await jit().expect(200);
  // The create sent during the outage had no effect: the IdP's retry creates it once.
  const listed = await client.get('/Users?filter=userName eq "during@example.test"').expect(200);
  expect(listed.body.totalResults).toBe(0);
});
