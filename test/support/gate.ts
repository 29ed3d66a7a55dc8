// Building blocks for seat-gate tests: members, groups and mappings written straight to storage.
import { createMember, type CreateMemberResult } from '../../src/services/seats/members.js';
import type { TestContext } from './context.js';

export const scimActor = { type: 'scim' as const, credentialId: '00000000-0000-0000-0000-000000000001' };

let n = 0;
/** What a member carries that the gate reads: JIT group ids and Entra app roles. */
export interface MemberHints { idpGroupIds?: string[]; roles?: string[] }

export async function addMember(ctx: TestContext, orgId: string, hints: MemberHints = {}, active = true): Promise<CreateMemberResult> {
  n += 1;
  return createMember(ctx, orgId, {
    userName: `user${n}-${Math.random().toString(36).slice(2, 7)}@example.test`, externalId: null, active,
    attributes: hints.roles ? { roles: hints.roles.map((value) => ({ value })) } : {},
    source: hints.idpGroupIds ? 'jit' : 'scim', idpGroupIds: hints.idpGroupIds,
  }, 'scim_create', scimActor);
}

export async function seatedMember(ctx: TestContext, orgId: string, hints: MemberHints = {}): Promise<string> {
  const result = await addMember(ctx, orgId, hints);
  if (!result.ok) throw new Error(`expected a seat: ${result.admission.message}`);
  return result.memberId;
}

export async function memberRow(ctx: TestContext, orgId: string, memberId: string) {
  return ctx.db.selectFrom('members').selectAll().where('org_id', '=', orgId).where('id', '=', memberId).executeTakeFirstOrThrow();
}

export async function seats(ctx: TestContext, orgId: string): Promise<Record<string, { allocated: number; assigned: number }>> {
  const rows = await ctx.db.selectFrom('seat_allocations').selectAll().where('org_id', '=', orgId).execute();
  return Object.fromEntries(rows.map((r) => [r.seat_type, { allocated: r.allocated, assigned: r.assigned }]));
}

/** The counter must always equal the members actually holding seats. */
export async function expectCounterConsistent(ctx: TestContext, orgId: string): Promise<void> {
  const counted = await ctx.db.selectFrom('members').select(['seat_type']).select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId).where('seat_state', '=', 'assigned').groupBy('seat_type').execute();
  const bySeat = Object.fromEntries(counted.map((r) => [r.seat_type, Number(r.n)]));
  for (const [seatType, { allocated, assigned }] of Object.entries(await seats(ctx, orgId))) {
    expect({ seatType, assigned }).toEqual({ seatType, assigned: bySeat[seatType] ?? 0 });
    expect(assigned).toBeLessThanOrEqual(allocated);
  }
  // The striped counter (decision 0036): K = 16 stripes per allocation whose shares add up to it.
  const stripes = await ctx.db.selectFrom('seat_stripes as s').innerJoin('seat_allocations as a', (j) => j.onRef('a.org_id', '=', 's.org_id').onRef('a.seat_type', '=', 's.seat_type'))
    .select(['s.seat_type', 'a.allocated as total']).select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('s.allocated').as('allocated'),
      eb.fn.min<number>('s.assigned').as('least')])
    .where('s.org_id', '=', orgId).groupBy(['s.seat_type', 'a.allocated']).execute();
  for (const row of stripes) {
    expect({ seatType: row.seat_type, n: Number(row.n), allocated: Number(row.allocated) }).toEqual({ seatType: row.seat_type, n: 16, allocated: row.total });
    expect(Number(row.least)).toBeGreaterThanOrEqual(0);
  }
}

export async function addGroup(ctx: TestContext, orgId: string, externalId: string | null = null): Promise<string> {
  const row = await ctx.db.insertInto('groups').values({
    org_id: orgId, display_name: `group-${Math.random().toString(36).slice(2, 9)}`, external_id: externalId, attributes: '{}',
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function joinGroup(ctx: TestContext, orgId: string, groupId: string, memberId: string): Promise<void> {
  await ctx.db.insertInto('group_members').values({ org_id: orgId, group_id: groupId, member_id: memberId }).execute();
}

export async function addMapping(ctx: TestContext, orgId: string, idpGroupId: string, seatType: string, allowFallback = false): Promise<string> {
  const row = await ctx.db.insertInto('group_mappings').values({
    org_id: orgId, idp_group_id: idpGroupId, seat_type: seatType, allow_fallback: allowFallback, role: null,
  }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function auditActions(ctx: TestContext, orgId: string, action: string): Promise<number> {
  const row = await ctx.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId).where('action', '=', action).executeTakeFirstOrThrow();
  return Number(row.n);
}
