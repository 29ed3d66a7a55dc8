// Decision 0015: a SCIM or JIT create takes its seat at commit. Every create of an organization's
// seat type updates the same seat_allocations row and holds its lock until the end of its
// transaction; taken by a deferred constraint trigger, the lock spans only the commit itself —
// no statement, no round trip to the server after it. The create inserts one row here (in the
// statement that inserts the member); at commit the trigger runs the same guarded UPDATE as
// storage/seats.ts `reserveSeat` and removes the row. No seat free any more: the commit fails
// with SQLSTATE SG001 (nothing was written) and the service runs the create again the old way,
// which queues or refuses (services/seats/members.ts gatedTransaction).
//
// Rows live only inside the transaction that inserts them, so the table is unlogged (no WAL for
// them; a crash leaves it empty, as it should be).
import { sql, type Kysely } from 'kysely';

const statements = [
  `create unlogged table seat_reservations (
     member_id uuid primary key,
     org_id uuid not null,
     seat_type text not null
   )`,
  `create function seat_reservations_take() returns trigger language plpgsql as $$
   begin
     update seat_allocations set assigned = assigned + 1
      where org_id = new.org_id and seat_type = new.seat_type and assigned < allocated;
     if not found then
       raise exception 'no free % seat at commit', new.seat_type using errcode = 'SG001';
     end if;
     delete from seat_reservations where member_id = new.member_id;
     return null;
   end $$`,
  `create constraint trigger seat_reservations_at_commit after insert on seat_reservations
     deferrable initially deferred for each row execute function seat_reservations_take()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop table if exists seat_reservations').execute(db);
  await sql.raw('drop function if exists seat_reservations_take()').execute(db);
}
