// In-process CPU of turning a list page's rows into its answer body (issue 14, decision 0027):
// the rows of `GET /Users?filter=active eq true&count=100` as PostgreSQL sends them (jsonb as
// text), then, alternated, (a) the object path — JSON.parse of the stored documents (what pg's
// jsonb parser did), userResource, the default projection (withoutSecrets), JSON.stringify of
// the ListResponse — and (b) userJson of each view written into the ListResponse text.
//
//   npm run build --silent && DATABASE_URL=postgres://…/peer_seatgate node bench/list-render.mjs [--rounds 2000]
import pg from 'pg';
import { option } from './harness.mjs';
import { userJson, userResource, withStoredAttributes } from '../dist/src/protocol/scim/representation.js';
import { parseTimestamptz } from '../dist/src/storage/database.js';
import { isoOfTimestamptz } from '../dist/src/storage/timestamps.js';
import { parseProjection } from '../dist/src/protocol/scim/projection.js';

const rounds = Number(option('--rounds', '2000'));
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
// jsonb (3802) and timestamptz (1184) as text, as the server's list statements read them (decision 0038).
const text = { getTypeParser: (oid, format) => (oid === 3802 || oid === 1184 ? (v) => v : pg.types.getTypeParser(oid, format)) };
const times = { date: parseTimestamptz, iso: isoOfTimestamptz };
const { rows } = await client.query({ text: `select m.*, '[]'::json as groups from members m where active order by created_at, id offset 500 limit 100`, types: text });
await client.end();
const base = 'http://127.0.0.1:8080/scim/v2';
const view = (r) => ({ id: r.id, userName: r.user_name, externalId: r.external_id, active: r.active, seatState: r.seat_state, seatType: r.seat_type,
  seatReason: JSON.parse(r.seat_reason), pendingSince: r.pending_since && parseTimestamptz(r.pending_since), version: r.version, createdAt: r.created_at, updatedAt: r.updated_at, groups: r.groups });
const head = { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 10001, itemsPerPage: rows.length, startIndex: 501 };
const objects = () => {
  const projection = parseProjection('User');
  const resources = rows.map((r) => projection.apply(userResource({ ...view(r), createdAt: parseTimestamptz(r.created_at), updatedAt: parseTimestamptz(r.updated_at), attributes: JSON.parse(r.attributes) }, base)));
  return Buffer.from(JSON.stringify({ ...head, Resources: resources }));
};
const direct = () => {
  let body = '';
  for (let i = 0; i < rows.length; i++) body += (i > 0 ? ',' : '') + userJson(withStoredAttributes(view(rows[i]), rows[i].attributes, times), base);
  const h = JSON.stringify({ ...head, Resources: new Array(rows.length) });
  return Buffer.from(`${h.slice(0, h.lastIndexOf('['))}[${body}]}`);
};
if (!objects().equals(direct())) throw new Error('the two bodies differ');
const time = (fn) => { const t = process.cpuUsage(); for (let i = 0; i < rounds; i++) fn(); const d = process.cpuUsage(t); return (d.user + d.system) / rounds; };
for (let w = 0; w < 3; w++) { time(objects); time(direct); }
const result = { rows: rows.length, bytes: direct().length, objectsUs: [], directUs: [] };
for (let i = 0; i < 3; i++) { result.objectsUs.push(Math.round(time(objects))); result.directUs.push(Math.round(time(direct))); }
console.log(JSON.stringify(result));
