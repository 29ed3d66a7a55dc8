// Roles and ownership, removed members, and migration invoices (issue 11).
//
// - members.role_source: who gave a member its role. 'default' (created as a member),
//   'manual' (an owner or admin set it: group mappings never touch it again), 'mapping' (a
//   group mapping granted it: revoked back to member when no mapping grants it any more).
// - Exactly one primary owner per organization at every commit: the unique partial index of
//   0001 forbids two; a deferred constraint trigger forbids a role change that leaves none (a
//   transfer demotes and promotes inside one transaction, checked at its commit).
// - removed_members: the tombstone of a member an admin removed, so that SCIM answers a clear
//   404 for its id and a later re-creation by the IdP arrives without a seat (docs/decisions/0008).
// - invoices.kind gains 'migration' (a legacy plan moved to Enterprise before its renewal).
// - group mappings grant at most `admin` (never owner): stored 'owner' mappings become 'admin'.
import { sql, type Kysely } from 'kysely';

const statements = [
  `alter table members add column role_source text not null default 'default'
     check (role_source in ('default', 'manual', 'mapping'))`,
  `update members set role_source = 'manual' where role <> 'member'`,
  `create function members_check_primary_owner() returns trigger language plpgsql as $$
   declare
     org uuid := coalesce(old.org_id, new.org_id);
     n integer;
   begin
     -- An organization being deleted takes its members with it.
     if not exists (select 1 from organizations where id = org) then return null; end if;
     select count(*) into n from members where org_id = org and role = 'primary_owner';
     if n <> 1 then
       raise exception 'organization % must have exactly one primary owner (has %)', org, n
         using errcode = '23514', constraint = 'members_exactly_one_primary_owner';
     end if;
     return null;
   end $$`,
  // On role changes only: deleting the primary owner is refused by every use case (SCIM and
  // admin removal answer "transfer ownership first"), and test fixtures delete it to build an
  // organization with no member at all.
  `create constraint trigger members_exactly_one_primary_owner
     after update of role on members
     deferrable initially deferred
     for each row when (old.role = 'primary_owner')
     execute function members_check_primary_owner()`,
  `create table removed_members (
     org_id uuid not null references organizations (id) on delete cascade,
     member_id uuid not null,
     user_name text not null,
     external_id text,
     removed_at timestamptz not null default now(),
     removed_by jsonb not null,
     primary key (org_id, member_id)
   )`,
  `create index removed_members_by_user_name on removed_members (org_id, lower(user_name))`,
  `create index removed_members_by_external_id on removed_members (org_id, external_id) where external_id is not null`,
  `alter table invoices drop constraint invoices_kind_check`,
  `alter table invoices add constraint invoices_kind_check check (kind in ('purchase', 'renewal', 'migration'))`,
  `update group_mappings set role = 'admin' where role = 'owner'`,
  `alter table group_mappings drop constraint group_mappings_role_check`,
  `alter table group_mappings add constraint group_mappings_role_check check (role in ('admin', 'member'))`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`alter table group_mappings drop constraint group_mappings_role_check`).execute(db);
  await sql.raw(`alter table group_mappings add constraint group_mappings_role_check check (role in ('owner', 'admin', 'member'))`).execute(db);
  await sql.raw(`alter table invoices drop constraint invoices_kind_check`).execute(db);
  await sql.raw(`alter table invoices add constraint invoices_kind_check check (kind in ('purchase', 'renewal'))`).execute(db);
  await sql.raw('drop table if exists removed_members').execute(db);
  await sql.raw('drop trigger if exists members_exactly_one_primary_owner on members').execute(db);
  await sql.raw('drop function if exists members_check_primary_owner()').execute(db);
  await sql.raw('alter table members drop column if exists role_source').execute(db);
}
