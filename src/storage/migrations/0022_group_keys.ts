// A group's identity row, apart from the row that carries its version (issue 14, decision 0022).
// Every membership change bumps `groups.version`, so under an IdP's concurrent PATCHes the group
// row is updated hundreds of times a second; while the members' foreign key pointed at it, every
// added member's key-share lock landed on that same row, and locks mixed with updates on one
// tuple are multixacts: a new one per statement, WAL for each, each version's visibility resolved
// through the multixact cache, chains of versions locked one by one. `group_keys` is never updated:
// members reference it, and membership changes key-share lock it (the transaction path locks it
// FOR UPDATE first), so the row that is updated is never locked by anything but updaters.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`create table group_keys (
    org_id uuid not null,
    id uuid not null,
    primary key (org_id, id),
    foreign key (org_id, id) references groups (org_id, id) on delete cascade
  )`).execute(db);
  // Every way a group is created (the service, tests and benches insert rows directly) gets its key.
  await sql.raw(`create function group_keys_insert() returns trigger language plpgsql as $$
    begin
      insert into group_keys (org_id, id) values (new.org_id, new.id);
      return null;
    end $$`).execute(db);
  await sql.raw('create trigger group_keys_insert after insert on groups for each row execute function group_keys_insert()').execute(db);
  await sql.raw('insert into group_keys (org_id, id) select org_id, id from groups').execute(db);
  await sql.raw('alter table group_members drop constraint group_members_org_id_group_id_fkey').execute(db);
  await sql.raw(`alter table group_members add constraint group_members_group_key_fkey
    foreign key (org_id, group_id) references group_keys (org_id, id) on delete cascade`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('alter table group_members drop constraint if exists group_members_group_key_fkey').execute(db);
  await sql.raw(`alter table group_members add constraint group_members_org_id_group_id_fkey
    foreign key (org_id, group_id) references groups (org_id, id) on delete cascade`).execute(db);
  await sql.raw('drop trigger if exists group_keys_insert on groups').execute(db);
  await sql.raw('drop function if exists group_keys_insert()').execute(db);
  await sql.raw('drop table if exists group_keys').execute(db);
}
