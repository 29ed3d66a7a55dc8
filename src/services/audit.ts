// The audit trail as admins read it: newest first, filtered by action prefix, member, actor and time.
import { invalidInput, notFound } from '../domain/errors.js';
import { isUuid } from '../domain/ids.js';
import { auditEventExists, listAuditEvents } from '../storage/audit-queries.js';
import { findOrganization } from '../storage/organizations.js';
import type { ServiceContext } from './context.js';

export interface AuditQuery {
  actionPrefix?: string;
  memberId?: string;
  actorType?: string;
  actorMemberId?: string;
  actorCredentialId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

export async function listAudit(ctx: ServiceContext, orgId: string, query: AuditQuery) {
  if (!isUuid(orgId) || !(await findOrganization(ctx.db, orgId))) throw notFound(`no organization ${orgId}`);
  // A cursor is the public id of the last event of the previous page; ids are random, so they
  // say nothing about other organizations' activity.
  if (query.cursor !== undefined && !(isUuid(query.cursor) && (await auditEventExists(ctx.db, orgId, query.cursor)))) {
    throw invalidInput('cursor is not a cursor returned by this endpoint', { field: 'cursor' });
  }
  const rows = await listAuditEvents(ctx.db, orgId, {
    actionPrefix: query.actionPrefix, memberId: query.memberId, actorType: query.actorType, actorMemberId: query.actorMemberId,
    actorCredentialId: query.actorCredentialId, from: query.from, to: query.to, beforePublicId: query.cursor, limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    events: page.map((row) => ({
      id: row.public_id,
      at: row.at.toISOString(),
      actor: row.actor,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      before: row.before,
      after: row.after,
      reason: row.reason,
    })),
    nextCursor: rows.length > query.limit && last ? last.public_id : null,
  };
}
