// Members: list, read (with why they hold their seat), assign a seat type or `unassigned`, change
// a role, remove from the organization.
import { Router } from 'express';
import { z } from 'zod';
import { ROLES, SEAT_STATES } from '../../../domain/organization.js';
import type { ServiceContext } from '../../../services/context.js';
import { assignSeat, getMember, listMembers } from '../../../services/seats/admin-members.js';
import { changeRole } from '../../../services/access/roles.js';
import { removeMember } from '../../../services/access/removal.js';
import { principalOf } from '../auth.js';
import { sendRefusal } from './errors.js';
import { adminActor, handle, requireRole } from './middleware.js';
import { parseInput } from './validation.js';

const listQuery = z.object({
  seatState: z.enum(SEAT_STATES).optional(),
  seatType: z.string().min(1).max(64).optional(),
  role: z.enum(ROLES).optional(),
  source: z.enum(['scim', 'jit', 'admin']).optional(),
  q: z.string().trim().max(200).optional().transform((value) => value || undefined),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(2048).optional(),
}).strict();

const seatBody = z.object({
  seatType: z.string().min(1).max(64),
}).strict();

const roleBody = z.object({
  role: z.enum(['owner', 'admin', 'member'], {
    message: 'role must be owner, admin or member (the primary owner changes only by POST /organization/transfer-ownership)',
  }),
}).strict();

export function memberRoutes(ctx: ServiceContext): Router {
  const router = Router();
  router.get('/members', requireRole('admin'), handle(async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    res.json(await listMembers(ctx, principalOf(res).orgId, query));
  }));

  router.get('/members/:id', requireRole('admin'), handle(async (req, res) => {
    res.json(await getMember(ctx, principalOf(res).orgId, String(req.params.id)));
  }));

  router.put('/members/:id/seat', requireRole('admin'), handle(async (req, res) => {
    const body = parseInput(seatBody, req.body, 'body');
    const principal = principalOf(res);
    const result = await assignSeat(ctx, principal.orgId, String(req.params.id), body.seatType, adminActor(principal));
    if (result.ok) return void res.json(result.member);
    sendRefusal(res, result);
  }));

  router.put('/members/:id/role', requireRole('admin'), handle(async (req, res) => {
    const body = parseInput(roleBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await changeRole(ctx, principal.orgId, String(req.params.id), body.role, adminActor(principal)));
  }));

  router.delete('/members/:id', requireRole('admin'), handle(async (req, res) => {
    const principal = principalOf(res);
    await removeMember(ctx, principal.orgId, String(req.params.id), adminActor(principal));
    res.status(204).end();
  }));
  return router;
}
