// In-process CPU of a list page's timestamps (issue 14, decision 0038): the created_at and
// updated_at texts of 100 listed users as PostgreSQL sends them, then, alternated, (a) the Date
// and its toISOString() (what a page did before) and (b) the Date and the ISO text written from
// PostgreSQL's text (isoOfTimestamptz, what userJson does now, with its check of the time).
//
//   npm run build --silent && DATABASE_URL=postgres://…/peer_seatgate node bench/list-timestamps.mjs [--pages 2000] [--rounds 5]
import pg from 'pg';
import { option } from './harness.mjs';
import { parseTimestamptz } from '../dist/src/storage/database.js';
import { isoOfTimestamptz } from '../dist/src/storage/timestamps.js';

const pages = Number(option('--pages', '2000')), rounds = Number(option('--rounds', '5'));
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
const { rows } = await client.query({ text: 'select created_at, updated_at from members where active order by created_at, id offset 500 limit 100',
  types: { getTypeParser: () => (v) => v } });
await client.end();
let sink = 0;
const before = () => {
  for (const r of rows) sink += parseTimestamptz(r.created_at).toISOString().length + parseTimestamptz(r.updated_at).toISOString().length;
};
const iso = (date, time, text) => (date.getTime() === time ? isoOfTimestamptz(text) : undefined) ?? date.toISOString();
const after = () => {
  for (const r of rows) {
    const c = parseTimestamptz(r.created_at), u = parseTimestamptz(r.updated_at);
    const ct = c.getTime(), ut = u.getTime();
    sink += iso(c, ct, r.created_at).length + iso(u, ut, r.updated_at).length;
  }
};
for (const r of rows) {
  if (parseTimestamptz(r.created_at).toISOString() !== isoOfTimestamptz(r.created_at)) throw new Error(`differs: ${r.created_at}`);
}
const time = (fn, n) => { const t = process.cpuUsage(); for (let i = 0; i < n; i++) fn(); const d = process.cpuUsage(t); return (d.user + d.system) / n; };
for (let w = 0; w < 3; w++) { time(before, 500); time(after, 500); }
const result = { rows: rows.length, beforeUsPerPage: [], afterUsPerPage: [] };
for (let i = 0; i < rounds; i++) { result.beforeUsPerPage.push(Math.round(time(before, pages))); result.afterUsPerPage.push(Math.round(time(after, pages))); }
process.stdout.write(`${JSON.stringify(result)}\n`);
if (sink === 0) throw new Error('nothing measured');
