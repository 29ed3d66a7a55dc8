// The operator's view (docs/operations/): the Prometheus alert rules pass promtool's own checks
// and unit tests, the Grafana dashboard is well-formed (Grafana is not in Debian: checked
// structurally here, and every query is parsed by promtool), and every metric either of them
// names is exported by a real seatgate process — started with the webhook allowances of config,
// so that its /metrics also shows a delivered alert webhook, a seat refusal and an IdP's 401.
// Then a real Prometheus (Debian's, the same package as promtool) scrapes that process, loads
// the rules (all healthy), and answers every dashboard query with data.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/postgres.mjs';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { openDatabase } from '../../src/storage/database.js';

const run = promisify(execFile);
const OPS = path.resolve('docs/operations');
const RULES = path.join(OPS, 'prometheus-alerts.yml');
const DASHBOARD = path.join(OPS, 'grafana-dashboard.json');

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: OPS });
    return stdout + stderr;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool is missing: apt-get install --no-install-recommends prometheus (.ci/run does)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** What Prometheus's HTTP API answers to /query and /rules. */
interface PromAnswer {
  status: string; error?: string;
  data: { result?: { value: [number, string] }[]; groups?: { rules: { name: string; health: string; lastError?: string }[] }[] };
}

interface Panel {
  id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string }; targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
  uid: string; title: string; schemaVersion: number; panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
};
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, ...t })));
const rulesText = readFileSync(RULES, 'utf8');
// `expr: <one line>` or `expr: |` followed by lines indented deeper than the key.
const ruleExprs = [...rulesText.matchAll(/^(\s+)expr: (?:\|\n((?:\1\s+.*\n)+)|(.+)\n)/gm)].map((m) => (m[2] ?? m[3] ?? '').trim());

/** Grafana's variables as Prometheus would see them once substituted. */
const substitute = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h')
  .replace(/\$\{?(\w+)\}?/g, '.*');

