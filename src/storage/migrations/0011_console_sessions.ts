// Console sign-in sessions (src/services/console/sessions.ts). The browser holds a random
// session secret in an httpOnly cookie; the row keeps only its SHA-256 hash, and the admin token
// the session was opened with, encrypted with a key derived from that secret — so the database
// alone can never act as the admin, and every request re-checks the token itself.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    create table console_sessions (
      org_id uuid not null references organizations (id) on delete cascade,
      id uuid not null default gen_random_uuid(),
      secret_hash text not null unique,
      credential_id uuid not null,
      sealed_token text not null,
      created_at timestamptz not null,
      last_seen_at timestamptz not null,
      expires_at timestamptz not null,
      ended_at timestamptz,
      primary key (org_id, id),
      foreign key (org_id, credential_id) references credentials (org_id, id) on delete cascade
    )`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop table if exists console_sessions').execute(db);
}
