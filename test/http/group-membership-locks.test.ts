// The locks of a one-statement membership change (decision 0022). The group row carries the
// version every change bumps; the members' foreign key and the change's own key-share lock fall
// on the group's key row (`group_keys`, never updated) instead, so the updated row is never also
// locked by readers (a multixact per statement under concurrent changes), while a transaction
// that checks If-Match (FOR UPDATE of the key) still holds plain changes off until it ends.
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { scimClient, patchOp as patch, USER_SCHEMA as USER, GROUP_SCHEMA as GROUP } from '../support/scim.js';
import { someoneWaits } from '../support/locks.js';

let t: TestApp;
beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());

async function setUp(prefix: string, users: number) {
  const org = await newOrganization(t.ctx, { seats: { premium: 10, standard: 0 } });
  const client = scimClient(t.app, org.scimToken);
  const ids: string[] = [];
  for (let i = 0; i < users; i += 1) ids.push((await client.post('/Users', { schemas: [USER], userName: `${prefix}${i}@x.com` }).expect(201)).body.id);
  const group = (await client.post('/Groups', { schemas: [GROUP], displayName: `${prefix} group` }).expect(201)).body;
  return { org, client, ids, group, version: Number(/\d+/.exec(group.meta.version)![0]) };
}


it('a membership PATCH beside another change of the group in flight leaves no multixact on the group row', async () => {
  const { org, client, ids, group, version } = await setUp('mx', 1);
  const other = await t.ctx.handle.pool.connect();
  try {
    // Another change of the same group that has bumped the version and not committed yet.
    await other.query('begin');
    const xid = (await other.query('select pg_current_xact_id()::text::bigint as xid')).rows[0].xid as string;
    await other.query('update groups set version = version + 1, updated_at = now() where org_id = $1 and id = $2', [org.orgId, group.id]);
    const patching = client.patch(`/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: ids[0] }] })).then((r) => r);
    await someoneWaits(t.ctx.handle.pool); // our PATCH waits for the other change's version update, as it must
    // The group row's xmax is the other change alone: our PATCH locked nothing on it. Before,
    // its key-share locks (its own and the foreign key's) made the xmax a multixact of both.
    const { rows } = await t.ctx.handle.pool.query('select xmax::text::bigint as xmax from groups where org_id = $1 and id = $2', [org.orgId, group.id]);
    expect(rows[0].xmax).toBe(xid);
    await other.query('commit');
    const response = await patching;
    expect(response.status).toBe(204);
    expect(response.headers.etag).toBe(`W/"${version + 2}"`);
  } finally {
    await other.query('rollback').catch(() => {});
    other.release();
  }
  const after = (await client.get(`/Groups/${group.id}`).expect(200)).body;
  expect(after.members.map((m: { value: string }) => m.value)).toEqual([ids[0]]);
  expect(after.meta.version).toBe(`W/"${version + 2}"`);
});

it('a transaction holding the group for an If-Match check holds plain membership changes off until it ends; a stale ETag is refused', async () => {
  const { org, client, ids, group, version } = await setUp('im', 2);
  const url = `/Groups/${group.id}`;
  const other = await t.ctx.handle.pool.connect();
  let settled = false;
  try {
    await other.query('begin');
    await other.query('select 1 from group_keys where org_id = $1 and id = $2 for update', [org.orgId, group.id]); // as findGroup(forUpdate) does
    const patching = client.patch(url, patch({ op: 'add', path: 'members', value: [{ value: ids[0] }] })).then((r) => { settled = true; return r; });
    await someoneWaits(t.ctx.handle.pool);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    await other.query('commit');
    expect((await patching).status).toBe(204);
  } finally {
    await other.query('rollback').catch(() => {});
    other.release();
  }
  const seen = (await client.get(url).expect(200)).headers.etag;
  expect(seen).toBe(`W/"${version + 1}"`);
  const changed = await client.patch(url, patch({ op: 'remove', path: `members[value eq "${ids[0]}"]` })).expect(204);
  expect(changed.headers.etag).toBe(`W/"${version + 2}"`);
  // The ETag read before the plain change is stale now: refused, nothing written.
  await client.patch(url, patch({ op: 'add', path: 'members', value: [{ value: ids[1] }] })).set('If-Match', String(seen)).expect(412);
  const done = await client.patch(url, patch({ op: 'add', path: 'members', value: [{ value: ids[1] }] })).set('If-Match', String(changed.headers.etag)).expect(204);
  expect(done.headers.etag).toBe(`W/"${version + 3}"`);
  expect((await client.get(url).expect(200)).body.members.map((m: { value: string }) => m.value)).toEqual([ids[1]]);
});

it('a group inserted by any path has its key; deleting the group deletes its key and its memberships', async () => {
  const { org, client, ids } = await setUp('gk', 1);
  const direct = (await t.ctx.handle.pool.query(
    "insert into groups (org_id, display_name, external_id, attributes) values ($1, 'direct', null, '{}') returning id", [org.orgId])).rows[0].id as string;
  await client.patch(`/Groups/${direct}`, patch({ op: 'add', path: 'members', value: [{ value: ids[0] }] })).expect(204);
  const count = async (table: string, column: string) => Number((await t.ctx.handle.pool.query(
    `select count(*)::int as n from ${table} where org_id = $1 and ${column} = $2`, [org.orgId, direct])).rows[0].n);
  expect([await count('group_keys', 'id'), await count('group_members', 'group_id')]).toEqual([1, 1]);
  await client.delete(`/Groups/${direct}`).expect(204);
  expect([await count('group_keys', 'id'), await count('group_members', 'group_id')]).toEqual([0, 0]);
  expect((await client.get(`/Users/${ids[0]}`).expect(200)).body.groups ?? []).toEqual([]);
});

it.each([
  ['ended', "status = 'ended'"],
  ['past its last term, not renewing', "term_start = date '2020-01-01', term_end = date '2021-01-01', auto_renew = false"],
])('a plain membership PATCH of an organization %s is refused as before, and writes nothing', async (_name, change) => {
  const { org, client, ids, group } = await setUp(`oe${_name.length}`, 1);
  await t.ctx.handle.pool.query(`update organizations set ${change} where id = $1`, [org.orgId]);
  const refused = await client.patch(`/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: ids[0] }] })).expect(403);
  expect(refused.body.detail).toContain('subscription has ended');
  const same = (await t.ctx.handle.pool.query('select version, (select count(*)::int from group_members where org_id = $1 and group_id = $2) as n from groups where org_id = $1 and id = $2', [org.orgId, group.id])).rows[0];
  expect(same).toEqual({ version: group.meta.version.match(/\d+/)[0] * 1, n: 0 });
});

