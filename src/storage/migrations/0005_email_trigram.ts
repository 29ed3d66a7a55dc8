// Superseded by 0007 (email keys), which drops this index; kept as history, and for pg_trgm.
// A trigram index for filters on User.emails values (Entra matches users by
// `emails[type eq "work"].value eq "…"`). It serves the prefilter the filter compiler adds
// (src/protocol/scim/filter/email-prefilter.ts). pg_trgm ships with PostgreSQL and is a trusted
// extension, but a database role may still lack the right to create it: then the index is left
// out and such filters read every member of the organization (correct, slower).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    do $$
    begin
      begin
        create extension if not exists pg_trgm;
      exception when insufficient_privilege or undefined_file then
        raise notice 'pg_trgm is not available: filters on emails will scan';
      end;
      if exists (select 1 from pg_extension where extname = 'pg_trgm') then
        execute 'create index members_email_values_trgm on members using gin '
          || '(lower(jsonb_path_query_array(attributes, ''$.emails[*].value'')::text) gin_trgm_ops)';
      end if;
    end $$`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop index if exists members_email_values_trgm').execute(db);
}
