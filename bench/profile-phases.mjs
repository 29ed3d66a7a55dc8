// Shares of a server CPU profile (node --cpu-prof) by phase of a SCIM request (issue 14, decision
// 0023): each sample goes to the leaf-most frame that a rule below recognises (so a syscall counts
// for whoever made it).   node bench/profile-phases.mjs FILE.cpuprofile [requests]
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const rules = [
  ['(idle)', (f, u) => f === '(idle)'],
  ['gc', (f) => f === '(garbage collector)'],
  ['program', (f) => f === '(program)'],
  ['pg-send (query → socket)', (f, u) => /pg\/lib\/(query|connection)\.js/.test(u) && /submit|prepare|_send|bind|execute|sync|parse$|describe/.test(f) || /pg-protocol\/dist\/serializer/.test(u)],
  ['pg-receive (parse rows)', (f, u) => /pg-protocol|pg\/lib\/(result|client|connection|query|utils|type-overrides)|pg-types|postgres-(date|array|interval|bytea)|pg-pool/.test(u)],
  ['kysely build+compile', (f, u) => /kysely/.test(u)],
  ['storage (scim-users, database.js)', (f, u) => /dist\/src\/storage\//.test(u)],
  ['filter parse/validate/sql', (f, u) => /dist\/src\/protocol\/scim\/filter\//.test(u)],
  ['list query / projection', (f, u) => /dist\/src\/protocol\/scim\/(list|projection)\.js/.test(u)],
  ['render (representation, attributes)', (f, u) => /dist\/src\/protocol\/scim\/(representation|attributes)\.js/.test(u)],
  ['etag (express)', (f, u) => /node_modules\/etag/.test(u)],
  ['respond (sendScim → res.send → socket)', (f, u) => /respond\.js/.test(u) || /express\/lib\/response\.js/.test(u)],
  ['rate limit', (f, u) => /express-rate-limit/.test(u)],
  ['auth (passport, cache, hash)', (f, u) => /passport|dist\/src\/interfaces\/http\/auth\.js|dist\/src\/services\/access|dist\/src\/domain\/credentials/.test(u)],
  ['observability (ids, metrics, log)', (f, u) => /observability|prom-client|winston|logform/.test(u)],
  ['body/json input', (f, u) => /body-parser|raw-body|http\/input\.js|type-is|content-type|media-typer/.test(u)],
  ['scim route handler + service', (f, u) => /dist\/src\/interfaces\/http\/scim|dist\/src\/services\/scim|http\/handle\.js/.test(u)],
  ['express/router', (f, u) => /node_modules\/(express|router|path-to-regexp|parseurl|qs|finalhandler|on-finished|depd|debug|fresh|accepts|negotiator|vary|encodeurl|proxy-addr|forwarded)/.test(u)],
  ['node http in/out', (f, u) => /node:_http|node:internal\/streams|node:net|node:internal\/stream_base/.test(u)],
  ['node other', (f, u) => /^node:/.test(u)],
  ['native/other', () => true],
];
const cls = new Map();
let total = 0;
const memo = new Map();
const classify = (id) => {
  if (memo.has(id)) return memo.get(id);
  let x = id; let result;
  outer: while (x !== undefined) {
    const n = byId.get(x); const f = n.callFrame.functionName, u = n.callFrame.url;
    for (const [name, test] of rules.slice(0, -3)) if (test(f, u)) { result = name; break outer; }
    x = parent.get(x);
  }
  if (!result) { const n = byId.get(id); for (const [name, test] of rules.slice(-3)) if (test(n.callFrame.functionName, n.callFrame.url)) { result = name; break; } }
  memo.set(id, result); return result;
};
for (let i = 0; i < p.samples.length; i++) { const d = p.timeDeltas[i] ?? 0; const c = classify(p.samples[i]); cls.set(c, (cls.get(c) ?? 0) + d); }
const idle = cls.get('(idle)') ?? 0; cls.delete('(idle)');
const busy = [...cls.values()].reduce((a, b) => a + b, 0);
const reqs = Number(process.argv[3] ?? 0);
console.log(`busy ${(busy / 1e6).toFixed(2)} s${reqs ? `, ${(busy / reqs).toFixed(1)} µs/request` : ''}`);
for (const [k, t] of [...cls].sort((a, b) => b[1] - a[1])) console.log(`${(100 * t / busy).toFixed(1).padStart(5)}%  ${reqs ? (t / reqs).toFixed(1).padStart(6) + ' µs  ' : ''}${k}`);
