// The seat counter split into 16 stripes (issue 14, decisions 0035 and 0036). One counter row per
// (organization, seat type) was updated by every create's commit and held through that commit's
// WAL flush, so one organization's creates committed one at a time (one fdatasync each). Now:
//
// - `seat_allocation_rows` is the old table without its `assigned` column: the purchased total
//   (`allocated`) and the price. Its foreign keys, triggers and names follow the rename.
// - `seat_stripes` holds K = 16 rows per allocation, each with a share of `allocated` and a count
//   of `assigned`, CHECK (0 ≤ assigned ≤ allocated) per stripe; sum(stripes.allocated) equals the
//   allocation's `allocated`, kept by a trigger on every write of `allocated` (purchases,
//   reductions, renewals, admin and CLI seat edits, conversions, inserts).
// - `seat_allocations` becomes a VIEW with the old columns, `assigned` = sum of the stripes: the
//   readers (billing, renewals, metrics, admin, the gate's statement) read it as before; `allocated`
//   and `monthly_price_minor` stay updatable through it (PostgreSQL's auto-updatable views), and
//   `assigned` cannot be written: a writer must go through the functions below.
//
// Lock order (deadlock-free): an allocation row before its stripes, stripes in stripe order. A
// create's commit takes ONE stripe (its backend's) and nothing else; only when that stripe is full
// does it lock the allocation row and then all stripes in order (it holds nothing then), and
// spread the free seats evenly again. Every transactional taker and every release also locks the
// allocation row first, so stripes are only ever locked under their allocation row or one at a
// time by a committing create.
import { sql, type Kysely } from 'kysely';

export const STRIPES = 16;

const K = STRIPES;
// The error a write that would leave more seats assigned than allocated raised before (the old
// table's CHECK `seats_within_allocation`): callers and tests match on its name.
const tooFew = (what: string) => `raise exception 'new row for relation "seat_allocations" violates check constraint "seats_within_allocation" (%)', ${what}
      using errcode = '23514', constraint = 'seats_within_allocation', table = 'seat_allocations'`;