it('a membership change beside another change of the group in flight commits without holding the version row through its flush, and is durable before its 204 (decision 0030)', async () => {
  const { org, client, ids, group, version } = await setUp('ac', 2);
  const url = `/Groups/${group.id}`;
  const pool = t.ctx.handle.pool;
  // Every statement the app's pool runs from here on (observed, not changed).
  const texts: string[] = [];
  const observe = (pgClient: { query: (...args: unknown[]) => unknown; observed?: boolean }) => {
    if (pgClient.observed) return;
    const query = pgClient.query.bind(pgClient);
    pgClient.query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string };
      texts.push(typeof first === 'string' ? first : first?.text ?? '');
      return query(...args);
    };
    pgClient.observed = true;
  };
  pool.on('acquire', observe);
  const other = await pool.connect();
  try {
    // Hold both changes at their first lock, so that they are in flight together.
    await other.query('begin');
    await other.query('select 1 from group_keys where org_id = $1 and id = $2 for update', [org.orgId, group.id]);
    const first = client.patch(url, patch({ op: 'add', path: 'members', value: [{ value: ids[0] }] })).then((r) => r);
    await someoneWaits(t.ctx.handle.pool);
    const second = client.patch(url, patch({ op: 'add', path: 'members', value: [{ value: ids[1] }] })).then((r) => r);
    await someoneWaits(pool, 2);
    await other.query('commit');
    const answers = await Promise.all([first, second]);
    expect(answers.map((r) => r.status)).toEqual([204, 204]);
    expect(answers.map((r) => r.headers.etag).sort()).toEqual([`W/"${version + 1}"`, `W/"${version + 2}"`]);
  } finally {
    await other.query('rollback').catch(() => {});
    other.release();
    pool.off('acquire', observe);
  }
  // The change that found the other in flight committed asynchronously and then forced the WAL
  // flush (with the session's own synchronous_commit) before answering; the first did not need to.
  const changes = texts.filter((text) => text.includes('insert into group_members'));
  expect(changes).toHaveLength(2);
  expect(texts.filter((text) => text.includes('pg_logical_emit_message'))).toHaveLength(1);
  // `synchronous_commit = off` was the transaction's own: no pooled connection kept it as its
  // session's setting (the test server runs with it off anyway, so the source is what tells).
  const held = await Promise.all(Array.from({ length: 3 }, () => pool.connect()));
  try {
    for (const c of held) expect((await c.query("select source from pg_settings where name = 'synchronous_commit'")).rows[0].source).not.toBe('session');
  } finally {
    for (const c of held) c.release();
  }
  expect((await client.get(url).expect(200)).body.members.map((m: { value: string }) => m.value).sort()).toEqual([ids[0], ids[1]].sort());
});
