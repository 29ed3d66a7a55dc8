// What the seat counter row costs creates THROUGH THE SERVER (issue 14, decision 0035): the
// peers harness's create-users load (bench/create-hot-row.mjs, 16 clients, one organization),
// run once per variant of the commit-time seat trigger (migration 0015's seat_reservations_take),
// swapped in the harness's throwaway database between runs:
//   base       the trigger as migrated (read from the database at start: since migration 0028 the
//              striped counter of decision 0036; before it, the organization's one row, guarded);
//   stripesK   a PROTOTYPE: the same guarded decrement on one of K stripe rows (bench_seat_stripes,
//              created here with free seats; the stripe is the backend's pid mod K). The
//              organization's seat_allocations.assigned is then NOT maintained: for measuring only;
//   onerow     the one-row counter as before migration 0028, on a bench table (bench_seat_onerow,
//              created here with the free seats): the same guarded decrement on one row per
//              allocation, for a same-sitting comparison with the striped counter;
//   none       no counter at all (the reservation row is still deleted): what the row costs at most.
// The trigger is put back as migrated at the end (and on Ctrl-C). Never point this at a database
// that matters. Per run: creates/s, CPU per create (server, its event-loop thread, PostgreSQL),
// WAL flushes per create, and the server's connections by state (waiting on the row lock, in
// fdatasync, on CPU, idle = the server's or the machine's turn) — see create-hot-row.mjs.
//
//   node bench/create-seat-variants.mjs --url postgres://bench:bench@127.0.0.1:PG_PORT/peer_seatgate \
//     --base URL --token T --server-pid PID --pg-pid PG_PID [--variants base,stripes4,none,stripes16,base,stripes4] \
//     [--seconds 10] [--json FILE] [--peers /work/peers-scratch]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import pg from 'pg';

const argv = process.argv.slice(2);
const arg = (k, d) => { const i = argv.indexOf(`--${k}`); return i < 0 ? d : argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : 'true'; };
const url = arg('url');
const variants = arg('variants', 'base,stripes4,none,stripes16,base,stripes4').split(',');
const here = path.dirname(fileURLToPath(import.meta.url));

const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query(`create table if not exists bench_seat_stripes (org_id uuid, seat_type text, stripe int, free int not null check (free >= 0),
  primary key (org_id, seat_type, stripe))`);
await client.query(`create table if not exists bench_seat_onerow (org_id uuid, seat_type text, free int not null check (free >= 0),
  primary key (org_id, seat_type))`);

const body = (update) => `create or replace function seat_reservations_take() returns trigger language plpgsql as $f$
   begin
     delete from seat_reservations where member_id = new.member_id;
     ${update}
     if not found then
       raise exception 'no free % seat at commit', new.seat_type using errcode = 'SG001';
     end if;
     return null;
   end $f$`;
// The trigger as this database was migrated (put back after the runs, and run as `base`).
const MIGRATED = (await client.query(`select pg_get_functiondef('seat_reservations_take'::regproc) as def`)).rows[0].def;
async function use(variant) {
  const stripes = /^stripes(\d+)$/.exec(variant);
  if (stripes) {
    const k = Number(stripes[1]);
    await client.query('truncate bench_seat_stripes');
    await client.query(`insert into bench_seat_stripes select org_id, seat_type, g, allocated / $1 from seat_allocations, generate_series(0, $1 - 1) g`, [k]);
    await client.query(body(`update bench_seat_stripes set free = free - 1
      where org_id = new.org_id and seat_type = new.seat_type and stripe = pg_backend_pid() % ${k} and free > 0;`));
  } else if (variant === 'onerow') {
    await client.query('truncate bench_seat_onerow');
    await client.query('insert into bench_seat_onerow select org_id, seat_type, allocated - assigned from seat_allocations');
    await client.query(body(`update bench_seat_onerow set free = free - 1
      where org_id = new.org_id and seat_type = new.seat_type and free > 0;`));
  } else if (variant === 'none') await client.query(body('perform 1;'));
  else if (variant === 'base') await client.query(MIGRATED);
  else throw new Error(`unknown variant ${variant}`);
}
const restore = () => client.query(MIGRATED);
process.on('SIGINT', async () => { await restore(); process.exit(130); });

const rows = [];
try {
  for (const [i, variant] of variants.entries()) {
    await use(variant);
    const label = `${variant}#${i + 1}`;
    const pass = ['peers', 'base', 'token', 'server-pid', 'pg-pid', 'seconds', 'warmup', 'concurrency', 'json'].flatMap((k) => (arg(k) ? [`--${k}`, arg(k)] : []));
    const run = spawnSync(process.execPath, [path.join(here, 'create-hot-row.mjs'), '--url', url, '--label', label, ...pass], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (run.status !== 0) throw new Error(`create-hot-row.mjs failed: ${run.stderr}`);
    const out = JSON.parse(run.stdout.slice(run.stdout.indexOf('{\n')));
    const rate = out.creates_per_s;
    const state = (k) => out.backend_states[k]?.mean ?? 0;
    const rowLock = Object.entries(out.backend_states).filter(([k]) => k.startsWith('active Lock/')).reduce((s, [, v]) => s + v.mean, 0);
    const row = {
      variant: label, creates_per_s: rate, other_pct: out.cpu_split_pct?.other,
      server_ms: out.per_create.server_cpu_ms, event_loop_ms: out.per_create.server_main_thread_cpu_ms, pg_ms: out.per_create.pg_cpu_ms,
      flushes: out.wal_flushes_per_create,
      // Mean server connections in the state; ÷ creates/s = ms of each create's wall time spent so.
      waiting_on_row_lock: +rowLock.toFixed(2), ms_waiting_per_create: +(rowLock / rate * 1000).toFixed(1),
      in_fdatasync: state('active IO/WalSync'), ms_fdatasync_per_create: +(state('active IO/WalSync') / rate * 1000).toFixed(1),
      on_cpu: state('active on CPU'), idle: state('idle'),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
} finally {
  await restore();
  await client.end();
}
console.table(rows);
