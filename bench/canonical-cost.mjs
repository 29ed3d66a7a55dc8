// CPU per canonicalization of a SCIM user body (protocol/scim/representation.ts userFieldsFromBody:
// the body through the PATCH engine as one no-path replace), the step every POST and PUT takes
// (issue 14, decision 0040). Best of 5 rounds of process.cpuUsage() per call, Okta's PUT body.
//
//   node bench/canonical-cost.mjs [DIST]     DIST: a built dist folder (default ./dist), to compare builds
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = path.resolve(process.argv[2] ?? 'dist');
const { userFieldsFromBody } = await import(pathToFileURL(path.join(dist, 'src/protocol/scim/representation.js')).href);
const SCHEMA_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const body = (i) => ({
  schemas: [SCHEMA_USER], userName: `u${i}@x.com`, name: { givenName: `Okta${i}`, familyName: `Renamed${i}` },
  emails: [{ primary: true, value: `u${i}@x.com`, type: 'work' }], displayName: `Okta${i} Sync`, locale: 'en-US',
  externalId: `00u${i}`, groups: [], active: true, id: 'abc', title: 'Staff',
});
const N = 40000;
let best = Infinity;
for (let round = 0; round < 5; round += 1) {
  const start = process.cpuUsage();
  for (let i = 0; i < N; i += 1) userFieldsFromBody(body(i));
  const used = process.cpuUsage(start);
  best = Math.min(best, (used.user + used.system) / N);
}
console.log(`${dist}: userFieldsFromBody ${best.toFixed(2)} µs CPU per body (best of 5 × ${N})`);
