// A real seatgate HTTP server on 127.0.0.1 (in-process, on the suite's database) and an EMPTY
// organization for a conformance run.
//
// Why "empty" needs work: createOrganization() always creates the primary owner, and the owner is
// a member — i.e. a SCIM User of the organization. The Microsoft collection assumes otherwise:
// it asserts exact `totalResults` (it expects 2, then 5 users it created itself, and
// `Resources: []` at the end), and so do the golden scenarios. (Okta's test wants that owner:
// it runs on an organization fresh from `org create`.) So, after creating the organization, the
// owner is removed in one transaction: its seat is released (the counter must keep matching the
// members holding seats), its admin credential is deleted (credentials reference members), then
// the member row. The SCIM token belongs to the organization, not to the owner, and keeps
// working. Nothing else in the organization refers to the owner. Only test code does this; the
// product never deletes a primary owner.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { releaseSeat } from '../../src/storage/seats.js';
import { createOrganization } from '../../src/services/organizations.js';
import type { OrgSettings } from '../../src/domain/organization.js';
import { openTestApp, type TestApp } from '../support/http.js';
import type { TestContext } from '../support/context.js';

export interface EmptyOrganization {
  orgId: string;
  scimToken: string;
}

let counter = 0;

export interface EmptyOrganizationOptions {
  /** Team plan seats; default 25 premium + 25 standard, so that the gate never refuses. */
  seats?: Record<string, number>;
  settings?: Partial<OrgSettings>;
}

/** A new organization on the team plan with no member at all (see the header). */
export async function createEmptyOrganization(
  ctx: TestContext, purpose: string, options: EmptyOrganizationOptions = {},
): Promise<EmptyOrganization> {
  counter += 1;
  const created = await createOrganization(ctx, {
    name: `${purpose} ${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    plan: 'team',
    seats: options.seats ?? { premium: 25, standard: 25 },
    prices: { premium: 3000, standard: 2000 },
    settings: options.settings,
  });
  await ctx.db.transaction().execute(async (trx) => {
    const owner = await trx.selectFrom('members').select(['seat_state', 'seat_type'])
      .where('org_id', '=', created.orgId).where('id', '=', created.ownerId).forUpdate().executeTakeFirstOrThrow();
    if (owner.seat_state === 'assigned' && owner.seat_type) await releaseSeat(trx, created.orgId, owner.seat_type);
    await trx.deleteFrom('credentials').where('org_id', '=', created.orgId).where('member_id', '=', created.ownerId).execute();
    await trx.deleteFrom('members').where('org_id', '=', created.orgId).where('id', '=', created.ownerId).execute();
  });
  return { orgId: created.orgId, scimToken: created.scimToken };
}

export interface ConformanceServer {
  t: TestApp;
  server: Server;
  port: number;
  /** e.g. http://127.0.0.1:41234/scim/v2 */
  scimBaseUrl: string;
  close(): Promise<void>;
}

/** The app of test/support/http.ts, listening on an ephemeral port of 127.0.0.1. */
export async function startConformanceServer(): Promise<ConformanceServer> {
  const t = openTestApp();
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = t.app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    t, server, port,
    scimBaseUrl: `http://127.0.0.1:${port}/scim/v2`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
    },
  };
}
