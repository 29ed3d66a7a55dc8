// Every change to a credential that can end its validity (revocation, deletion with its
// organization, a change of kind, hash or member) is announced on the `seatgate_credentials`
// channel with the token's hash, so that each server process forgets that token at once from its
// cache of authenticated tokens (src/services/access/credentials.ts). A trigger, not the application,
// sends it: revocations by the CLI, the admin API, cascades and hand-written SQL are all covered.
// The notification is delivered when the transaction commits, and never if it rolls back.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    create function seatgate_credential_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('seatgate_credentials', old.token_hash);
      return null;
    end $$`).execute(db);
  await sql.raw(`
    create trigger credentials_changed
      after update of revoked_at, token_hash, kind, org_id, member_id or delete on credentials
      for each row execute function seatgate_credential_changed()`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('drop trigger if exists credentials_changed on credentials').execute(db);
  await sql.raw('drop function if exists seatgate_credential_changed()').execute(db);
}
