// The admin API's member list at scale (issue 12: "a table that stays fast on 100,000 members"):
// EXPLAIN (ANALYZE, BUFFERS) of the page and the count that GET /admin/v1/members runs, for
// searches and filters, on one organization of N members loaded set-based. Shared buffers
// (hit + read) per query are the load-independent measure; times are printed for reference.
//
//   node bench/member-search.mjs [--users 100000] [--json FILE] [--plans]
//
// The bundled PostgreSQL runs from data/bench-search (wiped at start and at the end). The SQL is
// captured from the storage functions themselves (dist/src/storage/member-queries.js), so the
// plans are those of the real queries.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect } from 'kysely';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const USERS = Number(option('--users', '100000'));
const JSON_OUT = option('--json', undefined);
const PLANS = argv.includes('--plans');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA_DIR = path.join(ROOT, 'data', 'bench-search');
const log = (message) => process.stderr.write(`[member-search] ${message}\n`);
const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  s.once('error', reject);
});

rmSync(DATA_DIR, { recursive: true, force: true });
mkdirSync(DATA_DIR, { recursive: true });
Object.assign(process.env, { SEATGATE_DATA_DIR: DATA_DIR, SEATGATE_EMBEDDED_PG_PORT: String(await freePort()), LOG_LEVEL: 'warn', SEATGATE_DEMO: 'false' });

const { loadConfig } = await import('../dist/src/config.js');
const { createLogger } = await import('../dist/src/observability/logger.js');
const { connectDatabase } = await import('../dist/src/server.js');
const { createOrganization } = await import('../dist/src/services/organizations.js');
const members = await import('../dist/src/storage/member-queries.js');

