// Okta's SCIM 2.0 spec test (a Runscope export), run by the project's own runner against a real
// seatgate server on 127.0.0.1 and a fresh organization that holds exactly one complete user, as
// the test assumes (its first step reads Resources[0] of the first page: id, name.givenName,
// name.familyName, userName, active, emails[0].value). Fails on any failing assertion that is not
// an explicit, justified entry of known-deviations.json (see docs/conformance.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createMember } from '../../src/services/members.js';
import { scimActor } from '../support/gate.js';
import { createEmptyOrganization, startConformanceServer, type ConformanceServer } from './harness.js';
import { runRunscopeTest, type RunscopeReport, type RunscopeTest } from './okta-runner.js';
import { formatJudgement, judge, loadDeviations } from './report.js';

const OKTA_DIR = path.resolve('test/conformance/okta');

let server: ConformanceServer;
beforeAll(async () => { server = await startConformanceServer(); });
afterAll(() => server.close());

describe("Okta's SCIM 2.0 spec test (Runscope export)", () => {
  let report: RunscopeReport;

  beforeAll(async () => {
    const org = await createEmptyOrganization(server.t.ctx, 'Okta conformance');
    // The pre-existing user, written through the member use case (not through SCIM POST, so that
    // a broken create shows up in the create step, not as a broken start).
    const seeded = await createMember(server.t.ctx, org.orgId, {
      userName: 'ada.lovelace@example.test', externalId: '00u1seedokta', active: true, source: 'scim',
      attributes: {
        name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' },
        displayName: 'Ada Lovelace',
        emails: [{ value: 'ada.lovelace@example.test', type: 'work', primary: true }],
      },
    }, 'scim_create', scimActor);
    if (!seeded.ok) throw new Error(`could not seed the existing user: ${seeded.admission.message}`);

    const test = JSON.parse(readFileSync(path.join(OKTA_DIR, 'Okta-SCIM-20-SPEC-Test.json'), 'utf8')) as RunscopeTest;
    report = await runRunscopeTest(test, {
      variables: { SCIMBaseURL: server.scimBaseUrl, auth: `Bearer ${org.scimToken}` },
      initialScript: readFileSync(path.join(OKTA_DIR, 'Initial_Script_Spec.txt'), 'utf8'),
      pauseScale: 0, // the export's pauses (75 s in all) pace Okta's hosted runs; they test nothing
    });
  }, 60_000);

  it('runs every request step of the export', () => {
    expect(report.requests).toBe(12);
  });

  it('passes every assertion but the documented deviations', () => {
    const judgement = judge(report, loadDeviations());
    const summary = formatJudgement(report, judgement);
    console.log(summary);
    if (judgement.unexpected.length > 0 || judgement.stale.length > 0) throw new Error(summary);
    expect(judgement.passed + judgement.allowed.length).toBe(report.outcomes.length);
  });
});
