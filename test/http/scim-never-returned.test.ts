// RFC 7643 §4.1.1 / §7: `password` is writeOnly and returned "never". No form of write may leave
// it in members.attributes, and no read may show it, whichever way it is asked for.
import { newOrganization, openTestApp, type TestApp } from '../support/http.js';
import { scimClient, USER_SCHEMA as USER, patchOp, BULK_REQUEST_SCHEMA as BULK, SEARCH_REQUEST_SCHEMA as SEARCH } from '../support/scim.js';
import { schemasOf } from '../../src/protocol/scim/attributes.js';
import { parseProjection } from '../../src/protocol/scim/projection.js';
import { purgeSecretAttributes } from '../../src/storage/migrations/0008_trust.js';
import type { Kysely } from 'kysely';

let t: TestApp;
const scim = (token: string) => scimClient(t.app, token);

beforeAll(() => { t = openTestApp(); });
afterAll(() => t.close());


async function storedAttributes(orgId: string, id: string): Promise<Record<string, unknown>> {
  const row = await t.ctx.db.selectFrom('members').select('attributes').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirstOrThrow();
  return row.attributes;
}

/** Every way a password could come back: GET, list, filter, .search, attributes=password. */
async function expectNoPasswordAnywhere(token: string, orgId: string, id: string, userName: string): Promise<void> {
  const stored = JSON.stringify(await storedAttributes(orgId, id)).toLowerCase();
  expect(stored).not.toContain('password');
  expect(stored).not.toContain('s3cret');
  const client = scim(token);
  const reads = [
    (await client.get(`/Users/${id}`).expect(200)).body,
    (await client.get(`/Users/${id}?attributes=password`).expect(200)).body,
    (await client.get(`/Users/${id}?attributes=${encodeURIComponent(`${USER}:password`)}`).expect(200)).body,
    (await client.get('/Users').expect(200)).body,
    (await client.get(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&attributes=password,userName`).expect(200)).body,
    (await client.post('/Users/.search', { schemas: [SEARCH], attributes: ['password'], filter: `userName eq "${userName}"` }).expect(200)).body,
    (await client.post('/.search', { schemas: [SEARCH], filter: `userName eq "${userName}"` }).expect(200)).body,
  ];
  for (const body of reads) {
    const text = JSON.stringify(body).toLowerCase();
    expect(text).not.toContain('password');
    expect(text).not.toContain('s3cret');
  }
}

describe('password is never stored and never returned', () => {
  const forms: [string, (id: string) => unknown][] = [
    ['path "password"', () => patchOp({ op: 'replace', path: 'password', value: 's3cret' })],
    ['no-path value with active (Okta reactivation)', () => patchOp({ op: 'replace', value: { active: true, password: 's3cret' } })],
    ['capitalized "Replace"', () => patchOp({ op: 'Replace', path: 'password', value: 's3cret' })],
    ['capitalized "Add" with a no-path value', () => patchOp({ op: 'Add', value: { password: 's3cret' } })],
    ['URN-qualified path', () => patchOp({ op: 'replace', path: `${USER}:password`, value: 's3cret' })],
    ['URN-qualified key in a no-path value', () => patchOp({ op: 'replace', value: { [`${USER}:password`]: 's3cret' } })],
    ['differently cased key', () => patchOp({ op: 'replace', value: { PassWord: 's3cret' } })],
    ['no-path value nested under the core schema URN', () => patchOp({ op: 'replace', value: { [USER]: { password: 's3cret' } } })],
  ];

  it.each(forms)('PATCH with %s', async (_name, body) => {
    const org = await newOrganization(t.ctx);
    const userName = `pw-${Math.random().toString(36).slice(2)}@x.com`;
    const created = await scim(org.scimToken).post('/Users', { schemas: [USER], userName, password: 's3cret' }).expect(201);
    const id = created.body.id as string;
    const patched = await scim(org.scimToken).patch(`/Users/${id}?excludedAttributes=groups`, body(id)).expect(200);
    expect(JSON.stringify(patched.body).toLowerCase()).not.toContain('password');
    await expectNoPasswordAnywhere(org.scimToken, org.orgId, id, userName);
  });

  it('PATCH inside Bulk', async () => {
    const org = await newOrganization(t.ctx);
    const userName = `pw-bulk-${Math.random().toString(36).slice(2)}@x.com`;
    const created = await scim(org.scimToken).post('/Users', { schemas: [USER], userName }).expect(201);
    const id = created.body.id as string;
    const res = await scim(org.scimToken).post('/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'PATCH', path: `/Users/${id}`, data: patchOp({ op: 'replace', value: { active: true, password: 's3cret' } }) },
        { method: 'PATCH', path: `/Users/${id}`, data: patchOp({ op: 'add', path: 'password', value: 's3cret' }) },
      ],
    }).expect(200);
    expect(res.body.Operations.map((op: { status: string }) => op.status)).toEqual(['200', '200']);
    await expectNoPasswordAnywhere(org.scimToken, org.orgId, id, userName);
  });

  it('PUT and POST (also inside Bulk) do not store it either', async () => {
    const org = await newOrganization(t.ctx);
    const userName = `pw-put-${Math.random().toString(36).slice(2)}@x.com`;
    const created = await scim(org.scimToken).post('/Users', { schemas: [USER], userName, password: 's3cret' }).expect(201);
    const id = created.body.id as string;
    await scim(org.scimToken).put(`/Users/${id}`, { schemas: [USER], userName, PASSWORD: 's3cret', [`${USER}:password`]: 's3cret' }).expect(200);
    await expectNoPasswordAnywhere(org.scimToken, org.orgId, id, userName);
    await scim(org.scimToken).put(`/Users/${id}`, { schemas: [USER], userName, [USER]: { password: 's3cret' } }).expect(200);
    await expectNoPasswordAnywhere(org.scimToken, org.orgId, id, userName);
    const bulk = await scim(org.scimToken).post('/Bulk', {
      schemas: [BULK],
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [USER], userName: `b-${userName}`, password: 's3cret' } }],
    }).expect(200);
    const bulkId = String(bulk.body.Operations[0].location).split('/').pop()!;
    await expectNoPasswordAnywhere(org.scimToken, org.orgId, bulkId, `b-${userName}`);
  });

  it('a password already stored (before this fix) is never shown', async () => {
    const org = await newOrganization(t.ctx);
    const userName = `pw-old-${Math.random().toString(36).slice(2)}@x.com`;
    const created = await scim(org.scimToken).post('/Users', { schemas: [USER], userName }).expect(201);
    const id = created.body.id as string;
    await t.ctx.db.updateTable('members').set({ attributes: JSON.stringify({ password: 's3cret' }) })
      .where('org_id', '=', org.orgId).where('id', '=', id).execute();
    for (const path of [`/Users/${id}`, `/Users/${id}?attributes=password`, '/Users']) {
      expect(JSON.stringify((await scim(org.scimToken).get(path).expect(200)).body)).not.toContain('s3cret');
    }
  });
});

describe('migration 0008', () => {
  it('purges passwords already stored, in any spelling, and keeps everything else', async () => {
    const org = await newOrganization(t.ctx);
    const created = await scim(org.scimToken).post('/Users', { schemas: [USER], userName: `pw-mig-${Math.random().toString(36).slice(2)}@x.com`, title: 'CTO' }).expect(201);
    const id = created.body.id as string;
    await t.ctx.db.updateTable('members').set({ attributes: JSON.stringify({ title: 'CTO', password: 'a', Password: 'b', [`${USER}:password`]: 'c' }) })
      .where('org_id', '=', org.orgId).where('id', '=', id).execute();
    await purgeSecretAttributes(t.ctx.db as unknown as Kysely<unknown>);
    expect(await storedAttributes(org.orgId, id)).toEqual({ title: 'CTO' });
  });

  it('a PATCH of nothing but a password is a no-op: no new version', async () => {
    const org = await newOrganization(t.ctx);
    const created = await scim(org.scimToken).post('/Users', { schemas: [USER], userName: `pw-noop-${Math.random().toString(36).slice(2)}@x.com` }).expect(201);
    const res = await scim(org.scimToken).patch(`/Users/${created.body.id}?excludedAttributes=groups`, patchOp({ op: 'replace', path: 'password', value: 'n3w' })).expect(200);
    expect(res.body.meta.version).toBe(created.body.meta.version);
  });
});

describe('projection honours returned: never from the schema definitions', () => {
  it('drops every attribute the catalog declares returned "never", even when asked for', () => {
    const never = schemasOf('User').flatMap((entry) => entry.attributes.filter((a) => a.returned === 'never').map((a) => ({ entry, a })));
    expect(never.map(({ a }) => a.name)).toContain('password'); // the catalog, not a hard-coded name, drives it
    for (const { entry, a } of never) {
      const resource = entry.extension
        ? { id: '1', schemas: [], [entry.schema]: { [a.name]: 'x', other: 'y' } }
        : { id: '1', schemas: [], [a.name]: 'x', userName: 'u' };
      const all = parseProjection('User').apply(resource);
      const asked = parseProjection('User', entry.extension ? `${entry.schema}:${a.name}` : a.name).apply(resource);
      for (const out of [all, asked]) expect(JSON.stringify(out)).not.toContain('"x"');
    }
  });
});
