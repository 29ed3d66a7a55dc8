// Billing (SPEC §5): invoices and their lines (immutable once issued), seat reductions scheduled
// for the renewal, and the per-seat-type alert state of seat monitoring.
import { sql, type Kysely } from 'kysely';

const statements = [
  // One invoice per purchase or renewal. `seq` is a per-organization gapless sequence (taken
  // under the organization's row lock), shown as `number`. A purchase made with an
  // Idempotency-Key stores the key and a hash of the request, so a retry finds it again.
  `create table invoices (
     org_id uuid not null references organizations (id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     seq integer not null check (seq > 0),
     number text not null,
     kind text not null check (kind in ('purchase', 'renewal')),
     currency text not null check (currency ~ '^[A-Z]{3}$'),
     issued_at timestamptz not null,
     term_start date not null,
     term_end date not null check (term_end > term_start),
     total_minor bigint not null check (total_minor >= 0),
     idempotency_key text check (length(idempotency_key) between 1 and 255),
     request_hash text,
     actor jsonb not null,
     primary key (org_id, id),
     constraint invoices_seq_key unique (org_id, seq),
     constraint invoices_idempotency_key unique (org_id, idempotency_key),
     constraint idempotency_key_has_hash check ((idempotency_key is null) = (request_hash is null))
   )`,
  // A term renews once: the backstop behind the organization row lock.
  `create unique index invoices_one_renewal_per_term on invoices (org_id, term_start) where kind = 'renewal'`,
  `create index invoices_by_issue on invoices (org_id, issued_at desc, seq desc)`,
  // No foreign key to seat_allocations: a legacy seat type's allocation row is removed at the
  // plan's renewal, and the invoice must still name it.
  `create table invoice_lines (
     org_id uuid not null,
     invoice_id uuid not null,
     line_no integer not null check (line_no > 0),
     seat_type text not null,
     quantity integer not null check (quantity >= 0),
     unit_price_minor bigint not null check (unit_price_minor >= 0),
     period_start date not null,
     period_end date not null check (period_end > period_start),
     whole_months integer not null check (whole_months between 0 and 12),
     partial_days integer not null check (partial_days >= 0),
     partial_month_days integer not null check (partial_month_days >= 0),
     amount_minor bigint not null check (amount_minor >= 0),
     rule_text text not null,
     primary key (org_id, invoice_id, line_no),
     foreign key (org_id, invoice_id) references invoices (org_id, id) on delete cascade
   )`,
  // Issued invoices never change. UPDATE is refused outright; DELETE only when it cascades from
  // the organization's deletion (fired from a foreign-key trigger, so the trigger depth is > 1).
  `create function seatgate_invoices_immutable() returns trigger language plpgsql as $$
   begin
     if tg_op = 'DELETE' and pg_trigger_depth() > 1 then
       return old;
     end if;
     raise exception 'invoices are immutable: % on % is not allowed', tg_op, tg_table_name
       using errcode = 'P0001', hint = 'issue a new invoice instead';
   end
   $$`,
  `create trigger invoices_immutable before update or delete on invoices
     for each row execute function seatgate_invoices_immutable()`,
  `create trigger invoice_lines_immutable before update or delete on invoice_lines
     for each row execute function seatgate_invoices_immutable()`,
  // A reduction never lowers the allocation during the term; it is applied at the renewal that
  // ends the term it was scheduled in (effective_on = that term's end).
  `create table seat_reductions (
     org_id uuid not null references organizations (id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     seat_type text not null,
     quantity integer not null check (quantity > 0),
     effective_on date not null,
     status text not null default 'scheduled' check (status in ('scheduled', 'applied', 'cancelled')),
     applied_quantity integer check (applied_quantity >= 0),
     created_at timestamptz not null default now(),
     created_by jsonb not null,
     closed_at timestamptz,
     closed_by jsonb,
     primary key (org_id, id),
     constraint applied_has_quantity check ((status = 'applied') = (applied_quantity is not null))
   )`,
  `create index seat_reductions_scheduled on seat_reductions (org_id, effective_on) where status = 'scheduled'`,
  // One row per (organization, seat type) that has ever alerted: alerting = true from an upward
  // crossing of the threshold until utilization falls back below it (re-armed).
  `create table seat_alert_state (
     org_id uuid not null,
     seat_type text not null,
     alerting boolean not null,
     alerted_at timestamptz,
     rearmed_at timestamptz,
     primary key (org_id, seat_type),
     foreign key (org_id, seat_type) references seat_allocations (org_id, seat_type) on delete cascade
   )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['seat_alert_state', 'seat_reductions', 'invoice_lines', 'invoices']) {
    await sql.raw(`drop table if exists ${table}`).execute(db);
  }
  await sql.raw('drop function if exists seatgate_invoices_immutable()').execute(db);
}
