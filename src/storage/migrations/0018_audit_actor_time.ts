// Indexes for the audit log's filters by actor and time (issue 12) on large organizations.
// GET /admin/v1/audit reads `where org_id = … and actor ->> 'memberId' = … order by id desc
// limit n`: with (org_id, actor member, id) that is a backward index scan that stops after n
// rows instead of walking every event of the organization; likewise for the credential. A time
// range (`at >= from and at < to`) reads only the range through (org_id, at).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`create index if not exists audit_events_by_actor_member on audit_events (org_id, (actor ->> 'memberId'), id)`).execute(db);
  await sql.raw(`create index if not exists audit_events_by_actor_credential on audit_events (org_id, (actor ->> 'credentialId'), id)`).execute(db);
  await sql.raw('create index if not exists audit_events_by_time on audit_events (org_id, at)').execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop index if exists audit_events_by_actor_member').execute(db);
  await sql.raw('drop index if exists audit_events_by_actor_credential').execute(db);
  await sql.raw('drop index if exists audit_events_by_time').execute(db);
}
