// The foundation schema. Every table is keyed by org_id first, so that a row can never be read
// without its organization and the schema can later be distributed by organization.
import { sql, type Kysely } from 'kysely';

const statements = [
  `create table organizations (
     id uuid primary key default gen_random_uuid(),
     name text not null check (length(name) between 1 and 200),
     plan text not null,
     billing_mode text not null check (billing_mode in ('self_serve', 'sales_assisted')),
     currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
     term_start date not null,
     term_end date not null check (term_end > term_start),
     auto_renew boolean not null default true,
     cancel_at_term_end boolean not null default false,
     status text not null default 'active' check (status in ('active', 'ended')),
     settings jsonb not null default '{}',
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now()
   )`,
  // The seat counter lives beside the allocation so that the gate is one guarded UPDATE; the
  // CHECK makes "assigned <= allocated" a property of the database itself.
  `create table seat_allocations (
     org_id uuid not null references organizations (id) on delete cascade,
     seat_type text not null,
     allocated integer not null check (allocated >= 0),
     assigned integer not null default 0 check (assigned >= 0),
     monthly_price_minor bigint not null default 0 check (monthly_price_minor >= 0),
     primary key (org_id, seat_type),
     constraint seats_within_allocation check (assigned <= allocated)
   )`,
  `create table members (
     org_id uuid not null references organizations (id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     user_name text not null check (length(user_name) between 1 and 512),
     external_id text,
     active boolean not null default true,
     role text not null default 'member' check (role in ('primary_owner', 'owner', 'admin', 'member')),
     seat_state text not null check (seat_state in ('assigned', 'unassigned', 'pending', 'inactive')),
     seat_type text,
     seat_reason jsonb not null default '{}',
     pending_since timestamptz,
     source text not null check (source in ('scim', 'jit', 'admin')),
     attributes jsonb not null default '{}',
     version integer not null default 1,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     primary key (org_id, id),
     foreign key (org_id, seat_type) references seat_allocations (org_id, seat_type),
     constraint seat_type_iff_assigned check ((seat_state = 'assigned') = (seat_type is not null)),
     constraint pending_since_iff_pending check ((seat_state = 'pending') = (pending_since is not null))
   )`,
  `create unique index members_user_name_key on members (org_id, lower(user_name))`,
  `create unique index members_external_id_key on members (org_id, external_id) where external_id is not null`,
  `create unique index members_one_primary_owner on members (org_id) where role = 'primary_owner'`,
  `create index members_by_creation on members (org_id, created_at, id)`,
  `create index members_pending_queue on members (org_id, pending_since, id) where seat_state = 'pending'`,
  `create table groups (
     org_id uuid not null references organizations (id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     display_name text not null check (length(display_name) between 1 and 512),
     external_id text,
     attributes jsonb not null default '{}',
     version integer not null default 1,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     primary key (org_id, id)
   )`,
  `create unique index groups_display_name_key on groups (org_id, lower(display_name))`,
  `create index groups_external_id on groups (org_id, external_id) where external_id is not null`,
  `create index groups_by_creation on groups (org_id, created_at, id)`,
  `create table group_members (
     org_id uuid not null,
     group_id uuid not null,
     member_id uuid not null,
     added_at timestamptz not null default now(),
     primary key (org_id, group_id, member_id),
     foreign key (org_id, group_id) references groups (org_id, id) on delete cascade,
     foreign key (org_id, member_id) references members (org_id, id) on delete cascade
   )`,
  `create index group_members_by_member on group_members (org_id, member_id)`,
  `create table credentials (
     org_id uuid not null references organizations (id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     kind text not null check (kind in ('scim', 'admin', 'jit')),
     member_id uuid,
     label text not null default '' check (length(label) <= 200),
     display_prefix text not null,
     token_hash text not null unique,
     created_at timestamptz not null default now(),
     last_used_at timestamptz,
     revoked_at timestamptz,
     primary key (org_id, id),
     foreign key (org_id, member_id) references members (org_id, id) on delete cascade,
     constraint admin_tokens_belong_to_a_member check ((kind = 'admin') = (member_id is not null))
   )`,
  `create table audit_events (
     org_id uuid not null references organizations (id) on delete cascade,
     id bigint generated always as identity,
     at timestamptz not null default now(),
     actor jsonb not null,
     action text not null,
     subject_type text,
     subject_id text,
     before jsonb,
     after jsonb,
     reason jsonb,
     primary key (org_id, id)
   )`,
  `create index audit_events_by_action on audit_events (org_id, action, at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['audit_events', 'credentials', 'group_members', 'groups', 'members', 'seat_allocations', 'organizations']) {
    await sql.raw(`drop table if exists ${table}`).execute(db);
  }
}
