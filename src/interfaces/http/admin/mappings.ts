// Group mappings: CRUD (each save re-evaluates the affected members) and a dry run.
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { ServiceContext } from '../../../services/context.js';
import {
  dryRunMappingChange, getGroupMapping, listGroupMappings, saveMappingChange, type MappingChange,
} from '../../../services/seats/mappings.js';
import { principalOf } from '../auth.js';
import { adminActor, handle, requireRole } from './middleware.js';
import { parseInput } from './validation.js';

// The IdP group's stable id (SCIM Group id or externalId, or the id a JIT login carries),
// never a display name.
const idpGroupId = z.string().trim().min(1).max(512);
const seatType = z.string().min(1).max(64);
// A mapping grants `admin` at most: owners are appointed by owners, never by IdP group membership.
const role = z.enum(['admin', 'member'], { message: 'a mapping grants the role admin or member (never owner)' }).nullable();

const createBody = z.object({
  idpGroupId, seatType, allowFallback: z.boolean().default(false), role: role.default(null),
}).strict();

const updateBody = z.object({
  idpGroupId: idpGroupId.optional(), seatType: seatType.optional(), allowFallback: z.boolean().optional(), role: role.optional(),
}).strict().refine((body) => Object.keys(body).length > 0, { message: 'send at least one of idpGroupId, seatType, allowFallback, role' });

const dryRunBody = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), mapping: createBody }).strict(),
  z.object({ op: z.literal('update'), id: z.string().min(1), mapping: updateBody }).strict(),
  z.object({ op: z.literal('delete'), id: z.string().min(1) }).strict(),
]);

export function mappingRoutes(ctx: ServiceContext): Router {
  const router = Router();
  const save = (res: Response, change: MappingChange) => {
    const principal = principalOf(res);
    return saveMappingChange(ctx, principal.orgId, change, adminActor(principal));
  };

  router.get('/group-mappings', requireRole('admin'), handle(async (_req, res) => {
    res.json({ mappings: await listGroupMappings(ctx, principalOf(res).orgId) });
  }));

  // Before /group-mappings/:id, so that "dry-run" is never taken for an id.
  router.post('/group-mappings/dry-run', requireRole('admin'), handle(async (req, res) => {
    const change = parseInput(dryRunBody, req.body, 'body');
    const principal = principalOf(res);
    res.json(await dryRunMappingChange(ctx, principal.orgId, change, adminActor(principal)));
  }));

  router.post('/group-mappings', requireRole('admin'), handle(async (req, res) => {
    const mapping = parseInput(createBody, req.body, 'body');
    res.status(201).json(await save(res, { op: 'create', mapping }));
  }));

  router.get('/group-mappings/:id', requireRole('admin'), handle(async (req, res) => {
    res.json(await getGroupMapping(ctx, principalOf(res).orgId, String(req.params.id)));
  }));

  router.patch('/group-mappings/:id', requireRole('admin'), handle(async (req, res) => {
    const mapping = parseInput(updateBody, req.body, 'body');
    res.json(await save(res, { op: 'update', id: String(req.params.id), mapping }));
  }));

  router.delete('/group-mappings/:id', requireRole('admin'), handle(async (req, res) => {
    res.json(await save(res, { op: 'delete', id: String(req.params.id) }));
  }));
  return router;
}
