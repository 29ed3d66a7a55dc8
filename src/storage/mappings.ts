// Group mappings (SPEC §6): an IdP group's stable id (SCIM Group id or externalId, or a group id
// carried by JIT logins) mapped to a seat type, with an optional fallback and role.
import { sql } from 'kysely';
import type { Db } from './database.js';
import { translatePgError } from './errors.js';
import { conflict } from '../domain/errors.js';

export interface MappingRow {
  id: string;
  idp_group_id: string;
  seat_type: string;
  allow_fallback: boolean;
  role: 'admin' | 'member' | null;
  created_at: Date;
  updated_at: Date;
}

export interface MappingFields {
  idpGroupId: string;
  seatType: string;
  allowFallback: boolean;
  role: 'admin' | 'member' | null;
}

const COLUMNS = ['id', 'idp_group_id', 'seat_type', 'allow_fallback', 'role', 'created_at', 'updated_at'] as const;

/** The one uniqueness rule of mappings, with a message an admin understands. */
function translateMappingError(error: unknown, idpGroupId: string): unknown {
  if ((error as { code?: string; constraint?: string })?.constraint === 'group_mappings_group_key') {
    return conflict(`a mapping for IdP group "${idpGroupId}" already exists; edit that mapping instead`, { idpGroupId });
  }
  return translatePgError(error);
}

export async function listMappings(db: Db, orgId: string): Promise<MappingRow[]> {
  return db.selectFrom('group_mappings').select(COLUMNS)
    .where('org_id', '=', orgId).orderBy('created_at').orderBy('id').execute();
}

export async function findMapping(db: Db, orgId: string, id: string, lock = false): Promise<MappingRow | undefined> {
  const query = db.selectFrom('group_mappings').select(COLUMNS).where('org_id', '=', orgId).where('id', '=', id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

export async function insertMapping(db: Db, orgId: string, fields: MappingFields): Promise<MappingRow> {
  try {
    return await db.insertInto('group_mappings').values({
      org_id: orgId, idp_group_id: fields.idpGroupId, seat_type: fields.seatType,
      allow_fallback: fields.allowFallback, role: fields.role,
    }).returning(COLUMNS).executeTakeFirstOrThrow();
  } catch (error) {
    throw translateMappingError(error, fields.idpGroupId);
  }
}

export async function updateMapping(db: Db, orgId: string, id: string, fields: MappingFields): Promise<MappingRow> {
  try {
    return await db.updateTable('group_mappings').set({
      idp_group_id: fields.idpGroupId, seat_type: fields.seatType, allow_fallback: fields.allowFallback,
      role: fields.role, updated_at: sql`now()`,
    }).where('org_id', '=', orgId).where('id', '=', id).returning(COLUMNS).executeTakeFirstOrThrow();
  } catch (error) {
    throw translateMappingError(error, fields.idpGroupId);
  }
}

export async function deleteMapping(db: Db, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('group_mappings').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/**
 * Members that belong to any of these IdP groups and may hold or wait for a seat: through SCIM
 * group membership (the group's id or externalId) or through the group ids of their JIT logins.
 * In id order, so that the gate locks them in one order.
 */
export async function membersOfIdpGroups(db: Db, orgId: string, idpGroupIds: string[]): Promise<string[]> {
  if (idpGroupIds.length === 0) return [];
  const rows = await db.selectFrom('members as m').select('m.id')
    .where('m.org_id', '=', orgId)
    .where('m.seat_state', 'in', ['assigned', 'pending'])
    .where((eb) => eb.or([
      sql<boolean>`m.idp_group_ids && ${sql.val(idpGroupIds)}::text[]`,
      eb.exists(
        eb.selectFrom('group_members as x')
          .innerJoin('groups as g', (join) => join.onRef('g.org_id', '=', 'x.org_id').onRef('g.id', '=', 'x.group_id'))
          .select(sql`1`.as('one'))
          .whereRef('x.org_id', '=', 'm.org_id').whereRef('x.member_id', '=', 'm.id')
          .where((inner) => inner.or([
            inner(sql`g.id::text`, 'in', idpGroupIds),
            inner('g.external_id', 'in', idpGroupIds),
          ])),
      ),
    ]))
    .orderBy('m.id')
    .execute();
  return rows.map((row) => row.id);
}

/** Seat state of some members, and of every pending member (the ones a freed seat may serve). */
export async function seatSnapshot(db: Db, orgId: string, memberIds: string[]) {
  return db.selectFrom('members').select(['id', 'user_name', 'seat_state', 'seat_type', 'role'])
    .where('org_id', '=', orgId)
    .where((eb) => (memberIds.length > 0
      ? eb.or([eb('id', 'in', memberIds), eb('seat_state', '=', 'pending')])
      : eb('seat_state', '=', 'pending')))
    .execute();
}

/** The gate's "no"s for these members written by the current transaction (its audit records). */
export async function refusalsInThisTransaction(db: Db, orgId: string, memberIds: string[]) {
  if (memberIds.length === 0) return [];
  return db.selectFrom('audit_events').select(['subject_id', 'action', 'reason'])
    .where('org_id', '=', orgId)
    // `at` defaults to now(), which PostgreSQL fixes for the whole transaction.
    .where('at', '=', sql<Date>`now()`)
    .where('action', 'in', ['seat.refused', 'seat.downgrade_deferred'])
    .where('subject_type', '=', 'member')
    .where('subject_id', 'in', memberIds)
    .orderBy('id')
    .execute();
}
