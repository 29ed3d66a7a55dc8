// Reading the audit trail: newest first, keyset-paged by the internal event id. Callers see and
// page by the random public id only (the internal one is a sequence shared by all organizations).
import { sql } from 'kysely';
import type { Db } from './database.js';

export interface AuditFilter {
  actionPrefix?: string;
  memberId?: string;
  /** Who did it: the actor's type, the member it acted as, the credential it used. */
  actorType?: string;
  actorMemberId?: string;
  actorCredentialId?: string;
  /** At or after `from`, strictly before `to`. */
  from?: Date;
  to?: Date;
  /** Keyset: events older than the event with this public id (of the same organization). */
  beforePublicId?: string;
  limit: number;
}

/** `%`, `_` and `\` are literal in a prefix typed by an admin. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function listAuditEvents(db: Db, orgId: string, filter: AuditFilter) {
  let query = db.selectFrom('audit_events')
    .select(['public_id', 'at', 'actor', 'action', 'subject_type', 'subject_id', 'before', 'after', 'reason'])
    .where('org_id', '=', orgId);
  if (filter.actionPrefix) query = query.where('action', 'like', likePrefix(filter.actionPrefix));
  if (filter.memberId) query = query.where('subject_type', '=', 'member').where('subject_id', '=', filter.memberId);
  // The same expressions as the indexes of migration 0018.
  if (filter.actorType) query = query.where(sql<string>`actor ->> 'type'`, '=', filter.actorType);
  if (filter.actorMemberId) query = query.where(sql<string>`actor ->> 'memberId'`, '=', filter.actorMemberId);
  if (filter.actorCredentialId) query = query.where(sql<string>`actor ->> 'credentialId'`, '=', filter.actorCredentialId);
  if (filter.from) query = query.where('at', '>=', filter.from);
  if (filter.to) query = query.where('at', '<', filter.to);
  if (filter.beforePublicId !== undefined) {
    const publicId = filter.beforePublicId;
    query = query.where('id', '<', (eb) => eb.selectFrom('audit_events').select('id')
      .where('org_id', '=', orgId).where('public_id', '=', publicId));
  }
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}

/** Whether the organization has an event with this public id (a cursor names one). */
export async function auditEventExists(db: Db, orgId: string, publicId: string): Promise<boolean> {
  const row = await db.selectFrom('audit_events').select('public_id')
    .where('org_id', '=', orgId).where('public_id', '=', publicId).executeTakeFirst();
  return row !== undefined;
}

/**
 * Events of one action in the last `windowSeconds` (database clock, the one that stamps them),
 * and in how many seconds the oldest of them leaves the window: a rate bound that holds across
 * server processes.
 */
export async function recentActionCount(db: Db, orgId: string, action: string, windowSeconds: number) {
  const { rows } = await sql<{ n: number; frees_in: number | null }>`
    select count(*)::int as n,
           ceil(extract(epoch from (min(at) + make_interval(secs => ${windowSeconds}) - now())))::int as frees_in
      from audit_events
     where org_id = ${orgId} and action = ${action} and at > now() - make_interval(secs => ${windowSeconds})`.execute(db);
  return { count: rows[0]?.n ?? 0, freesInSeconds: Math.max(1, rows[0]?.frees_in ?? 1) };
}

/** Which refusals to count: those of the last `days` days, or since a date (a term's start). */
export type RefusalWindow = { days: number } | { sinceDate: string };

/**
 * Refusals recorded by the gate in a window (database clock, the one that stamped them): the
 * total and per exhausted seat type (a refusal naming two types counts for both). The one count
 * of blocked attempts behind GET /seats and GET /seats/utilization.
 */
export async function refusalCounts(db: Db, orgId: string, window: RefusalWindow) {
  const since = 'days' in window ? sql<Date>`now() - make_interval(days => ${window.days})` : sql<Date>`${window.sinceDate}::date`;
  const total = await db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId).where('action', '=', 'seat.refused').where('at', '>=', since)
    .executeTakeFirstOrThrow();
  const byType = await sql<{ seat_type: string; n: number }>`
    select t.seat_type, count(*)::int as n
    from audit_events e
    cross join lateral jsonb_array_elements_text(
      case when jsonb_typeof(e.reason -> 'exhausted') = 'array' then e.reason -> 'exhausted' else '[]'::jsonb end
    ) as t(seat_type)
    where e.org_id = ${orgId} and e.action = 'seat.refused' and e.at >= ${since}
    group by t.seat_type`.execute(db);
  return {
    total: Number(total.n),
    bySeatType: Object.fromEntries(byType.rows.map((row) => [row.seat_type, Number(row.n)])) as Record<string, number>,
  };
}
