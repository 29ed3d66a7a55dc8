// A seat type's identity row, apart from the row that counts its seats (issue 14, decision 0028).
// Every create takes its seat by updating its organization's `seat_allocations` row at commit
// (migration 0015), and the member's foreign key (org_id, seat_type) key-share locked that same
// row during the insert: 16 concurrent creates mixed locks and updates on one tuple — multixacts
// (updater + lockers), WAL for each lock, newer versions locked one by one, and every reader of
// the row resolving multixact members — all on the row whose lock serializes the organization's
// commits. `seat_type_keys` is never updated: members reference it (decision 0022 did the same
// for groups), so the counter row is only ever locked by its updaters.
//
// Also: the commit-time trigger (migration 0015) deletes its reservation row before the guarded
// UPDATE, not after: from that UPDATE to the end of the commit's WAL flush the organization's other
// creates wait on the counter row, so nothing that can run before it belongs after it.
import { sql, type Kysely } from 'kysely';

const takeSeat = (deleteFirst: boolean) => {
  const remove = 'delete from seat_reservations where member_id = new.member_id;';
  return `create or replace function seat_reservations_take() returns trigger language plpgsql as $$
   begin
     ${deleteFirst ? remove : ''}
     update seat_allocations set assigned = assigned + 1
      where org_id = new.org_id and seat_type = new.seat_type and assigned < allocated;
     if not found then
       raise exception 'no free % seat at commit', new.seat_type using errcode = 'SG001';
     end if;
     ${deleteFirst ? '' : remove}
     return null;
   end $$`;
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`create table seat_type_keys (
    org_id uuid not null,
    seat_type text not null,
    primary key (org_id, seat_type),
    foreign key (org_id, seat_type) references seat_allocations (org_id, seat_type) on delete cascade
  )`).execute(db);
  // Every way an allocation is created (the service, tests and benches insert rows directly) gets its key.
  await sql.raw(`create function seat_type_keys_insert() returns trigger language plpgsql as $$
    begin
      insert into seat_type_keys (org_id, seat_type) values (new.org_id, new.seat_type);
      return null;
    end $$`).execute(db);
  await sql.raw('create trigger seat_type_keys_insert after insert on seat_allocations for each row execute function seat_type_keys_insert()').execute(db);
  await sql.raw('insert into seat_type_keys (org_id, seat_type) select org_id, seat_type from seat_allocations').execute(db);
  // Same semantics as before: deleting an allocation its members still use fails (the key's
  // cascade meets the members' NO ACTION foreign key).
  await sql.raw('alter table members drop constraint members_org_id_seat_type_fkey').execute(db);
  await sql.raw(`alter table members add constraint members_seat_type_key_fkey
    foreign key (org_id, seat_type) references seat_type_keys (org_id, seat_type)`).execute(db);
  await sql.raw(takeSeat(true)).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(takeSeat(false)).execute(db);
  await sql.raw('alter table members drop constraint if exists members_seat_type_key_fkey').execute(db);
  await sql.raw(`alter table members add constraint members_org_id_seat_type_fkey
    foreign key (org_id, seat_type) references seat_allocations (org_id, seat_type)`).execute(db);
  await sql.raw('drop trigger if exists seat_type_keys_insert on seat_allocations').execute(db);
  await sql.raw('drop function if exists seat_type_keys_insert()').execute(db);
  await sql.raw('drop table if exists seat_type_keys').execute(db);
}
