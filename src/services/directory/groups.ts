// The IdP groups an admin maps to seat types: found by name, shown with the id a mapping needs
// (externalId when the IdP sent one — Okta's group id, Entra's object id — else the SCIM id).
import { searchGroups } from '../../storage/group-queries.js';
import type { ServiceContext } from '../context.js';

export async function listGroupsForMapping(ctx: ServiceContext, orgId: string, input: { q?: string; limit: number }) {
  const rows = await searchGroups(ctx.db, orgId, input.q, input.limit);
  return {
    groups: rows.map((row) => ({
      id: row.id, externalId: row.external_id, displayName: row.display_name,
      mappingKey: row.external_id ?? row.id, memberCount: Number(row.member_count),
    })),
  };
}
