// The audit trail as admins read it: newest first, filtered by action prefix and member.
import { invalidInput, notFound } from '../domain/errors.js';
import { isUuid } from '../domain/ids.js';
import { listAuditEvents } from '../storage/audit-queries.js';
import { findOrganization } from '../storage/organizations.js';
import type { ServiceContext } from './context.js';

export interface AuditQuery {
  actionPrefix?: string;
  memberId?: string;
  limit: number;
  cursor?: string;
}

export async function listAudit(ctx: ServiceContext, orgId: string, query: AuditQuery) {
  if (!isUuid(orgId) || !(await findOrganization(ctx.db, orgId))) throw notFound(`no organization ${orgId}`);
  let beforeId: string | undefined;
  if (query.cursor !== undefined) {
    if (!/^[1-9]\d{0,15}$/.test(query.cursor)) throw invalidInput('cursor is not a cursor returned by this endpoint', { field: 'cursor' });
    beforeId = query.cursor;
  }
  const rows = await listAuditEvents(ctx.db, orgId, {
    actionPrefix: query.actionPrefix, memberId: query.memberId, beforeId, limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    events: page.map((row) => ({
      id: String(row.id),
      at: row.at.toISOString(),
      actor: row.actor,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      before: row.before,
      after: row.after,
      reason: row.reason,
    })),
    nextCursor: rows.length > query.limit && last ? String(last.id) : null,
  };
}