/** Metric names a PromQL expression selects (seatgate's, and Prometheus's own `up`). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(seatgate_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
}

describe('Prometheus alert rules (docs/operations/prometheus-alerts.yml)', () => {
  it('pass promtool check rules and promtool test rules', async () => {
    expect(await promtool('check', 'rules', RULES)).toMatch(/SUCCESS: \d+ rules found/);
    expect(await promtool('test', 'rules', path.join(OPS, 'prometheus-alerts.test.yml'))).toMatch(/SUCCESS/);
  });

  it('cover a full seat type, a failing IdP sync and the database', () => {
    for (const name of ['SeatgateSeatTypeFull', 'SeatgateScimSyncFailing', 'SeatgateDatabaseUnreachable', 'SeatgateDatabasePoolErrors']) {
      expect(rulesText).toContain(`alert: ${name}`);
    }
    expect(ruleExprs.length).toBe([...rulesText.matchAll(/^\s+- alert: /gm)].length);
    expect(ruleExprs.every((expr) => metricNames(expr).length > 0 || expr.startsWith('up{'))).toBe(true);
  });
});

describe('Grafana dashboard (docs/operations/grafana-dashboard.json)', () => {
  it('is a dashboard Grafana can import: panels on a 24-column grid, each query on the chosen Prometheus data source', () => {
    expect(dashboard).toMatchObject({ uid: 'seatgate-operations', title: expect.any(String), schemaVersion: expect.any(Number) });
    const variables = dashboard.templating.list;
    expect(variables.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const defined = new Set(variables.map((v) => v.name));
    const ids = new Set<number>();
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(ids.has(panel.id)).toBe(false);
      ids.add(panel.id);
      const { x, y, w, h } = panel.gridPos;
      expect(x >= 0 && w > 0 && x + w <= 24 && h > 0 && y >= 0).toBe(true);
      for (let i = x; i < x + w; i += 1) for (let j = y; j < y + h; j += 1) {
        expect(cells.has(`${i},${j}`) ? `${panel.title} overlaps another panel` : 'ok').toBe('ok');
        cells.add(`${i},${j}`);
      }
      if (panel.type === 'row') continue;
      expect(['timeseries', 'stat', 'bargauge', 'table', 'gauge']).toContain(panel.type);
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length).toBeGreaterThan(0);
      expect(new Set(panel.targets!.map((t) => t.refId)).size).toBe(panel.targets!.length);
      for (const target of panel.targets!) {
        expect(target.datasource?.uid).toBe('${datasource}');
        expect(metricNames(target.expr).length).toBeGreaterThan(0);
        for (const [, name] of target.expr.matchAll(/\$\{?(\w+)\}?/g)) {
          expect(name!.startsWith('__') || defined.has(name!) ? 'ok' : `${panel.title}: undefined variable $${name}`).toBe('ok');
        }
      }
    }
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join('\n');
    for (const topic of ['requests', 'latency', 'utilization per organization', 'refusals', 'webhook', 'pool', 'credential cache']) {
      expect(titles).toContain(topic);
    }
  });

  it('has only queries that promtool parses (as recording rules, variables substituted)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seatgate-dashboard-'));
    try {
      const file = path.join(dir, 'dashboard-queries.yml');
      const rules = queries.map((q) => `      - record: dashboard:panel_${q.panel.id}_${q.refId}\n        expr: ${JSON.stringify(substitute(q.expr))}`);
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      expect(await promtool('check', 'rules', file)).toContain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a running seatgate exports every metric the dashboard and the rules name', () => {
  let ctx: TestContext;
  let server: ServerProcess;
  let receiver: http.Server;
  const received: { host?: string; body: string }[] = [];

  beforeAll(async () => {
    ctx = openTestContext();
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => { body += String(chunk); });
      req.on('end', () => { received.push({ host: req.headers.host, body }); res.statusCode = 204; res.end(); });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    server = startServerProcess({
      DATABASE_URL: process.env.SEATGATE_TEST_DATABASE_URL, SEATGATE_DEMO: 'false', LOG_LEVEL: 'warn',
      SEATGATE_METRICS_SEATS_BY_ORGANIZATION: 'true',
      // The receiver is on loopback over http: the operator's allowances, through real config.
      SEATGATE_WEBHOOK_ALLOW_HTTP: 'true', SEATGATE_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    }, await freePort());
    await server.ready();
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    await ctx?.close();
  });

  it('after an alert webhook, a refusal and a rejected IdP token', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const org = await newOrganization(ctx, { seats: { premium: 2, standard: 0 } }); // the owner holds 1 of 2
    const admin = { authorization: `Bearer ${org.adminToken}`, 'content-type': 'application/json' };
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/seatgate`;
    const saved = await fetch(`${base}/admin/v1/settings`, { method: 'PATCH', headers: admin, body: JSON.stringify({ utilizationAlertThreshold: 1, alertWebhookUrl: hook }) });
    expect(saved.status).toBe(200);
    const scim = { authorization: `Bearer ${org.scimToken}`, 'content-type': 'application/scim+json' };
    const create = (userName: string) => fetch(`${base}/scim/v2/Users`, {
      method: 'POST', headers: scim, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName }),
    });
    expect((await create('full@ops.test')).status).toBe(201); // 2 of 2: the alert, and its webhook
    expect((await create('refused@ops.test')).status).toBe(403); // no seat: a refusal
    expect((await fetch(`${base}/scim/v2/Users`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    for (const deadline = Date.now() + 5000; received.length === 0 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
    expect(received.map((r) => JSON.parse(r.body))).toEqual([expect.objectContaining({ orgId: org.orgId, seatType: 'premium', assigned: 2, allocated: 2 })]);

    const text = await (await fetch(`${base}/metrics`)).text();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map((m) => m[1]!));
    const referenced = new Set([...queries.map((q) => q.expr), ...ruleExprs].flatMap(metricNames));
    const missing = [...referenced].filter((name) => !exported.has(name) && !exported.has(name.replace(/_(bucket|sum|count)$/, '')));
    expect(missing).toEqual([]);
    expect(referenced.size).toBeGreaterThanOrEqual(15);

    // What those panels and rules will see.
    expect(text).toMatch(/^seatgate_seat_alert_webhooks_total\{outcome="delivered"\} 1$/m);
    expect(text).toMatch(/^seatgate_seat_refusals_total\{trigger="scim_create"\} [1-9]/m);
    expect(text).toMatch(/^seatgate_http_requests_total\{method="GET",route="\/scim\/v2\/\*",status="401"\} 1$/m);
    expect(text).toMatch(new RegExp(`^seatgate_organization_seats_assigned\\{org_id="${org.orgId}",seat_type="premium"\\} 2$`, 'm'));
    expect(text).toMatch(/^seatgate_seat_types_full\{seat_type="premium"\} [1-9]/m);
    expect(text).toMatch(/^seatgate_db_up 1$/m);
    expect(text).toMatch(/^seatgate_credential_cache_listening 1$/m);
    expect(text).toMatch(/^seatgate_db_pool_max 10$/m);
    expect(text).not.toContain(hook); // never a webhook URL on /metrics
  });

  it('a real Prometheus scrapes it, loads the alert rules, and every dashboard query returns data', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seatgate-prometheus-'));
    const promPort = await freePort();
    writeFileSync(path.join(dir, 'prometheus.yml'), [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: [${JSON.stringify(RULES)}]`,
      'scrape_configs:',
      `  - { job_name: seatgate, static_configs: [{ targets: ["127.0.0.1:${server.port}"] }] }`, ''].join('\n'));
    const prometheus = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    let failed = false;
    prometheus.on('error', (error) => { failed = true; log += `${error.message} (apt-get install --no-install-recommends prometheus)`; });
    prometheus.stdout.on('data', (chunk) => { log += String(chunk); });
    prometheus.stderr.on('data', (chunk) => { log += String(chunk); });
    const api = async (query: string) => {
      const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/${query}`);
      return (await res.json()) as PromAnswer;
    };
    const instant = (expr: string) => api(`query?query=${encodeURIComponent(expr)}`);
    try {
      // Enough scrapes for a rate over 15 s, and every rule evaluated once.
      for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 250))) {
        if (Date.now() > deadline || failed || prometheus.exitCode !== null) throw new Error(`Prometheus did not get going:\n${log}`);
        const scrapes = await instant('count_over_time(up{job="seatgate"}[1m])').catch(() => undefined);
        const rules = await api('rules').catch(() => undefined);
        const evaluated = rules?.data.groups?.flatMap((g) => g.rules).every((r) => r.health !== 'unknown');
        if (Number(scrapes?.data.result?.[0]?.value[1] ?? 0) >= 6 && evaluated) break;
      }
      const rules = (await api('rules')).data.groups!.flatMap((g) => g.rules);
      expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
      expect(rules).toHaveLength(ruleExprs.length);
      expect((await instant('up{job="seatgate"}')).data.result?.[0]?.value[1]).toBe('1');
      const empty: string[] = [];
      for (const q of queries) {
        const answer = await instant(q.expr.replaceAll('$__rate_interval', '15s').replace(/\$\{?(\w+)\}?/g, '.*'));
        expect(answer.error ?? answer.status).toBe('success');
        if (!answer.data.result?.length) empty.push(`${q.panel.title} ${q.refId}: ${q.expr}`);
      }
      expect(empty).toEqual([]);
    } finally {
      prometheus.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('database health on /metrics', () => {
  it('seatgate_db_up is 0 while the database does not answer, and 1 when it does', async () => {
    const nowhere = openDatabase(`postgres://seatgate@127.0.0.1:${await freePort()}/none`, 2);
    const url = process.env.SEATGATE_TEST_DATABASE_URL!;
    const real = openDatabase(url, 2);
    try {
      expect(await createMetrics(nowhere.pool, { db: nowhere.db }).registry.metrics()).toMatch(/^seatgate_db_up 0$/m);
      expect(await createMetrics(real.pool, { db: real.db }).registry.metrics()).toMatch(/^seatgate_db_up 1$/m);
    } finally {
      await nowhere.close();
      await real.close();
    }
  });

  it('counts pooled connections the database drops (restart, failover)', async () => {
    const handle = openDatabase(process.env.SEATGATE_TEST_DATABASE_URL!, 2);
    const other = openDatabase(process.env.SEATGATE_TEST_DATABASE_URL!, 1);
    try {
      const metrics = createMetrics(handle.pool);
      const { rows } = await handle.pool.query<{ pid: number }>('select pg_backend_pid() as pid'); // now an idle pooled client
      await other.pool.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        if (/^seatgate_db_pool_errors_total 1$/m.test(await metrics.registry.metrics())) break;
      }
      expect(await metrics.registry.metrics()).toMatch(/^seatgate_db_pool_errors_total 1$/m);
    } finally {
      await handle.close();
      await other.close();
    }
  });
});
