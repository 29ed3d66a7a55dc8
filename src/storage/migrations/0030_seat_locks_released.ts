// Two deadlocks of the striped counter (migration 0028), found by CI on PostgreSQL 15 (decision 0036,
// "After CI"): a guarded UPDATE that waits on a row and then finds it full KEEPS the row lock
// (READ COMMITTED's EvalPlanQual locks the newest version before re-checking), and an exact pass
// that finds its type full keeps the allocation row and all its stripes. Either way a
// transaction held locks out of order: a commit held its full stripe and then asked for the
// allocation row; a create refused one seat type held it and then locked the next type, while
// another did the opposite. Both now run in a subtransaction whose rollback (PL/pgSQL's exception
// block) releases the locks of a failed attempt, so the next step starts holding nothing.
import { sql, type Kysely } from 'kysely';
import { STRIPES } from './0028_seat_stripes.js';

const K = STRIPES;

const statements = [
  // The exact taker of 0028, unchanged but for this: a full type leaves no lock behind.
  `create or replace function seat_take_exact(p_org uuid, p_type text, p_spread boolean, out assigned_after integer, out allocated_now integer)
   language plpgsql as $$
   declare
     total integer;
     used integer;
     mine smallint := (pg_backend_pid() % ${K})::smallint;
   begin
     begin
       select a.allocated into total from seat_allocation_rows a where a.org_id = p_org and a.seat_type = p_type for no key update;
       if not found then return; end if;
       perform 1 from seat_stripes s where s.org_id = p_org and s.seat_type = p_type order by s.stripe for update;
       select coalesce(sum(s.assigned), 0) into used from seat_stripes s where s.org_id = p_org and s.seat_type = p_type;
       if used >= total then
         raise exception 'full' using errcode = 'SGF00';
       end if;
       if p_spread then
         perform seat_stripes_spread(p_org, p_type, total, used + 1);
       else
         update seat_stripes s set assigned = s.assigned + 1
          where s.org_id = p_org and s.seat_type = p_type and s.stripe = (
            select f.stripe from seat_stripes f where f.org_id = p_org and f.seat_type = p_type and f.assigned < f.allocated
             order by f.stripe <> mine, f.stripe limit 1);
       end if;
       assigned_after := used + 1;
       allocated_now := total;
     exception when sqlstate 'SGF00' then
       -- The allocation row's and the stripes' locks went with the subtransaction: the caller may
       -- go on to another seat type holding nothing of this one.
       null;
     end;
   end $$`,
  // The commit-time taker: its own stripe in a subtransaction, so that a full stripe's lock (kept
  // by the guarded UPDATE after waiting on it) is gone before the exact pass takes the allocation row.
  `create or replace function seat_reservations_take() returns trigger language plpgsql as $$
   begin
     delete from seat_reservations where member_id = new.member_id;
     begin
       update seat_stripes set assigned = assigned + 1
        where org_id = new.org_id and seat_type = new.seat_type and stripe = (pg_backend_pid() % ${K})::smallint
          and assigned < allocated;
       if not found then
         raise exception 'stripe full' using errcode = 'SGF00';
       end if;
     exception when sqlstate 'SGF00' then
       if (seat_take_exact(new.org_id, new.seat_type, true)).assigned_after is null then
         raise exception 'no free % seat at commit', new.seat_type using errcode = 'SG001';
       end if;
     end;
     return null;
   end $$`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(): Promise<void> {
  // 0028's down replaces both functions; nothing of this migration's own to undo.
}
