// The seat gate's own data: group mappings (SPEC §6) and the admin's "unassigned" hold, which
// survives a deactivation so that nothing automatic gives the seat back (SPEC §3).
import { sql, type Kysely } from 'kysely';

const statements = [
  `alter table members add column unassigned_by_admin boolean not null default false`,
  // The IdP group ids a JIT login carried (SCIM members get theirs from group_members), kept so
  // that the pending queue and later re-evaluations see the same mappings as the login did.
  `alter table members add column idp_group_ids text[] not null default '{}'`,
  `create table group_mappings (
     org_id uuid not null references organizations (id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     idp_group_id text not null check (length(idp_group_id) between 1 and 512),
     seat_type text not null,
     role text check (role in ('owner', 'admin', 'member')),
     allow_fallback boolean not null default false,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     primary key (org_id, id),
     foreign key (org_id, seat_type) references seat_allocations (org_id, seat_type),
     constraint group_mappings_group_key unique (org_id, idp_group_id)
   )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop table if exists group_mappings').execute(db);
  await sql.raw('alter table members drop column if exists unassigned_by_admin').execute(db);
  await sql.raw('alter table members drop column if exists idp_group_ids').execute(db);
}
