// GET /openapi.json: the admin API described as OpenAPI 3.1, written by hand next to the routes
// (test/http/admin-openapi.test.ts checks that every mounted route is described here).
import { Router } from 'express';
import { handle, requireRole } from './middleware.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [String(status), { $ref: `#/components/responses/E${status}` }]));
const idParam = (what: string) => ({ name: 'id', in: 'path', required: true, description: `${what} id (UUID)`, schema: { type: 'string', format: 'uuid' } });
const nullable = (type: string) => ({ type: [type, 'null'] });

const seatPosition = { type: 'object', properties: { seatState: { type: 'string' }, seatType: nullable('string') } };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'seatgate admin API',
    version: '1.0.0',
    description: 'Administration of one organization: seats, members, group mappings, settings and the audit trail. '
      + 'Authenticate with an admin bearer token (`sgadm_…`) in the Authorization header only (a token in the URL or body is a 400); '
      + 'the token acts with its member\'s current role, and only while that member is active. '
      + 'Every endpoint needs the admin role or higher; billing endpoints need an owner. Errors are `{ "error": { "code", "message", "details"? } }`; '
      + 'over the per-token rate limit, 429 `rate_limited` with `Retry-After`; while the database is out of reach (failover), 503 `unavailable` with `Retry-After`. '
      + 'The console (/console) calls this same API with its session cookie instead of the bearer (sign-in at `POST /console/api/session` with `{"token"}`, or once with `{"link"}`, the first start\'s sign-in link); '
      + 'writes through a session need its `X-CSRF-Token` header, and an ended session answers 401 `session_ended` (decision 0007).',
  },
  servers: [{ url: '/admin/v1' }],
  security: [{ adminToken: [] }, { consoleSession: [] }],
  paths: {
    '/organization': {
      get: { summary: 'The caller\'s organization with its seats', operationId: 'getOrganization',
        responses: { 200: json({ type: 'object', properties: {
          extraUsage: { type: 'boolean', description: 'on: an owner turned it on and the plan offers it' },
          extraUsageAvailable: { type: 'boolean' }, settings: ref('Settings'),
        } }, 'the organization'), ...errors(401, 403) } },
    },
    '/seats': {
      get: {
        summary: 'Seat monitoring per seat type', operationId: 'getSeats',
        description: '`pendingMembers` counts distinct pending members; a seat type\'s `pending` counts the pending members '
          + 'whose wanted types include it (a member allowed to fall back counts under each type it could take; a member with no '
          + 'recorded wish, such as one unseated by a renewal shortfall, counts under every type of the plan). The same figures as '
          + 'GET /seats/utilization. `extraUsage` is on when an owner turned it on and the plan offers it. '
          + 'Blocked attempts are `seat.refused` audit events of the last 30 days, per type from the exhausted types.',
        responses: { 200: json(ref('SeatOverview'), 'seat overview'), ...errors(401, 403) },
      },
    },
    '/members': {
      get: {
        summary: 'List members (ordered by userName, case-insensitive)', operationId: 'listMembers',
        parameters: [
          { name: 'seatState', in: 'query', schema: { type: 'string', enum: ['assigned', 'unassigned', 'pending', 'inactive'] } },
          { name: 'seatType', in: 'query', schema: { type: 'string' } },
          { name: 'role', in: 'query', schema: { type: 'string', enum: ['primary_owner', 'owner', 'admin', 'member'] } },
          { name: 'source', in: 'query', schema: { type: 'string', enum: ['scim', 'jit', 'admin'] } },
          { name: 'q', in: 'query', description: 'search: part of the userName, display name or an email address, or the exact externalId (case-insensitive); '
              + 'index-backed from 3 characters on',
            schema: { type: 'string', maxLength: 200 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
          { name: 'cursor', in: 'query', description: '`nextCursor` of the previous page (with the same filters)', schema: { type: 'string' } },
        ],
        responses: {
          200: json({ type: 'object', required: ['members', 'total', 'totalExact', 'nextCursor'], properties: {
            members: { type: 'array', items: ref('Member') },
            total: { type: 'integer', description: 'members matching the filter, counted up to 1,000 (see totalExact)' },
            totalExact: { type: 'boolean', description: 'false when more than 1,000 members match: total is then 1,000 and means "1,000 or more"' },
            nextCursor: nullable('string'),
          } }, 'a page of members'),
          ...errors(400, 401, 403),
        },
      },
    },
    '/members/{id}': {
      get: { summary: 'A member, with why it holds (or waits for) its seat', operationId: 'getMember', parameters: [idParam('member')],
        responses: { 200: json(ref('MemberDetail'), 'the member'), ...errors(401, 403, 404) } },
      delete: {
        summary: 'Remove a member from the organization (admins and above)', operationId: 'removeMember', parameters: [idParam('member')],
        description: 'The member, its group memberships and its admin tokens go; its seat is released (pending members are served '
          + 'after the removal commits); the allocation and the bill do not change. Admins cannot remove owners; nobody removes the '
          + 'primary owner (409 `transfer_ownership_first`). The identity provider\'s next SCIM GET/PUT/PATCH/DELETE of the removed id '
          + 'answers 404 (the detail says an admin removed it); a later SCIM POST or JIT login of the same userName or externalId '
          + 'creates a new member that is `unassigned` (held) until an admin assigns a seat.',
        responses: { 204: { description: 'removed' }, 409: json(ref('Error'), '`transfer_ownership_first`: the primary owner'), ...errors(401, 403, 404) },
      },
    },
    '/members/{id}/role': {
      put: {
        summary: 'Change a member\'s role', operationId: 'setMemberRole', parameters: [idParam('member')],
        description: 'Owners and the primary owner appoint and demote owners and admins (any member but the primary owner). Admins may '
          + 'only turn a member into an admin or an admin into a member (themselves included), never touch an owner or the primary '
          + 'owner, never appoint owners (403 `forbidden`). `primary_owner` is not accepted: use POST /organization/transfer-ownership; '
          + 'changing the primary owner\'s role answers 409 `transfer_ownership_first`. A role set here is `roleSource: manual`: group '
          + 'mappings no longer change it. Audited as `member.role_changed`.',
        requestBody: { required: true, content: { 'application/json': { schema: {
          type: 'object', required: ['role'], additionalProperties: false,
          properties: { role: { type: 'string', enum: ['owner', 'admin', 'member'] } },
        } } } },
        responses: {
          200: json(ref('MemberDetail'), 'the member after the change'),
          409: json(ref('Error'), '`transfer_ownership_first`: the primary owner\'s role changes only by a transfer'),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    '/organization/transfer-ownership': {
      post: {
        summary: 'Transfer primary ownership (the primary owner only)', operationId: 'transferOwnership',
        description: 'The target must be an active member; the previous primary owner becomes an `owner`. One transaction under the '
          + 'organization\'s row lock: the organization has exactly one primary owner at every instant (a database constraint), and '
          + 'of concurrent transfers one wins and the others answer 403 (their caller is no longer the primary owner). '
          + 'Audited as `organization.ownership_transferred`.',
        requestBody: { required: true, content: { 'application/json': { schema: {
          type: 'object', required: ['memberId'], additionalProperties: false, properties: { memberId: { type: 'string', format: 'uuid' } },
        } } } },
        responses: {
          200: json({ type: 'object', required: ['previousPrimaryOwnerId', 'primaryOwnerId'], properties: {
            previousPrimaryOwnerId: { type: 'string' }, primaryOwnerId: { type: 'string' } } }, 'transferred'),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    '/seat-changes': {
      post: {
        summary: 'Several members\' seat changes in one transaction, all or nothing', operationId: 'applySeatChanges',
        description: 'Every seat the batch gives up is released before any is taken, so a swap needs no free seat (ten premium seats '
          + 'all assigned: A premium → standard and B standard → premium in one request), in `block` and `pending` mode alike. When the '
          + 'batch as a whole needs more seats of a type than are free, nothing changes: 409 `no_seat_available` with the quote for the '
          + 'missing seats (`quote`: the first short type; `quotes`: all). Pending members are served after the batch commits. The '
          + 'same role rules as PUT /members/{id}/seat (admins cannot change owners\' seats). Audited per member and as `seat.batch_applied`.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('SeatChanges') } } },
        responses: {
          200: json({ type: 'object', required: ['members'], properties: {
            members: { type: 'array', items: ref('Member') },
            changes: { type: 'array', items: ref('PlannedSeatChange'), description: 'what moved (no-op entries left out)' },
            servedPending: { type: 'integer', description: 'pending members served after the commit from seats the batch left free' },
            warnings: { type: 'array', items: ref('SeatWarning') },
          } }, 'applied'),
          409: json(ref('NoSeatAvailable'), 'the batch needs more seats than are free; nothing changed'),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    '/seat-changes/dry-run': {
      post: {
        summary: 'What a batch of seat changes would do, changing nothing', operationId: 'previewSeatChanges',
        description: 'Runs the very same transaction and rolls it back.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('SeatChanges') } } },
        responses: {
          200: json({ type: 'object', required: ['ok', 'changes', 'quote'], properties: {
            ok: { type: 'boolean' }, changes: { type: 'array', items: ref('PlannedSeatChange') },
            quote: { oneOf: [{ type: 'null' }, ref('Quote')] },
            shortfall: { type: 'array', items: { type: 'object', properties: { seatType: { type: 'string' }, needed: { type: 'integer' } } } },
            message: { type: 'string' },
          } }, 'the outcome, not applied'),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    '/members/{id}/seat': {
      put: {
        summary: 'Assign a seat type, or take the seat away (`unassigned`); restore = assign a type', operationId: 'setMemberSeat',
        parameters: [idParam('member')],
        requestBody: { required: true, content: { 'application/json': { schema: {
          type: 'object', required: ['seatType'], additionalProperties: false,
          properties: { seatType: { type: 'string', description: 'a seat type of the plan, or "unassigned"' } },
        } } } },
        responses: {
          200: json({ allOf: [ref('Member'), { type: 'object', properties: { warnings: { type: 'array', items: ref('SeatWarning') } } }] },
            'the member after the change; `warnings` says when the seat it freed went to a pending member'),
          409: json(ref('NoSeatAvailable'), 'the target seat type has no free seat; the quote says what one more costs today'),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    '/group-mappings': {
      get: { summary: 'List group mappings', operationId: 'listGroupMappings',
        responses: { 200: json({ type: 'object', properties: { mappings: { type: 'array', items: ref('GroupMapping') } } }, 'mappings'), ...errors(401, 403) } },
      post: {
        summary: 'Create a mapping; the members of the group are re-evaluated through the gate in the same transaction',
        operationId: 'createGroupMapping',
        requestBody: { required: true, content: { 'application/json': { schema: ref('GroupMappingInput') } } },
        responses: { 201: json(ref('MappingChangeResult'), 'saved'), ...errors(400, 401, 403, 409) },
      },
    },
    '/group-mappings/dry-run': {
      post: {
        summary: 'What a mapping change would do, without changing anything', operationId: 'dryRunGroupMapping',
        description: 'Runs the real save and the real gate inside a transaction that is rolled back.',
        requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [
          { type: 'object', required: ['op', 'mapping'], properties: { op: { const: 'create' }, mapping: ref('GroupMappingInput') } },
          { type: 'object', required: ['op', 'id', 'mapping'], properties: { op: { const: 'update' }, id: { type: 'string' }, mapping: ref('GroupMappingPatch') } },
          { type: 'object', required: ['op', 'id'], properties: { op: { const: 'delete' }, id: { type: 'string' } } },
        ] } } } },
        responses: { 200: json({ allOf: [ref('MappingChangeResult'), { type: 'object', properties: { dryRun: { const: true } } }] }, 'the outcome, not saved'),
          ...errors(400, 401, 403, 404, 409) },
      },
    },
    '/group-mappings/{id}': {
      get: { summary: 'A group mapping', operationId: 'getGroupMapping', parameters: [idParam('mapping')],
        responses: { 200: json(ref('GroupMapping'), 'the mapping'), ...errors(401, 403, 404) } },
      patch: {
        summary: 'Change a mapping; members of the old and new group are re-evaluated', operationId: 'updateGroupMapping',
        parameters: [idParam('mapping')],
        requestBody: { required: true, content: { 'application/json': { schema: ref('GroupMappingPatch') } } },
        responses: { 200: json(ref('MappingChangeResult'), 'saved'), ...errors(400, 401, 403, 404, 409) },
      },
      delete: {
        summary: 'Delete a mapping (members keep their seats; pending members may be served)', operationId: 'deleteGroupMapping',
        parameters: [idParam('mapping')],
        responses: { 200: json(ref('MappingChangeResult'), 'deleted; `mapping` is the mapping as it was'), ...errors(401, 403, 404) },
      },
    },
    '/settings': {
      get: { summary: 'Organization settings', operationId: 'getSettings', responses: { 200: json(ref('Settings'), 'settings'), ...errors(401, 403) } },
      patch: {
        summary: 'Change settings (a partial document; roleSeatTypes replaces the whole map)', operationId: 'updateSettings',
        description: 'Never changes existing members, except that pending members are served when seats are free.',
        requestBody: { required: true, content: { 'application/json': { schema: { ...ref('SettingsPatch') } } } },
        responses: { 200: json({ allOf: [ref('Settings'), { type: 'object', properties: { servedPending: { type: 'integer' } } }] }, 'the settings after the change'),
          ...errors(400, 401, 403) },
      },
    },
    '/settings/alert-webhook/test': {
      post: {
        summary: 'Send one test event to the alert webhook (the saved URL, or `url` before saving it)', operationId: 'testAlertWebhook',
        description: 'Sends `{"type":"seatgate.webhook_test","test":true,…}` through the same delivery and SSRF policy as real alerts '
          + '(https to a public address unless the operator allows more; every resolved address checked; no redirects; the configured '
          + 'deadline). Answers what happened: `delivered` with the HTTP status, `refused` (nothing was sent: the URL or the address it '
          + 'resolves to is not allowed) or `failed` (timeout, connection refused, TLS, a non-2xx status) with a reason. Audited as '
          + '`webhook.tested` (host only). Bounded: one at a time and 5 a minute per organization (429 `rate_limited` with Retry-After).',
        requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: {
          url: { type: 'string', format: 'uri', maxLength: 2048, description: 'a URL to test instead of the saved one (not saved)' } } } } } },
        responses: {
          200: json({ type: 'object', required: ['outcome', 'url', 'host', 'message', 'event'], properties: {
            outcome: { type: 'string', enum: ['delivered', 'refused', 'failed'] },
            status: { type: 'integer', description: 'the webhook\'s HTTP status, when it answered' },
            reason: { type: 'string', description: 'why it was refused or failed' },
            url: { type: 'string', enum: ['saved', 'supplied'] }, host: { type: 'string' },
            message: { type: 'string', description: 'the outcome in one sentence' }, event: { type: 'object', description: 'the test event sent' },
          } }, 'the test ran (whatever its outcome)'),
          429: json(ref('Error'), '`rate_limited`: a test is running, or 5 were sent in the last minute'),
          ...errors(400, 401, 403),
        },
      },
    },
    '/audit': {
      get: {
        summary: 'The audit trail, newest first (all filters combine)', operationId: 'listAudit',
        parameters: [
          { name: 'action', in: 'query', description: 'action prefix, e.g. `seat.` or `mapping.created`', schema: { type: 'string' } },
          { name: 'memberId', in: 'query', description: 'events about this member', schema: { type: 'string' } },
          { name: 'actorType', in: 'query', description: 'who did it: an admin token or console session, an IdP (SCIM), the JIT hook, an operator (CLI), seatgate itself',
            schema: { type: 'string', enum: ['admin', 'scim', 'jit', 'operator', 'system'] } },
          { name: 'actorMemberId', in: 'query', description: 'events done by this member (through its admin token or console session)', schema: { type: 'string', format: 'uuid' } },
          { name: 'actorCredentialId', in: 'query', description: 'events done with this credential (admin or SCIM token, JIT secret)', schema: { type: 'string', format: 'uuid' } },
          { name: 'from', in: 'query', description: 'at or after this instant: ISO 8601 date-time with an offset, or a date (00:00 UTC)', schema: { type: 'string' } },
          { name: 'to', in: 'query', description: 'before this instant (exclusive), same forms; must be after `from`', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
          { name: 'cursor', in: 'query', description: '`nextCursor` of the previous page', schema: { type: 'string' } },
        ],
        responses: { 200: json({ type: 'object', properties: { events: { type: 'array', items: ref('AuditEvent') }, nextCursor: nullable('string') } }, 'events'),
          ...errors(400, 401, 403) },
      },
    },
    // Billing (SPEC §5): owners and the primary owner, except utilization (admins).
    '/seats/purchases': {
      post: {
        summary: 'Buy seats (owners); `?preview=true` shows the prorated charge without buying', operationId: 'purchaseSeats',
        parameters: [
          { name: 'preview', in: 'query', schema: { type: 'boolean' } },
          { name: 'Idempotency-Key', in: 'header', description: 'required unless previewing; a retry with the same key never buys twice', schema: { type: 'string' } },
        ],
        requestBody: { required: true, content: { 'application/json': { schema: ref('SeatQuantity') } } },
        responses: { 200: json({ type: 'object' }, 'preview, or a replayed purchase (`Idempotent-Replayed: true`)'),
          201: json({ type: 'object' }, 'seats bought and invoiced'), ...errors(400, 401, 403) },
      },
    },
    '/seats/reductions': {
      get: { summary: 'Scheduled seat reductions (owners); `?all=true` includes past ones', operationId: 'listReductions',
        parameters: [{ name: 'all', in: 'query', schema: { type: 'boolean' } }],
        responses: { 200: json({ type: 'object', properties: { reductions: { type: 'array', items: { type: 'object' } } } }, 'reductions'), ...errors(401, 403) } },
      post: { summary: 'Schedule a reduction for the renewal (owners)', operationId: 'scheduleReduction',
        requestBody: { required: true, content: { 'application/json': { schema: ref('SeatQuantity') } } },
        responses: { 201: json({ type: 'object' }, 'scheduled'), ...errors(400, 401, 403) } },
    },
    '/seats/reductions/{id}': {
      delete: { summary: 'Cancel a scheduled reduction (owners)', operationId: 'cancelReduction', parameters: [idParam('reduction')],
        responses: { 200: json({ type: 'object' }, 'cancelled'), ...errors(401, 403, 404) } },
    },
    '/seats/utilization': {
      get: { summary: 'Seat utilization per type against the alert threshold', operationId: 'getSeatUtilization',
        responses: { 200: json({ type: 'object' }, 'utilization'), ...errors(401, 403) } },
    },
    '/invoices': {
      get: { summary: 'Invoices (owners)', operationId: 'listInvoices',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200 } },
          { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } },
        ],
        responses: { 200: json({ type: 'object' }, 'a page of invoices'), ...errors(400, 401, 403) } },
    },
    '/invoices/{id}': {
      get: { summary: 'An invoice (owners)', operationId: 'getInvoice', parameters: [idParam('invoice')],
        responses: { 200: json({ type: 'object' }, 'the invoice'), ...errors(401, 403, 404) } },
    },
    '/subscription': {
      get: { summary: 'The annual subscription (owners)', operationId: 'getSubscription',
        responses: { 200: json({ type: 'object' }, 'the subscription'), ...errors(401, 403) } },
      patch: { summary: 'Turn automatic renewal on or off (owners, self-serve)', operationId: 'setAutoRenew',
        description: 'Off: the term ends at its end date unless renewal is turned on again before. Separate from a cancellation; the term '
          + 'renews only when auto-renew is on and the subscription is not cancelled (`atTermEnd`). Audited as `subscription.auto_renew_changed`; '
          + 'sales-assisted organizations change it through their account team (403).',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['autoRenew'], additionalProperties: false,
          properties: { autoRenew: { type: 'boolean' } } } } } },
        responses: { 200: json({ type: 'object' }, 'the subscription'), ...errors(400, 401, 403) } },
    },
    '/subscription/cancel': {
      post: { summary: 'Cancel at the end of the term (owners, self-serve)', operationId: 'cancelSubscription',
        responses: { 200: json({ type: 'object' }, 'the subscription'), ...errors(400, 401, 403) } },
    },
    '/subscription/resume': {
      post: { summary: 'Undo a cancellation before the term ends (owners)', operationId: 'resumeSubscription',
        responses: { 200: json({ type: 'object' }, 'the subscription'), ...errors(400, 401, 403) } },
    },
    '/groups': {
      get: { summary: 'The IdP groups (SCIM Groups), to pick one for a group mapping', operationId: 'listGroups',
        parameters: [
          { name: 'q', in: 'query', description: 'part of the display name, or the exact externalId or id', schema: { type: 'string', maxLength: 200 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        ],
        responses: { 200: json({ type: 'object', properties: { groups: { type: 'array', items: { type: 'object', properties: {
          id: { type: 'string' }, externalId: nullable('string'), displayName: { type: 'string' }, memberCount: { type: 'integer' },
          mappingKey: { type: 'string', description: 'the id to put in a mapping: externalId when present, else id' } } } } } }, 'groups, by display name'),
          ...errors(400, 401, 403) } },
    },
    // Identity-provider credentials (issue 12): SCIM tokens and JIT hook secrets, shown once.
    '/credentials': {
      get: { summary: 'SCIM tokens and JIT hook secrets (never the secrets), and when the IdP last used one', operationId: 'listCredentials',
        description: '`lastRequest.scim` / `.jit`: the latest use of any such credential, recorded at most once a minute per credential.',
        responses: { 200: json({ type: 'object', properties: {
          credentials: { type: 'array', items: ref('Credential') },
          lastRequest: { type: 'object', properties: { scim: nullable('string'), jit: nullable('string') } } } }, 'credentials'), ...errors(401, 403) } },
      post: { summary: 'Create a SCIM token or JIT hook secret; the secret is in this answer only', operationId: 'createCredential',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['kind'], additionalProperties: false, properties: {
          kind: { type: 'string', enum: ['scim', 'jit'] }, label: { type: 'string', maxLength: 200 } } } } } },
        responses: { 201: json(ref('IssuedCredential'), 'created (audited `credential.created`)'), ...errors(400, 401, 403) } },
    },
    '/credentials/{id}/rotate': {
      post: { summary: 'Replace a SCIM token or JIT secret: a new secret, and the old one revoked in the same transaction', operationId: 'rotateCredential',
        parameters: [idParam('credential')],
        responses: { 201: json({ allOf: [ref('IssuedCredential'), { type: 'object', properties: { replaced: { type: 'string' } } }] }, 'the new credential (audited `credential.rotated`)'),
          ...errors(401, 403, 404) } },
    },
    '/credentials/{id}': {
      delete: { summary: 'Revoke a SCIM token or JIT secret (at once, in every server process)', operationId: 'revokeCredential',
        parameters: [idParam('credential')], responses: { 204: { description: 'revoked (audited `credential.revoked`)' }, ...errors(401, 403, 404) } },
    },
    '/openapi.json': {
      get: { summary: 'This document', operationId: 'getOpenApi', responses: { 200: json({ type: 'object' }, 'OpenAPI 3.1'), ...errors(401, 403) } },
    },
  },
  components: {
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'admin token (sgadm_…)' },
      consoleSession: { type: 'apiKey', in: 'cookie', name: 'seatgate_console',
        description: 'the console\'s session (`__Host-seatgate_console` over TLS); used only without an Authorization header; writes also need `X-CSRF-Token`' },
    },
    responses: {
      E400: json(ref('Error'), 'invalid input (`invalid_input`, with `details.issues`)'),
      E401: json(ref('Error'), 'no valid admin token (`WWW-Authenticate: Bearer`)'),
      E403: json(ref('Error'), 'role too low (`forbidden`) or organization ended (`org_inactive`)'),
      E404: json(ref('Error'), 'no such thing in this organization'),
      E409: json(ref('Error'), 'conflict (e.g. a mapping for this IdP group already exists; `transfer_ownership_first`)'),
    },
    schemas: {
      Credential: { type: 'object', properties: {
        id: { type: 'string' }, kind: { type: 'string', enum: ['scim', 'jit'] }, label: { type: 'string' },
        prefix: { type: 'string', description: 'the first characters of the secret, to recognise it' },
        createdAt: { type: 'string' }, lastUsedAt: nullable('string'), revokedAt: nullable('string') } },
      IssuedCredential: { allOf: [ref('Credential'), { type: 'object', required: ['token'], properties: {
        token: { type: 'string', description: 'the secret, shown this once (stored only as a hash)' } } }] },
      SeatQuantity: { type: 'object', required: ['seatType', 'quantity'], additionalProperties: false, properties: {
        seatType: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } } },
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: {
        code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } } } } },
      NoSeatAvailable: { type: 'object', properties: { error: { type: 'object', properties: {
        code: { const: 'no_seat_available' }, message: { type: 'string' },
        quote: { oneOf: [{ type: 'null' }, ref('Quote')] },
        quotes: { type: 'array', items: ref('Quote'), description: 'POST /seat-changes: one quote per short seat type' },
        shortfall: { type: 'array', items: { type: 'object', properties: { seatType: { type: 'string' }, needed: { type: 'integer' } } } },
      } } } },
      Quote: { type: 'object', required: ['seatType', 'quantity', 'amountMinor', 'currency', 'periodStart', 'periodEnd'], properties: {
        seatType: { type: 'string' }, quantity: { type: 'integer', minimum: 1, description: '1 for a single seat change; the shortfall for a batch' },
        amountMinor: { type: 'integer' }, unitPriceMinor: { type: 'integer' },
        currency: { type: 'string' }, periodStart: { type: 'string', format: 'date' }, periodEnd: { type: 'string', format: 'date', description: 'exclusive' },
        ruleText: { type: 'string' } } },
      SeatChanges: { type: 'object', required: ['changes'], additionalProperties: false, properties: {
        changes: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'object', required: ['memberId', 'seatType'], additionalProperties: false,
          properties: { memberId: { type: 'string', format: 'uuid' }, seatType: { type: 'string', description: 'a seat type of the plan, or "unassigned"' } } } } } },
      PlannedSeatChange: { type: 'object', required: ['memberId', 'from', 'to'], properties: {
        memberId: { type: 'string' }, from: { type: 'string', description: 'the seat type held, or the seat state when none' },
        to: { type: 'string', description: 'a seat type, or "unassigned"' } } },
      SeatWarning: { type: 'object', required: ['code', 'message'], properties: {
        code: { const: 'seat_went_to_queue' }, message: { type: 'string' }, seatType: { type: 'string' },
        memberIds: { type: 'array', items: { type: 'string' }, description: 'the pending members who got the freed seats' } } },
      SeatOverview: { type: 'object', properties: {
        orgId: { type: 'string' }, plan: { type: 'string' }, currency: { type: 'string' }, onNoSeat: { type: 'string' },
        extraUsage: { type: 'boolean' }, extraUsageAvailable: { type: 'boolean', description: 'the plan offers extra usage' },
        seatTypes: { type: 'array', items: { type: 'object', properties: {
          seatType: { type: 'string' }, allocated: { type: 'integer' }, assigned: { type: 'integer' }, pending: { type: 'integer' },
          free: { type: 'integer' }, utilization: { type: 'number' }, monthlyPriceMinor: { type: 'integer' },
          blockedAttemptsLast30Days: { type: 'integer' } } } },
        pendingMembers: { type: 'integer' },
        blockedAttemptsLast30Days: { type: 'object', properties: { total: { type: 'integer' }, bySeatType: { type: 'object', additionalProperties: { type: 'integer' } } } },
      } },
      Member: { type: 'object', properties: {
        id: { type: 'string' }, userName: { type: 'string' }, externalId: nullable('string'), displayName: nullable('string'),
        active: { type: 'boolean' }, role: { type: 'string', enum: ['primary_owner', 'owner', 'admin', 'member'] },
        roleSource: { type: 'string', enum: ['default', 'manual', 'mapping'], description: 'manual: set by an owner or admin (mappings leave it); mapping: granted by a group mapping' },
        source: { type: 'string', enum: ['scim', 'jit', 'admin'] },
        seatState: { type: 'string', enum: ['assigned', 'unassigned', 'pending', 'inactive'] }, seatType: nullable('string'),
        seatReason: { type: 'object', properties: {
          kind: nullable('string'), mappingIds: { type: 'array', items: { type: 'string' } }, wanted: {},
          trigger: nullable('string'), by: { description: 'the actor' }, at: nullable('string') } },
        pendingSince: nullable('string'), unassignedByAdmin: { type: 'boolean', description: 'the admin hold: nothing automatic gives a seat back' },
        idpGroupIds: { type: 'array', items: { type: 'string' } }, createdAt: { type: 'string' }, updatedAt: { type: 'string' },
      } },
      MemberDetail: { allOf: [ref('Member'), { type: 'object', properties: { groups: { type: 'array', items: { type: 'object', properties: {
        id: { type: 'string' }, displayName: { type: 'string' }, externalId: nullable('string') } } } } }] },
      GroupMapping: { type: 'object', properties: {
        id: { type: 'string' }, idpGroupId: { type: 'string' }, seatType: { type: 'string' }, allowFallback: { type: 'boolean' },
        role: { oneOf: [{ type: 'null' }, { type: 'string', enum: ['admin', 'member'] }],
          description: 'the role the mapping grants (admin at most): applied to members who are not owners and whose role was not set by hand; revoked back to member when they leave every granting group' },
        createdAt: { type: 'string' }, updatedAt: { type: 'string' } } },
      GroupMappingInput: { type: 'object', required: ['idpGroupId', 'seatType'], additionalProperties: false, properties: {
        idpGroupId: { type: 'string', description: 'the IdP group\'s stable id: SCIM Group id or externalId (never the display name)' },
        seatType: { type: 'string', description: 'a seat type of the plan' }, allowFallback: { type: 'boolean', default: false },
        role: { oneOf: [{ type: 'null' }, { type: 'string', enum: ['admin', 'member'] }] } } },
      GroupMappingPatch: { type: 'object', minProperties: 1, additionalProperties: false, properties: {
        idpGroupId: { type: 'string' }, seatType: { type: 'string' }, allowFallback: { type: 'boolean' },
        role: { oneOf: [{ type: 'null' }, { type: 'string', enum: ['admin', 'member'] }] } } },
      MappingChangeResult: { type: 'object', properties: {
        mapping: ref('GroupMapping'),
        reevaluation: { type: 'object', properties: {
          membersEvaluated: { type: 'integer' },
          changes: { type: 'array', items: { type: 'object', properties: { memberId: { type: 'string' }, userName: { type: 'string' }, from: seatPosition, to: seatPosition } } },
          blocked: { type: 'array', items: { type: 'object', properties: {
            memberId: { type: 'string' }, userName: { type: 'string' }, seatState: { type: 'string' }, seatType: nullable('string'),
            wanted: { type: 'array', items: { type: 'string' } }, outcome: { type: 'string', enum: ['upgrade_refused', 'downgrade_deferred', 'still_pending'] } } } },
          seats: { type: 'array', items: { type: 'object', properties: {
            seatType: { type: 'string' }, allocated: { type: 'integer' }, assignedBefore: { type: 'integer' }, assignedAfter: { type: 'integer' },
            free: { type: 'integer' }, shortBy: { type: 'integer' }, sufficient: { type: 'boolean' } } } },
          seatsSuffice: { type: 'boolean' },
          roleChanges: { type: 'array', items: { type: 'object', properties: {
            memberId: { type: 'string' }, userName: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } },
            description: 'roles a mapping granted or revoked' },
          changedCount: { type: 'integer' }, blockedCount: { type: 'integer' }, truncated: { type: 'boolean' },
        } },
      } },
      Settings: { type: 'object', properties: {
        onNoSeat: { type: 'string', enum: ['block', 'pending'] }, utilizationAlertThreshold: { type: 'number', minimum: 0, maximum: 1 },
        alertWebhookUrl: nullable('string'), roleSeatTypes: { type: 'object', additionalProperties: { type: 'string' } },
        roleSeatFallback: { type: 'boolean' }, extraUsage: { type: 'boolean' } } },
      SettingsPatch: { type: 'object', minProperties: 1, additionalProperties: false, properties: {
        onNoSeat: { type: 'string', enum: ['block', 'pending'] }, utilizationAlertThreshold: { type: 'number', minimum: 0, maximum: 1 },
        alertWebhookUrl: { oneOf: [{ type: 'null' }, { type: 'string', format: 'uri' }],
          description: 'https:// URL of a public host, without user:password (the server may allow http:// or private targets); each delivery is in the audit log as webhook.delivered|refused|failed' },
        roleSeatTypes: { type: 'object', additionalProperties: { type: 'string' }, description: 'Entra app-role value → seat type of the plan' },
        roleSeatFallback: { type: 'boolean' },
        extraUsage: { type: 'boolean', description: 'owners only (403 for admins), on plans whose catalog entry has the `extra_usage` feature (400 otherwise); returned at JIT login' } } },
      AuditEvent: { type: 'object', properties: {
        id: { type: 'string', format: 'uuid', description: 'random: says nothing about other events' }, at: { type: 'string' }, actor: { type: 'object' }, action: { type: 'string' },
        subjectType: nullable('string'), subjectId: nullable('string'), before: {}, after: {}, reason: {} } },
    },
  },
} as const;

export function openApiRoutes(): Router {
  const router = Router();
  router.get('/openapi.json', requireRole('admin'), handle(async (_req, res) => {
    res.json(openApiDocument);
  }));
  return router;
}
