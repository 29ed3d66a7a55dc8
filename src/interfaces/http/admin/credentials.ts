// The identity provider's credentials: SCIM tokens and JIT hook secrets (secrets shown once).
import { Router } from 'express';
import { z } from 'zod';
import type { ServiceContext } from '../../../services/context.js';
import {
  createIdpCredential, IDP_CREDENTIAL_KINDS, listIdpCredentials, revokeIdpCredential, rotateIdpCredential,
} from '../../../services/access/idp-credentials.js';
import { principalOf } from '../auth.js';
import { adminActor, handle, requireRole } from './middleware.js';
import { parseInput } from './validation.js';

const createBody = z.object({
  kind: z.enum(IDP_CREDENTIAL_KINDS),
  label: z.string().trim().max(200).default(''),
}).strict();

export function credentialRoutes(ctx: ServiceContext): Router {
  const router = Router();
  const admin = requireRole('admin');
  router.get('/credentials', admin, handle(async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await listIdpCredentials(ctx, principalOf(res).orgId));
  }));
  router.post('/credentials', admin, handle(async (req, res) => {
    const body = parseInput(createBody, req.body, 'body');
    const principal = principalOf(res);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(await createIdpCredential(ctx, principal.orgId, body.kind, body.label, adminActor(principal)));
  }));
  router.post('/credentials/:id/rotate', admin, handle(async (req, res) => {
    const principal = principalOf(res);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(await rotateIdpCredential(ctx, principal.orgId, String(req.params.id), adminActor(principal)));
  }));
  router.delete('/credentials/:id', admin, handle(async (req, res) => {
    const principal = principalOf(res);
    await revokeIdpCredential(ctx, principal.orgId, String(req.params.id), adminActor(principal));
    res.status(204).end();
  }));
  return router;
}
