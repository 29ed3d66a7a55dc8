// The CLI's exit codes, seen from outside as a cron job sees them: 0 ok, 1 refused, 2 unexpected.
// A library hook once turned every exit into 0 (issue 9.6); only a real process shows that.
import { jest } from '@jest/globals';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { runCliProcess } from '../support/process.js';

// Real processes on a shared 2-core machine: starts can take a while.
jest.setTimeout(180_000);

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

describe('the CLI as a process, on the suite database', () => {
  const env = { DATABASE_URL: process.env.SEATGATE_TEST_DATABASE_URL };

  it.each([
    [['token', 'revoke', '--org', ZERO_UUID, ZERO_UUID], 1, /no active token/],
    [['org', 'show', 'not-an-id'], 1, /no organization/],
    [['org', 'create', '--name', 'x', '--plan', 'nope', '--seats', 'premium=1'], 1, /unknown plan "nope"/],
    [['org', 'frobnicate'], 1, /unknown command/],
    [['frobnicate'], 1, /unknown command/],
    [['org', 'create', '--name', 'x'], 1, /required option/],
    [['org', 'list', '--json'], 0, /^$/],
  ])('%j exits with %i', async (args, code, stderr) => {
    const run = await runCliProcess(args, env);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code, stderr: expect.stringMatching(stderr) });
  });

  it('exits 2 when the database cannot be reached (unexpected), with one line on stderr', async () => {
    const run = await runCliProcess(['org', 'list'], { DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('the CLI as a process, on the bundled PostgreSQL', () => {
  const dataDir = path.resolve(`data/cli-exit-${process.pid}-${Date.now()}`);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: undefined, SEATGATE_DATA_DIR: dataDir, SEATGATE_EMBEDDED_PG_PORT: undefined };

  it('exits 1 when it refuses and 0 when it succeeds', async () => {
    const refused = await runCliProcess(['token', 'revoke', '--org', ZERO_UUID, ZERO_UUID, '--json'], env);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr).error.code).toBe('not_found');
    const created = await runCliProcess(['org', 'create', '--name', 'Exit codes', '--plan', 'team', '--seats', 'premium=1', '--json'], env);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).orgId).toEqual(expect.any(String));
  });
});
