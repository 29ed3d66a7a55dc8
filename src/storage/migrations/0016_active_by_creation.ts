// `filter=active eq true` (and `false`) pages with their exact totalResults, from one index
// (decision 0016). members_by_creation (org_id, created_at, id) ordered the page but left
// `active` in the heap: a page at startIndex K read K heap rows to skip the inactive ones, and
// the count read every row of the organization. With `active` second, the count is an index-only
// scan of the matching entries and the page skips its offset in the index alone; only the 100
// rows of the page are read from the heap. Not partial (`where active`): a named prepared
// statement's generic plan compares `active = $n`, which a partial index cannot serve.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw('create index if not exists members_active_by_creation on members (org_id, active, created_at, id)').execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop index if exists members_active_by_creation').execute(db);
}