const config = await loadConfig();
const connection = await connectDatabase(config, createLogger('warn'));
const { pool, db } = connection.handle;
try {
  await main();
} catch (error) {
  process.stderr.write(`member-search failed: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
} finally {
  await connection.close();
  rmSync(DATA_DIR, { recursive: true, force: true });
}

async function main() {
  const ctx = { db, plans: config.plans, now: () => new Date() };
  const org = await createOrganization(ctx, {
    name: 'Member search', plan: 'enterprise', seats: { enterprise: 2 * USERS }, prices: { enterprise: 4000 },
    ownerEmail: 'owner@bench.example', billingMode: 'sales_assisted',
  });
  const started = Date.now();
  await load(org.orgId);
  log(`${USERS} members loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const captured = [];
  const capture = new Kysely({ dialect: new PostgresDialect({ pool }), log: (event) => { if (event.level === 'query') captured.push(event.query); } });
  const mid = `user${Math.floor(USERS / 2)}@bench.example`;
  const cases = [
    ['no filter, first page', {}],
    ['no filter, a cursor page in the middle', { afterUserName: mid }],
    ['q=smith (display name, 2 % match)', { q: 'smith' }],
    ['q=user4242 (userName, a few match)', { q: 'user4242' }],
    ['q=lisa.flores (home email only, 167 match)', { q: 'lisa.flores' }],
    ['q=okta-00004242 (exact externalId)', { q: 'okta-00004242' }],
    ['q=nobody-by-this-name (no match)', { q: 'nobody-by-this-name' }],
    ['q=bench (every member matches)', { q: 'bench' }],
    ['role=admin (10 members)', { role: 'admin' }],
    ['seatState=unassigned (0.1 %)', { seatState: 'unassigned' }],
    ['seatState=pending (0.2 %)', { seatState: 'pending' }],
    ['source=jit (2 %)', { source: 'jit' }],
    ['seatState=assigned + seatType=enterprise', { seatState: 'assigned', seatType: 'enterprise' }],
    ['q=smith + seatState=assigned + source=scim', { q: 'smith', seatState: 'assigned', source: 'scim' }],
    ['q=smith + seatState=unassigned', { q: 'smith', seatState: 'unassigned' }],
  ];
  const results = [];
  for (const [name, filter] of cases) {
    captured.length = 0;
    const { afterUserName, ...where } = filter;
    await members.listMembersPage(capture, org.orgId, { ...where, afterUserName, limit: 51 });
    const pageQuery = captured[0];
    captured.length = 0;
    const counted = await members.countMembers(capture, org.orgId, where);
    const countQuery = captured[0];
    // Before decision 0014 the count was a number; since, { count, exact } (capped at 1,000).
    const row = { case: name, matches: typeof counted === 'number' ? String(counted) : `${counted.count}${counted.exact ? '' : '+'}` };
    for (const [kind, query] of [['page', pageQuery], ['count', countQuery]]) {
      const result = await pool.query(`explain (analyze, buffers, format text) ${query.sql}`, [...query.parameters]);
      const plan = result.rows.map((r) => r['QUERY PLAN']).join('\n');
      const top = /Buffers: shared(?: hit=(\d+))?(?: read=(\d+))?/.exec(plan);
      row[kind] = {
        buffers: Number(top?.[1] ?? 0) + Number(top?.[2] ?? 0),
        ms: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? NaN),
        scans: [...new Set([...plan.matchAll(/(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)?(?: using (\w+))? on (\w+)/g)]
          .map((m) => `${m[1]}${m[2] ? ` ${m[2]}` : ''}`))].join(', '),
        plan,
      };
    }
    results.push(row);
    if (PLANS) process.stdout.write(`\n### ${name}\n\n${pageQuery.sql}\n${row.page.plan}\n\n${countQuery.sql}\n${row.count.plan}\n`);
  }
  const lines = ['', `## GET /admin/v1/members on ${USERS.toLocaleString('en-US')} members: page (limit 51) and count`, '',
    '| case | matches | page buffers | page ms | count buffers | count ms | page scans | count scans |', '|---|--:|--:|--:|--:|--:|---|---|'];
  for (const r of results) {
    lines.push(`| ${r.case} | ${r.matches} | ${r.page.buffers} | ${r.page.ms.toFixed(1)} | ${r.count.buffers} | ${r.count.ms.toFixed(1)} | ${r.page.scans} | ${r.count.scans} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results.map(({ page, count, ...rest }) => ({ ...rest, page: { ...page, plan: undefined }, count: { ...count, plan: undefined } })), null, 2));
}

/** Okta-shaped members (as bench/scim-100k.mjs), with some of each role, seat state and source. */
async function load(orgId) {
  await pool.query(`
    insert into members (org_id, user_name, external_id, active, role, seat_state, seat_type, seat_reason, pending_since,
                         unassigned_by_admin, source, attributes)
    select $1::uuid, 'user' || i || '@bench.example', 'okta-' || lpad(i::text, 8, '0'), true,
           case when i % 10000 = 4 then 'admin' else 'member' end,
           s, case when s = 'assigned' then 'enterprise' end, '{"kind":"highest_available"}'::jsonb,
           case when s = 'pending' then now() end, s = 'unassigned',
           case when i % 50 = 3 then 'jit' else 'scim' end,
           jsonb_build_object(
             'name', jsonb_build_object('givenName', g, 'familyName', f, 'formatted', g || ' ' || f),
             'displayName', g || ' ' || f,
             'emails', jsonb_build_array(jsonb_build_object('value', 'user' || i || '@bench.example', 'type', 'work', 'primary', true))
                       || case when i % 3 = 0 then jsonb_build_array(jsonb_build_object('value', lower(g) || '.' || lower(f) || i || '@home.example', 'type', 'home'))
                               else '[]'::jsonb end)
      from generate_series(1, $2::int) as i,
           lateral (select (array['James','Mary','Robert','Patricia','John','Jennifer','Michael','Linda','David','Elizabeth',
                                  'William','Barbara','Richard','Susan','Joseph','Jessica','Thomas','Sarah','Chris','Karen',
                                  'Daniel','Lisa','Matthew','Nancy','Anthony','Betty','Mark','Sandra','Paul','Ashley',
                                  'Steven','Kim','Andrew','Emily','Kenneth','Donna','Josh','Michelle','Kevin','Carol'])[1 + (i * 7) % 40] as g,
                           (array['Smith','Johnson','Williams','Brown','Jones','Garcia','Miller','Davis','Rodriguez','Martinez',
                                  'Hernandez','Lopez','Gonzalez','Wilson','Anderson','Thomas','Taylor','Moore','Jackson','Martin',
                                  'Lee','Perez','Thompson','White','Harris','Sanchez','Clark','Ramirez','Lewis','Robinson',
                                  'Walker','Young','Allen','King','Wright','Scott','Torres','Nguyen','Hill','Flores',
                                  'Green','Adams','Nelson','Baker','Hall','Rivera','Campbell','Mitchell','Carter','Roberts'])[1 + (i * 13) % 50] as f,
                           case when i % 1000 = 2 then 'unassigned' when i % 500 = 1 then 'pending' else 'assigned' end as s) as v`,
  [orgId, USERS]);
  await pool.query(`select seat_set_assigned(a.org_id, a.seat_type, (select count(*)::int from members m where m.org_id = a.org_id and m.seat_state = 'assigned' and m.seat_type = a.seat_type)) from seat_allocations a where a.org_id = $1`, [orgId]);
  await pool.query('vacuum analyze');
}
