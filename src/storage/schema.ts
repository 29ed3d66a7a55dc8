// Kysely's view of the tables (src/storage/migrations is the source of truth).
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | T | undefined, string | T>;

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  plan: string;
  billing_mode: 'self_serve' | 'sales_assisted';
  currency: Generated<string>;
  term_start: string;
  term_end: string;
  auto_renew: Generated<boolean>;
  cancel_at_term_end: Generated<boolean>;
  status: Generated<'active' | 'ended'>;
  settings: Json;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SeatAllocationsTable {
  org_id: string;
  seat_type: string;
  allocated: number;
  assigned: Generated<number>;
  monthly_price_minor: Generated<number>;
}

export interface MembersTable {
  org_id: string;
  id: Generated<string>;
  user_name: string;
  external_id: string | null;
  active: Generated<boolean>;
  role: Generated<'primary_owner' | 'owner' | 'admin' | 'member'>;
  seat_state: 'assigned' | 'unassigned' | 'pending' | 'inactive';
  seat_type: string | null;
  seat_reason: Json;
  pending_since: Timestamp | null;
  source: 'scim' | 'jit' | 'admin';
  attributes: Json;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  unassigned_by_admin: Generated<boolean>;
  idp_group_ids: ColumnType<string[], string[] | undefined, string[]>;
}

export interface GroupsTable {
  org_id: string;
  id: Generated<string>;
  display_name: string;
  external_id: string | null;
  attributes: Json;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface GroupMembersTable {
  org_id: string;
  group_id: string;
  member_id: string;
  added_at: Generated<Date>;
}

export interface CredentialsTable {
  org_id: string;
  id: Generated<string>;
  kind: 'scim' | 'admin' | 'jit';
  member_id: string | null;
  label: Generated<string>;
  display_prefix: string;
  token_hash: string;
  created_at: Generated<Date>;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface AuditEventsTable {
  org_id: string;
  id: Generated<string>;
  at: Generated<Date>;
  actor: Json;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  before: Json | null;
  after: Json | null;
  reason: Json | null;
}

export interface GroupMappingsTable {
  org_id: string;
  id: Generated<string>;
  idp_group_id: string;
  seat_type: string;
  role: 'owner' | 'admin' | 'member' | null;
  allow_fallback: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface InvoicesTable {
  org_id: string;
  id: Generated<string>;
  seq: number;
  number: string;
  kind: 'purchase' | 'renewal';
  currency: string;
  issued_at: Timestamp;
  term_start: string;
  term_end: string;
  total_minor: number;
  idempotency_key: string | null;
  request_hash: string | null;
  actor: Json;
}

export interface InvoiceLinesTable {
  org_id: string;
  invoice_id: string;
  line_no: number;
  seat_type: string;
  quantity: number;
  unit_price_minor: number;
  period_start: string;
  period_end: string;
  whole_months: number;
  partial_days: number;
  partial_month_days: number;
  amount_minor: number;
  rule_text: string;
}

export interface SeatReductionsTable {
  org_id: string;
  id: Generated<string>;
  seat_type: string;
  quantity: number;
  effective_on: string;
  status: Generated<'scheduled' | 'applied' | 'cancelled'>;
  applied_quantity: number | null;
  created_at: Generated<Date>;
  created_by: Json;
  closed_at: Timestamp | null;
  closed_by: Json | null;
}

export interface SeatAlertStateTable {
  org_id: string;
  seat_type: string;
  alerting: boolean;
  alerted_at: Timestamp | null;
  rearmed_at: Timestamp | null;
}

export interface Database {
  organizations: OrganizationsTable;
  seat_allocations: SeatAllocationsTable;
  members: MembersTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  credentials: CredentialsTable;
  audit_events: AuditEventsTable;
  group_mappings: GroupMappingsTable;
  invoices: InvoicesTable;
  invoice_lines: InvoiceLinesTable;
  seat_reductions: SeatReductionsTable;
  seat_alert_state: SeatAlertStateTable;
}
