// What one-member group PATCHes cost PostgreSQL on one connection, counted where wall-clock time
// on a shared machine cannot blur it (decision 0032): how many of the changes PostgreSQL planned
// (pg_prepared_statements: custom plans are planned per execution, the generic plan once), and the
// CPU time of the connection's backend (/proc/PID/stat, same host) per change. Runs the storage
// function the server runs (dist/), against an existing organization with at least --size members.
//
//   node bench/group-patch-plans.mjs --url postgres://… --org ORG_ID [--size 100000] [--changes 2000]
//        [--dist DIR] [--batches] [--random-page-cost 4]
//
// --dist: another build's dist/ (a before/after comparison on the same database, alternated).
// --batches: seed the group through the statement in 1,000-member batches on the measured
//   connection (as the peers harness does) instead of one INSERT.
// The group is made, measured and deleted; ANALYZE runs after the seed (a database that has run).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const option = (name, fallback) => { const i = argv.indexOf(name); return i < 0 ? fallback : argv[i + 1]; };
const URL = option('--url');
const ORG = option('--org');
const SIZE = Number(option('--size', '100000'));
const CHANGES = Number(option('--changes', '2000'));
const DIST = path.resolve(option("--dist", new globalThis.URL("../dist", import.meta.url).pathname));
const BATCHES = argv.includes('--batches');
const RPC = option('--random-page-cost', undefined);
if (!URL || !ORG) { console.error('usage: --url URL --org ORG_ID'); process.exit(2); }

const { openDatabase } = await import(pathToFileURL(path.join(DIST, 'src/storage/database.js')).href);
const groups = await import(pathToFileURL(path.join(DIST, 'src/storage/scim-groups.js')).href);
const handle = openDatabase(URL, 1);
const q = async (text, values = []) => (await handle.pool.query(text, values)).rows;
const ticks = (pid) => { const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return Number(f[11]) + Number(f[12]); };
const today = new Date().toISOString().slice(0, 10);
try {
  if (RPC) await q(`set random_page_cost = ${Number(RPC)}`);
  const [{ pid }] = await q('select pg_backend_pid() as pid');
  const ids = (await q('select id from members where org_id = $1 order by created_at, id limit $2', [ORG, SIZE + 1])).map((r) => r.id);
  if (ids.length < SIZE + 1) throw new Error(`the organization has ${ids.length} members, needs ${SIZE + 1}`);
  const [{ id: groupId }] = await q(`insert into groups (org_id, display_name) values ($1, 'plans-bench-' || gen_random_uuid()) returning id`, [ORG]);
  try {
    if (BATCHES) for (let i = 0; i < SIZE; i += 1000) await groups.applyMemberDelta(handle.db, ORG, groupId, ids.slice(i, Math.min(SIZE, i + 1000)), [], today);
    else await q('insert into group_members (org_id, group_id, member_id) select $1, $2, unnest($3::uuid[])', [ORG, groupId, ids.slice(0, SIZE)]);
    await q('analyze group_members');
    const toggled = ids[SIZE];
    const before = (await q(`select coalesce(sum(generic_plans), 0)::int g, coalesce(sum(custom_plans), 0)::int c from pg_prepared_statements where statement like '%insert into group_members (org_id, group_id, member_id)%'`))[0];
    const t0 = ticks(pid); const w0 = performance.now();
    for (let i = 0; i < CHANGES; i += 1) {
      const adding = i % 2 === 0;
      const r = await groups.applyMemberDelta(handle.db, ORG, groupId, adding ? [toggled] : [], adding ? [] : [toggled], today);
      if (r.kind !== 'applied' || r.changed.length !== 1) throw new Error(`change ${i}: ${JSON.stringify(r)}`);
    }
    const cpuMs = ((ticks(pid) - t0) * 10) / CHANGES; const wallMs = (performance.now() - w0) / CHANGES;
    const after = (await q(`select coalesce(sum(generic_plans), 0)::int g, coalesce(sum(custom_plans), 0)::int c from pg_prepared_statements where statement like '%insert into group_members (org_id, group_id, member_id)%'`))[0];
    const out = { dist: DIST, size: SIZE, changes: CHANGES, batches: BATCHES, planned_per_change: (after.c - before.c) / CHANGES, generic_per_change: (after.g - before.g) / CHANGES, backend_cpu_ms_per_change: Number(cpuMs.toFixed(3)), wall_ms_per_change: Number(wallMs.toFixed(3)) };
    console.log(JSON.stringify(out));
  } finally {
    await q('delete from groups where org_id = $1 and id = $2', [ORG, groupId]);
  }
} finally {
  await handle.close();
}
