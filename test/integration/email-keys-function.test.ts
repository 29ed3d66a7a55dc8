// Migration 0020: seatgate_email_keys (members.email_keys, migration 0007) is PL/pgSQL, whose plan
// PostgreSQL caches per session, instead of a SQL function planned again in every INSERT or
// UPDATE of a member before PostgreSQL 18 — and it computes exactly what 0007's expression does,
// so the values stored before stay right.
import { sql } from 'kysely';
import { openTestContext, type TestContext } from '../support/context.js';

let ctx: TestContext;
beforeAll(() => { ctx = openTestContext(); });
afterAll(() => ctx.close());

const inputs = [
  [{ value: 'Ada.Lovelace@Example.COM', type: 'work', primary: true }],
  [{ value: 'a@x.test', type: 'work' }, { value: 'b@y.test', type: 'home' }, { value: 'c@z.test' }],
  [{ value: 42, type: null }, { type: ['x'] }, 'not an object', null],
  [{ value: 'ctl\u0001\u0002\u0003\u0004\u0005chars', type: 'ÉCOLE' }],
  [], {}, 'text', 7, null,
];

describe('seatgate_email_keys', () => {
  it('is PL/pgSQL (a plan cached per session)', async () => {
    const row = (await sql<{ lanname: string }>`
      select l.lanname from pg_proc p join pg_language l on l.oid = p.prolang where p.proname = 'seatgate_email_keys'`.execute(ctx.db)).rows[0];
    expect(row?.lanname).toBe('plpgsql');
  });

  it('gives the keys of migration 0007\'s expression for every input', async () => {
    const { rows } = await sql<{ input: unknown; fn: string | null; expression: string | null }>`
      select i.emails as input, seatgate_email_keys(i.emails) as fn,
             case when i.emails is null then null else (
               select coalesce(string_agg(chr(1)
                 || case when jsonb_typeof(e -> 'type') = 'string' then translate(lower(e ->> 'type'), chr(1) || chr(2) || chr(3) || chr(4) || chr(5), repeat(chr(6), 5)) else chr(4) end
                 || chr(2)
                 || case when jsonb_typeof(e -> 'value') = 'string' then translate(lower(e ->> 'value'), chr(1) || chr(2) || chr(3) || chr(4) || chr(5), repeat(chr(6), 5)) else chr(4) end
                 || chr(3), '' order by n), '')
                 from jsonb_array_elements(case when jsonb_typeof(i.emails) = 'array' then i.emails else '[]'::jsonb end) with ordinality as t(e, n)) end as expression
        from jsonb_array_elements(${JSON.stringify(inputs.filter((x) => x !== null))}::jsonb) as i(emails)
      union all select null, seatgate_email_keys(null), null`.execute(ctx.db);
    expect(rows).toHaveLength(inputs.length);
    for (const row of rows) expect({ input: row.input, keys: row.fn }).toEqual({ input: row.input, keys: row.expression });
    expect(rows[0]!.fn).toBe('\u0001work\u0002ada.lovelace@example.com\u0003');
  });
});
