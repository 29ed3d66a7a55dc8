// The organization's IdP groups as admins pick them (group mappings): a search by display name
// or id, with member counts. Scoped by the organization id.
import { sql } from 'kysely';
import type { Db } from './database.js';

export async function searchGroups(db: Db, orgId: string, q: string | undefined, limit: number) {
  let query = db.selectFrom('groups as g')
    .select(['g.id', 'g.external_id', 'g.display_name'])
    .select(sql<number>`(select count(*) from group_members x where x.org_id = g.org_id and x.group_id = g.id)`.as('member_count'))
    .where('g.org_id', '=', orgId);
  if (q) {
    const needle = q.toLowerCase();
    const like = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([
      eb(sql`lower(g.display_name)`, 'like', like),
      eb(sql`lower(g.external_id)`, '=', needle),
      eb(sql`g.id::text`, '=', needle),
    ]));
  }
  return query.orderBy(sql`lower(g.display_name)`).orderBy('g.id').limit(limit).execute();
}
