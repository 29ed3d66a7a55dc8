// The audit trail, newest first: filtered by action, the member it is about, who did it (actor
// type, member, credential) and when (from inclusive, to exclusive), all combined and cursor-paged.
import { Router } from 'express';
import { z } from 'zod';
import { isUuid } from '../../../domain/ids.js';
import type { ServiceContext } from '../../../services/context.js';
import { listAudit } from '../../../services/audit.js';
import { principalOf } from '../auth.js';
import { handle, requireRole } from './middleware.js';
import { parseInput } from './validation.js';

const uuid = z.string().refine(isUuid, 'must be a UUID');
// An instant with its offset (`2026-03-01T10:30:00Z`, `…+02:00`), or a date meaning 00:00 UTC:
// a time without an offset would be read in some unknown zone.
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: 'must be an ISO 8601 date (2026-03-01) or date-time with an offset (2026-03-01T10:30:00Z)',
}).transform((text, ctx) => {
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(at.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'is not a real date' });
    return z.NEVER;
  }
  return at;
});

const auditQuery = z.object({
  action: z.string().min(1).max(100).optional(),
  memberId: z.string().min(1).max(100).optional(),
  actorType: z.enum(['admin', 'scim', 'jit', 'operator', 'system']).optional(),
  actorMemberId: uuid.optional(),
  actorCredentialId: uuid.optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(64).optional(),
}).strict().refine((q) => !(q.from && q.to) || q.from < q.to, { message: 'from must be before to', path: ['from'] });

export function auditRoutes(ctx: ServiceContext): Router {
  const router = Router();
  router.get('/audit', requireRole('admin'), handle(async (req, res) => {
    const query = parseInput(auditQuery, req.query, 'query');
    res.json(await listAudit(ctx, principalOf(res).orgId, {
      actionPrefix: query.action, memberId: query.memberId, actorType: query.actorType, actorMemberId: query.actorMemberId,
      actorCredentialId: query.actorCredentialId, from: query.from, to: query.to, limit: query.limit, cursor: query.cursor,
    }));
  }));
  return router;
}