const statements = [
  'alter table seat_allocations rename to seat_allocation_rows',
  `create table seat_stripes (
     org_id uuid not null,
     seat_type text not null,
     stripe smallint not null check (stripe >= 0 and stripe < ${K}),
     allocated integer not null,
     assigned integer not null default 0,
     primary key (org_id, seat_type, stripe),
     foreign key (org_id, seat_type) references seat_allocation_rows (org_id, seat_type) on delete cascade,
     constraint seat_stripes_within_allocation check (0 <= assigned and assigned <= allocated)
   ) with (fillfactor = 50)`,
  // Spreads an allocation evenly over its stripes: each gets assigned/K seats assigned (remainder
  // on the low stripes) and free/K free seats (remainder on the high ones), so a stripe runs out
  // only when about 1/K of the free seats have gone through it. Seats are counts, not slots, so
  // moving `assigned` between stripes changes nothing. p_assigned null: the stripes' current sum.
  `create function seat_stripes_spread(p_org uuid, p_type text, p_allocated integer, p_assigned integer)
   returns void language plpgsql as $$
   declare
     used integer := p_assigned;
     free integer;
   begin
     perform 1 from seat_stripes where org_id = p_org and seat_type = p_type order by stripe for update;
     if used is null then
       select coalesce(sum(assigned), 0) into used from seat_stripes where org_id = p_org and seat_type = p_type;
     end if;
     if used < 0 or used > p_allocated then
       ${tooFew(`format('%s assigned, %s allocated', used, p_allocated)`)};
     end if;
     free := p_allocated - used;
     update seat_stripes s
        set assigned = used / ${K} + (s.stripe < used % ${K})::int,
            allocated = used / ${K} + (s.stripe < used % ${K})::int + free / ${K} + (${K - 1} - s.stripe < free % ${K})::int
      where s.org_id = p_org and s.seat_type = p_type;
   end $$`,
  `create function seat_stripes_insert() returns trigger language plpgsql as $$
   begin
     insert into seat_stripes (org_id, seat_type, stripe, allocated, assigned)
     select new.org_id, new.seat_type, g, new.allocated / ${K} + ((${K - 1} - g) < new.allocated % ${K})::int, 0
       from generate_series(0, ${K - 1}) g;
     return null;
   end $$`,
  `create trigger seat_stripes_insert after insert on seat_allocation_rows
     for each row execute function seat_stripes_insert()`,
  // Every write of `allocated` (the row is locked by the UPDATE itself) spreads it again; a total
  // below the seats assigned fails as the old CHECK did.
  `create function seat_stripes_allocated() returns trigger language plpgsql as $$
   begin
     perform seat_stripes_spread(new.org_id, new.seat_type, new.allocated, null);
     return null;
   end $$`,
  `create trigger seat_stripes_allocated after update of allocated on seat_allocation_rows
     for each row when (old.allocated is distinct from new.allocated) execute function seat_stripes_allocated()`,
  // The exact taker: the allocation row, then every stripe in order; a seat when the sum has one.
  // p_spread (a committing create whose own stripe was full) spreads the free seats again so that
  // the next creates find room in their own stripes; the transactional path takes from one stripe.
  `create function seat_take_exact(p_org uuid, p_type text, p_spread boolean, out assigned_after integer, out allocated_now integer)
   language plpgsql as $$
   declare
     total integer;
     used integer;
     mine smallint := (pg_backend_pid() % ${K})::smallint;
   begin
     select a.allocated into total from seat_allocation_rows a where a.org_id = p_org and a.seat_type = p_type for no key update;
     if not found then return; end if;
     perform 1 from seat_stripes s where s.org_id = p_org and s.seat_type = p_type order by s.stripe for update;
     select coalesce(sum(s.assigned), 0) into used from seat_stripes s where s.org_id = p_org and s.seat_type = p_type;
     if used >= total then return; end if;
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
   end $$`,
  // A release: the allocation row (releases and exact takers one at a time), then one stripe with
  // a seat assigned, the backend's own first. Committing creates only add to stripes, so the
  // stripe chosen still has one.
  `create function seat_release(p_org uuid, p_type text) returns void language plpgsql as $$
   declare
     mine smallint := (pg_backend_pid() % ${K})::smallint;
   begin
     perform 1 from seat_allocation_rows a where a.org_id = p_org and a.seat_type = p_type for no key update;
     if not found then return; end if;
     update seat_stripes s set assigned = s.assigned - 1
      where s.org_id = p_org and s.seat_type = p_type and s.assigned > 0 and s.stripe = (
        select f.stripe from seat_stripes f where f.org_id = p_org and f.seat_type = p_type and f.assigned > 0
         order by f.stripe <> mine, f.stripe limit 1);
     if not found then
       ${tooFew(`'no seat assigned to release'`)};
     end if;
   end $$`,
  // Sets the count (renewal and conversion moves, recounts): the allocation row, then a spread.
  `create function seat_set_assigned(p_org uuid, p_type text, p_assigned integer) returns void language plpgsql as $$
   declare
     total integer;
   begin
     select a.allocated into total from seat_allocation_rows a where a.org_id = p_org and a.seat_type = p_type for no key update;
     if found then perform seat_stripes_spread(p_org, p_type, total, p_assigned); end if;
   end $$`,
  // Existing allocations: their stripes, with the count they hold (then the column goes).
  `insert into seat_stripes (org_id, seat_type, stripe, allocated, assigned)
   select a.org_id, a.seat_type, g, 0, 0 from seat_allocation_rows a, generate_series(0, ${K - 1}) g`,
  'select seat_stripes_spread(org_id, seat_type, allocated, assigned) from seat_allocation_rows',
  'alter table seat_allocation_rows drop column assigned',
  `create view seat_allocations as
   select a.org_id, a.seat_type, a.allocated,
          (select coalesce(sum(s.assigned), 0)::integer from seat_stripes s
            where s.org_id = a.org_id and s.seat_type = a.seat_type) as assigned,
          a.monthly_price_minor
     from seat_allocation_rows a`,
  // The commit-time taker (migration 0015): its backend's stripe, guarded; when full, the exact
  // pass over all stripes; SG001 only when the allocation's total is full.
  `create or replace function seat_reservations_take() returns trigger language plpgsql as $$
   begin
     delete from seat_reservations where member_id = new.member_id;
     update seat_stripes set assigned = assigned + 1
      where org_id = new.org_id and seat_type = new.seat_type and stripe = (pg_backend_pid() % ${K})::smallint
        and assigned < allocated;
     if not found and (seat_take_exact(new.org_id, new.seat_type, true)).assigned_after is null then
       raise exception 'no free % seat at commit', new.seat_type using errcode = 'SG001';
     end if;
     return null;
   end $$`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    'drop view if exists seat_allocations',
    'alter table seat_allocation_rows add column assigned integer not null default 0 check (assigned >= 0)',
    `update seat_allocation_rows a set assigned = (select coalesce(sum(s.assigned), 0) from seat_stripes s
      where s.org_id = a.org_id and s.seat_type = a.seat_type)`,
    'alter table seat_allocation_rows add constraint seats_within_allocation check (assigned <= allocated)',
    `create or replace function seat_reservations_take() returns trigger language plpgsql as $$
     begin
       delete from seat_reservations where member_id = new.member_id;
       update seat_allocations set assigned = assigned + 1
        where org_id = new.org_id and seat_type = new.seat_type and assigned < allocated;
       if not found then
         raise exception 'no free % seat at commit', new.seat_type using errcode = 'SG001';
       end if;
       return null;
     end $$`,
    'drop trigger if exists seat_stripes_allocated on seat_allocation_rows',
    'drop trigger if exists seat_stripes_insert on seat_allocation_rows',
    'drop table if exists seat_stripes',
    'drop function if exists seat_set_assigned(uuid, text, integer)',
    'drop function if exists seat_release(uuid, text)',
    'drop function if exists seat_take_exact(uuid, text, boolean)',
    'drop function if exists seat_stripes_allocated()',
    'drop function if exists seat_stripes_insert()',
    'drop function if exists seat_stripes_spread(uuid, text, integer, integer)',
    'alter table seat_allocation_rows rename to seat_allocations',
  ]) await sql.raw(statement).execute(db);
}
