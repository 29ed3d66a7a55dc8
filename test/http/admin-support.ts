// Helpers of the admin API tests: tokens of a given role, and authenticated requests.
import request from 'supertest';
import { createCredential } from '../../src/services/access/credentials.js';
import type { TestApp } from '../support/http.js';
import { addMember } from '../support/gate.js';
import type { TestContext } from '../support/context.js';

/**
 * An admin token acting as a new member of `role`, active (a deactivated member's token does
 * not authenticate) but seatless, as an admin leaves a member: it takes no seat of the tests'.
 */
export async function tokenWithRole(ctx: TestContext, orgId: string, role: 'admin' | 'owner'): Promise<{ memberId: string; token: string }> {
  const created = await addMember(ctx, orgId, {}, false);
  if (!created.ok) throw new Error('unexpected refusal');
  await ctx.db.updateTable('members').set({ role, active: true, seat_state: 'unassigned', unassigned_by_admin: true })
    .where('org_id', '=', orgId).where('id', '=', created.memberId).execute();
  const { token } = await createCredential(ctx, { orgId, kind: 'admin', memberId: created.memberId });
  return { memberId: created.memberId, token };
}

/** Authenticated request builders for one token. */
export function as(t: TestApp, token: string) {
  const bearer = `Bearer ${token}`;
  const withBody = (req: request.Test, body: unknown) => (body === undefined ? req : req.send(body as object));
  return {
    get: (path: string) => request(t.app).get(`/admin/v1${path}`).set('Authorization', bearer),
    put: (path: string, body?: unknown) => withBody(request(t.app).put(`/admin/v1${path}`).set('Authorization', bearer), body),
    post: (path: string, body?: unknown) => withBody(request(t.app).post(`/admin/v1${path}`).set('Authorization', bearer), body),
    patch: (path: string, body?: unknown) => withBody(request(t.app).patch(`/admin/v1${path}`).set('Authorization', bearer), body),
    delete: (path: string) => request(t.app).delete(`/admin/v1${path}`).set('Authorization', bearer),
  };
}
