import type { Db } from './database.js';

/** Who did something: an IdP through a SCIM token, an admin, the JIT hook, an operator, the system. */
export type Actor =
  | { type: 'scim'; credentialId: string }
  | { type: 'admin'; memberId: string; credentialId?: string }
  | { type: 'jit'; credentialId: string }
  | { type: 'operator' }
  | { type: 'system' };

export interface AuditEvent {
  actor: Actor;
  action: string;
  subjectType?: string;
  subjectId?: string;
  before?: unknown;
  after?: unknown;
  reason?: unknown;
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** The columns of an audit row (also written by statements that insert one alongside their own row). */
export function auditValues(orgId: string, event: AuditEvent) {
  return {
    org_id: orgId,
    actor: JSON.stringify(event.actor),
    action: event.action,
    subject_type: event.subjectType ?? null,
    subject_id: event.subjectId ?? null,
    before: json(event.before),
    after: json(event.after),
    reason: json(event.reason),
  };
}

export async function recordAudit(db: Db, orgId: string, event: AuditEvent): Promise<void> {
  await db.insertInto('audit_events').values(auditValues(orgId, event)).execute();
}
