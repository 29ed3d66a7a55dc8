// Stored SCIM attributes nested deeper than the input limit (64 levels, decision 0011) could be
// written before that limit existed. Such a resource could be neither read nor changed — not even
// deactivated: cloning, comparing and serializing it overflows the stack. This migration removes,
// from each such user or group, the top-level attributes that hold the over-deep values (in
// practice a custom extension object), bumping its version, so that every stored resource keeps
// the limit the edge now enforces. Idempotent: it can be run again and finds nothing.
import { sql, type Kysely } from 'kysely';

/** The attributes document is level 1, as the request body it came from; see MAX_JSON_DEPTH. */
const MAX_DEPTH = 64;

const trimTable = (table: 'members' | 'groups') => sql.raw(`
  with recursive walk(org_id, id, key, value, level) as (
    select t.org_id, t.id, e.key, e.value, 2
      from ${table} t cross join lateral jsonb_each(t.attributes) e
     -- a value ${MAX_DEPTH} levels deep needs at least ${MAX_DEPTH} opening brackets: skip the rest cheaply
     where length(t.attributes::text) - length(translate(t.attributes::text, '{[', '')) > ${MAX_DEPTH - 1}
    union all
    select w.org_id, w.id, w.key, c.value, w.level + 1
      from walk w cross join lateral (
        select o.value from jsonb_each(case when jsonb_typeof(w.value) = 'object' then w.value else '{}'::jsonb end) o
        union all
        select a.value from jsonb_array_elements(case when jsonb_typeof(w.value) = 'array' then w.value else '[]'::jsonb end) a
      ) c
     where w.level <= ${MAX_DEPTH} and jsonb_typeof(w.value) in ('object', 'array')
  ), too_deep as (
    select org_id, id, array_agg(distinct key) as keys
      from walk
     where level > ${MAX_DEPTH} and jsonb_typeof(value) in ('object', 'array')
     group by org_id, id
  )
  update ${table} t
     set attributes = t.attributes - too_deep.keys, version = t.version + 1, updated_at = now()
    from too_deep
   where t.org_id = too_deep.org_id and t.id = too_deep.id`);

export async function up(db: Kysely<unknown>): Promise<void> {
  await trimTable('members').execute(db);
  await trimTable('groups').execute(db);
}

export async function down(): Promise<void> {
  // The removed values are not kept: there is nothing to restore.
}
