// PostgreSQL backend CPU of the list page's statement itself (issue 14, decision 0034): the
// statement each given build compiles for `active eq true` (its parameters other than the
// organization and the offset written in), run on one connection at random full pages, builds
// alternated; CPU read from /proc/<backend pid>/schedstat, so the machine's other load counts
// only as far as it slows the backend's own work.
//
//   DATABASE_URL=postgres://…/peer_seatgate node bench/list-page-statement.mjs <built checkout> [<another>] [--executions 300] [--rounds 3]
import pg from 'pg';
import { readFileSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import { option } from './harness.mjs';

const roots = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
const executions = Number(option('--executions', '300')), rounds = Number(option('--rounds', '3'));
const url = process.env.DATABASE_URL;
const client = new pg.Client({ connectionString: url });
await client.connect();
const { rows: [{ pid }] } = await client.query('select pg_backend_pid() as pid');
const { rows: [org] } = await client.query('select org_id, count(*) filter (where active)::int as n from members group by org_id order by 2 desc limit 1');
const OFFSET = 1234;

/** The page statement a build sends, with the organization as $1 and the offset as $2. */
async function statementOf(root) {
  const { listUsers } = await import(`${root}/dist/src/storage/scim-users.js`);
  const { compileFilter } = await import(`${root}/dist/src/protocol/scim/filter/index.js`);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  let query;
  const db = new Kysely({ dialect: new PostgresDialect({ pool }), log(e) { if (e.level === 'query' && e.query.sql.includes('page_first')) query = e.query; } });
  await listUsers(db, org.org_id, compileFilter('User', 'active eq true'), undefined, OFFSET, 100, true);
  await db.destroy();
  return query.sql.replace(/\$(\d+)/g, (_, n) => {
    const v = query.parameters[n - 1];
    if (v === org.org_id) return '$1';
    if (v === OFFSET) return '$2';
    return typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);
  });
}

const texts = [];
for (const root of roots) texts.push({ root, text: await statementOf(root) });
const ns = () => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
const raw = { getTypeParser: () => (v) => v };
const offset = () => Math.floor(Math.random() * Math.floor(org.n / 100)) * 100;
const result = Object.fromEntries(texts.map(({ root }) => [root, []]));
for (let round = 0; round <= rounds; round++) {
  for (const [i, { root, text }] of texts.entries()) {
    const q = { name: `list_page_${i}`, text, types: raw };
    for (let k = 0; k < 10; k++) await client.query({ ...q, values: [org.org_id, offset()] });
    const t = ns();
    for (let k = 0; k < executions; k++) await client.query({ ...q, values: [org.org_id, offset()] });
    if (round > 0) result[root].push(Math.round((ns() - t) / executions / 1000)); // round 0 warms up
  }
}
console.log(JSON.stringify({ users: org.n, executions, backendUsPerPage: result }));
await client.end();
