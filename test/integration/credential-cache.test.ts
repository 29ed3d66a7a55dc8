// The cache of authenticated SCIM and JIT tokens, against real PostgreSQL: a revocation (by any
// path, here another context as the CLI would be, raw SQL and an organization's deletion) reaches
// the cache through the database's notification, and nothing is served from the cache while its
// listener is not listening.
import { authenticate, createCredential, revokeCredentialById } from '../../src/services/access/credentials.js';
import { CredentialCache } from '../../src/services/access/credential-cache.js';
import { listenForCredentialChanges, type CredentialChangeListener } from '../../src/storage/credential-changes.js';
import { hashToken } from '../../src/domain/credentials.js';
import { createLogger } from '../../src/observability/logger.js';
import type { ServiceContext } from '../../src/services/context.js';
import { openTestContext, type TestContext } from '../support/context.js';
import { newOrganization } from '../support/http.js';

let ctx: TestContext;
let cache: CredentialCache;
let listener: CredentialChangeListener;
let cached: ServiceContext;
const listening = () => new Promise<void>((resolve) => { waitingForListen = resolve; });
let waitingForListen: (() => void) | undefined;

beforeAll(async () => {
  ctx = openTestContext();
  cache = new CredentialCache();
  const ready = listening();
  listener = listenForCredentialChanges(ctx.handle.pool, {
    onListening: () => { cache.onListening(); waitingForListen?.(); },
    onChange: (hash) => cache.onChange(hash),
    onLost: () => cache.onLost(),
  }, createLogger('error', true), 50);
  await ready;
  cached = { ...ctx, credentialCache: cache };
});
afterAll(async () => {
  await listener.stop();
  await ctx.close();
});

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached in 2 s');
}

describe('the cache of authenticated tokens', () => {
  it('serves a SCIM token from memory once read, and forgets it when it is revoked elsewhere', async () => {
    const org = await newOrganization(ctx);
    const principal = await authenticate(cached, 'scim', org.scimToken);
    expect(principal).toMatchObject({ orgId: org.orgId, kind: 'scim' });
    expect(cache.get(hashToken(org.scimToken))).toEqual(principal);

    // Revoked through a context without the cache (another process: the CLI, another server).
    await revokeCredentialById(ctx, org.orgId, principal!.credentialId);
    await until(() => cache.get(hashToken(org.scimToken)) === undefined);
    expect(await authenticate(cached, 'scim', org.scimToken)).toBeUndefined();
  });

  it('forgets tokens revoked by hand-written SQL and those of a deleted organization', async () => {
    const a = await newOrganization(ctx);
    const b = await newOrganization(ctx);
    expect(await authenticate(cached, 'jit', a.jitSecret)).toBeDefined();
    expect(await authenticate(cached, 'scim', b.scimToken)).toBeDefined();
    await ctx.handle.pool.query('update credentials set revoked_at = now() where token_hash = $1', [hashToken(a.jitSecret)]);
    await ctx.handle.pool.query('delete from organizations where id = $1', [b.orgId]);
    await until(() => !cache.get(hashToken(a.jitSecret)) && !cache.get(hashToken(b.scimToken)));
    expect(await authenticate(cached, 'jit', a.jitSecret)).toBeUndefined();
    expect(await authenticate(cached, 'scim', b.scimToken)).toBeUndefined();
  });

  it('never caches admin tokens (they act with their member\'s current role)', async () => {
    const org = await newOrganization(ctx);
    expect(await authenticate(cached, 'admin', org.adminToken)).toBeDefined();
    expect(cache.get(hashToken(org.adminToken))).toBeUndefined();
  });

  it('serves nothing from memory while its listener is not listening, and resumes after reconnecting', async () => {
    const org = await newOrganization(ctx);
    const extra = await createCredential(ctx, { orgId: org.orgId, kind: 'scim' });
    expect(await authenticate(cached, 'scim', extra.token)).toBeDefined();
    expect(cache.get(hashToken(extra.token))).toBeDefined();

    const reconnected = listening();
    await ctx.handle.pool.query(`select pg_terminate_backend(pid) from pg_stat_activity where query = 'listen seatgate_credentials' and pid <> pg_backend_pid()`);
    await until(() => cache.get(hashToken(extra.token)) === undefined); // lost: everything forgotten
    await reconnected;
    expect(await authenticate(cached, 'scim', extra.token)).toBeDefined();
    expect(cache.get(hashToken(extra.token))).toBeDefined();
  });
});

describe('CredentialCache', () => {
  const principal = { orgId: 'o', credentialId: 'c', kind: 'scim' as const, memberId: null, role: null };

  it('keeps nothing before it listens', () => {
    const fresh = new CredentialCache();
    fresh.set('h', principal, fresh.mark());
    expect(fresh.get('h')).toBeUndefined();
  });

  it('does not keep a read that overlapped a change (the change may have come after the read)', () => {
    const fresh = new CredentialCache();
    fresh.onListening();
    const mark = fresh.mark();
    fresh.onChange('other token');
    fresh.set('h', principal, mark);
    expect(fresh.get('h')).toBeUndefined();
    fresh.set('h', principal, fresh.mark());
    expect(fresh.get('h')).toEqual(principal);
  });

  it('expires entries after its time to live', async () => {
    const fresh = new CredentialCache(20);
    fresh.onListening();
    fresh.set('h', principal, fresh.mark());
    expect(fresh.get('h')).toEqual(principal);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fresh.get('h')).toBeUndefined();
  });
});
