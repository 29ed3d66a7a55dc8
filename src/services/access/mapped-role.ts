// The role carried by group mappings (SPEC §6, issue 11), applied whenever the gate looks at a
// member's mappings (creation, group changes, mapping changes, JIT logins). The rule is pure
// (domain/access.ts `mappedRole`): at most admin, never an owner touched, never a role set by
// hand; a role a mapping granted goes back to `member` when no mapping grants it any more.
import { mappedRole, type RoleSource } from '../../domain/access.js';
import type { MappingMatch } from '../../domain/seat-choice.js';
import type { Role } from '../../domain/organization.js';
import { setRole } from '../../storage/access.js';
import { recordAudit, type Actor } from '../../storage/audit.js';
import type { Db } from '../../storage/database.js';

export async function applyMappedRole(
  db: Db, orgId: string, member: { id: string; role: Role; role_source: RoleSource }, matches: readonly MappingMatch[], actor: Actor,
): Promise<void> {
  const next = mappedRole({ role: member.role, roleSource: member.role_source }, matches.map((m) => m.role ?? null));
  if (!next) return;
  await setRole(db, orgId, member.id, next.role, next.source);
  await recordAudit(db, orgId, {
    actor, action: 'member.role_changed', subjectType: 'member', subjectId: member.id,
    before: { role: member.role, roleSource: member.role_source }, after: { role: next.role, roleSource: next.source },
    reason: {
      kind: next.source === 'mapping' ? 'group_mapping' : 'group_mapping_revoked',
      mappingIds: matches.filter((m) => m.role).map((m) => m.mappingId),
    },
  });
  // The locked row the gate holds is updated too, so later rules in this call see the new role.
  member.role = next.role;
  member.role_source = next.source;
}
