// Okta's SCIM 2.0 spec test (a Runscope export), run by the project's own runner against a real
// seatgate server on 127.0.0.1 and an organization created a moment earlier by the operator CLI
// (`seatgate org create`, in process, on the suite's database) with nothing else in it: its
// primary owner is the one complete user the test assumes (its first step reads Resources[0] of
// the first page: id, name.givenName, name.familyName, userName, active, emails[0].value). Fails
// on any failing assertion that is not an explicit, justified entry of known-deviations.json
// (see docs/conformance.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/interfaces/cli/main.js';
import { testConfig } from '../support/context.js';
import { startConformanceServer, type ConformanceServer } from './harness.js';
import { runRunscopeTest, type RunscopeReport, type RunscopeTest } from './okta-runner.js';
import { formatJudgement, judge, loadDeviations } from './report.js';

const OKTA_DIR = path.resolve('test/conformance/okta');

let server: ConformanceServer;
beforeAll(async () => { server = await startConformanceServer(); });
afterAll(() => server.close());

/** `seatgate org create … --json`, as an operator runs it (no owner name given: it is derived). */
async function orgCreate(): Promise<{ orgId: string; scimToken: string }> {
  let stdout = '';
  let stderr = '';
  const name = `Okta conformance ${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const code = await runCli(['org', 'create', '--name', name, '--plan', 'team', '--seats', 'premium=5,standard=5', '--json'],
    { stdout: (text) => { stdout += text; }, stderr: (text) => { stderr += text; } }, testConfig());
  if (code !== 0) throw new Error(`org create failed (${code}): ${stderr}`);
  return JSON.parse(stdout) as { orgId: string; scimToken: string };
}

describe("Okta's SCIM 2.0 spec test (Runscope export)", () => {
  let report: RunscopeReport;

  beforeAll(async () => {
    const org = await orgCreate();
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
    expect(report.outcomes.length).toBe(53);
    expect(judgement.passed).toBe(53);
  });
});
