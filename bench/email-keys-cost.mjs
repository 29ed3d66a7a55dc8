// seatgate_email_keys (members.email_keys) as a SQL function against the same expression in
// PL/pgSQL, per call, on a running seatgate database (decision 0020, migration 0020): 5,000
// prepared `select f($1)` per variant, 3 rounds, CPU of the one backend from /proc (so run it on
// the database's machine). It adds a scratch function email_keys_plpgsql and drops it at the end;
// after migration 0020 both variants are PL/pgSQL, so compare against a database before it.
//
//   node bench/email-keys-cost.mjs postgres://user:password@127.0.0.1:PORT/DB
import pg from 'pg';
import { processTimes } from './harness.mjs';
const client = new pg.Client(process.argv[2]); await client.connect();
await client.query(`create or replace function email_keys_plpgsql(emails jsonb) returns text language plpgsql immutable parallel safe strict as $f$
    begin return (select coalesce(string_agg(chr(1) || case when jsonb_typeof(e -> 'type') = 'string'
      then translate(lower(e ->> 'type'), chr(1) || chr(2) || chr(3) || chr(4) || chr(5), repeat(chr(6), 5)) else chr(4) end || chr(2) || case when jsonb_typeof(e -> 'value') = 'string'
      then translate(lower(e ->> 'value'), chr(1) || chr(2) || chr(3) || chr(4) || chr(5), repeat(chr(6), 5)) else chr(4) end || chr(3), '' order by n), '')
      from jsonb_array_elements(case when jsonb_typeof(emails) = 'array' then emails else '[]'::jsonb end) with ordinality as t(e, n)); end $f$`);
const pid = (await client.query('select pg_backend_pid() as p, version() as v')).rows[0];
console.log(pid.v);
const arg = JSON.stringify([{ value: 'Someone.Long@Example.com', type: 'work', primary: true }]);
const run = async (text, name, n) => { const t = processTimes(pid.p).own; for (let i = 0; i < n; i++) await client.query({ name, text, values: [arg] }); return (processTimes(pid.p).own - t) / n * 1000; };
for (let r = 0; r < 3; r++) console.log(`round ${r}: sql fn ${(await run('select seatgate_email_keys($1::jsonb)', 'a', 5000)).toFixed(1)} µs, plpgsql ${(await run('select email_keys_plpgsql($1::jsonb)', 'b', 5000)).toFixed(1)} µs, none ${(await run('select $1::jsonb', 'c', 5000)).toFixed(1)} µs`);
await client.query('drop function email_keys_plpgsql(jsonb)');
await client.end();
