/// <reference lib="dom" />
// Issue 12's "done when": a new user goes from `npm start` to a working Okta connection and a
// first group mapping with the console alone. A real server process on a fresh data directory
// (bundled PostgreSQL, stdout a terminal as in a shell), the sign-in link it prints, the
// Identity provider page, a SCIM token used exactly as Okta uses it (requests and headers from
// Okta's own SCIM test suite), the "last request from the IdP" indicator, and a mapping saved
// after its dry run; each outcome checked through the APIs.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../support/postgres.mjs';
import { printedSecret, startServerProcess, type ServerProcess } from '../support/process.js';
import { GROUP_SCHEMA, PATCH_OP_SCHEMA } from '../support/scim.js';
import { openBrowser } from './browser.js';

// A first start (initdb, migrations) and a user journey in Chromium, on a shared 2-core machine.
const JOURNEY = 300_000;

interface OktaStep { note: string; method: string; url: string; body?: string; headers: Record<string, string[]> }
/** The requests of Okta's SCIM 2.0 test suite (Runscope export), by their note. */
const OKTA_STEPS: OktaStep[] = (() => {
  const steps: OktaStep[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      if ((x as { step_type?: string }).step_type === 'request') steps.push(x as OktaStep);
      else Object.values(x).forEach(walk);
    }
  };
  walk(JSON.parse(readFileSync(path.resolve('test/conformance/okta/Okta-SCIM-20-SPEC-Test.json'), 'utf8')));
  return steps;
})();
const OKTA_HEADERS = OKTA_STEPS.find((s) => s.note.includes('Test Users endpoint'))!.headers;

/** Sends what Okta sends: the step's method, URL, headers and body with its variables filled in. */
async function okta(variables: Record<string, string>, step: { method: string; url: string; body?: string; headers: Record<string, string[]> }) {
  const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    if (variables[name] === undefined) throw new Error(`no value for {{${name}}}`);
    return variables[name]!;
  });
  const headers = Object.fromEntries(Object.entries(step.headers).map(([name, values]) => [name, fill(values.join(', '))]));
  const res = await fetch(fill(step.url).replace(/ /g, '%20').replace(/"/g, '%22'), { method: step.method, headers, body: step.body ? fill(step.body) : undefined });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) as Record<string, unknown> : {} };
}
const oktaStep = (note: string) => {
  const step = OKTA_STEPS.find((s) => s.note === note);
  if (!step) throw new Error(`no Okta step "${note}"`);
  return step;
};

describe('first run: from npm start to an Okta connection and a first group mapping, in the console', () => {
  const dataDir = path.resolve(`data/first-run-${process.pid}-${Date.now()}`);
  let server: ServerProcess | undefined;
  let browser: Awaited<ReturnType<typeof openBrowser>> | undefined;
  afterAll(async () => {
    await browser?.close();
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in with the printed one-time link, connects Okta with a token made on the page, and maps a group after its dry run', async () => {
    // `npm start` in a terminal, nothing configured: the bundled PostgreSQL in a new data directory.
    server = startServerProcess({
      DATABASE_URL: undefined, SEATGATE_EMBEDDED_PG_PORT: undefined, SEATGATE_DATA_DIR: dataDir, SEATGATE_DEMO: undefined, NODE_ENV: 'development',
    }, await freePort(), { terminal: true });
    await server.ready(180_000);
    for (let i = 0; i < 200 && !server.output().includes('Admin token'); i += 1) await new Promise((r) => setTimeout(r, 50));
    const output = server.output();
    const link = /(http:\/\/localhost:\d+\/console\/#sign-in=[A-Za-z0-9_-]{43})\s/.exec(output)?.[1];
    expect(link).toBeDefined();
    expect(output).toMatch(/this link signs you in as its owner, once, within 15 minutes/);
    const base = `http://localhost:${server.port}`;
    const adminToken = printedSecret(output, 'Admin token'); // for checking the outcome, not for the journey
    const adminApi = async (pathAndQuery: string) => {
      const res = await fetch(`${base}/admin/v1${pathAndQuery}`, { headers: { Authorization: `Bearer ${adminToken}` } });
      expect(res.status).toBe(200);
      return res.json() as Promise<Record<string, unknown>>;
    };

    // 1. The printed link signs the owner in; the secret leaves the address bar at once.
    browser = await openBrowser(base);
    const { page } = browser;
    await page.goto(link!);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await expect(page.getByTestId('role').textContent()).resolves.toBe('Primary owner');
    expect(page.url()).toBe(`${base}/console/`);
    // Used once: the same link no longer signs anyone in.
    const again = await fetch(`${base}/console/api/session`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ link: link!.split('#sign-in=')[1] }),
    });
    expect(again.status).toBe(403);
    expect(JSON.stringify(await again.json())).toMatch(/already used or has expired/);

    // 2. Identity provider: the base URL to paste, a SCIM token made here and copied from the page.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Identity provider' }).click();
    // Waits for the indicator to load (it reads "…" until its request answers).
    await page.getByTestId('last-idp-request').filter({ hasText: /SCIM: never/ }).waitFor({ timeout: 10_000 });
    const scimBaseUrl = (await page.getByTestId('scim-base-url').textContent())!;
    // Without server.publicUrl, the address the request reached (not its Host header: decision 0012).
    expect(scimBaseUrl).toBe(`http://127.0.0.1:${server.port}/scim/v2`);
    await page.getByLabel('Label (optional)').fill('Okta');
    await page.getByRole('button', { name: 'Create SCIM token' }).click();
    const scimToken = (await page.getByTestId('new-secret').textContent())!;
    expect(scimToken).toMatch(/^sgscim_/);

    // 3. Okta, with that token: the test suite's create-user request (five people), its userName
    // lookup, a group push with members, and a deactivation (the person unassigned in Okta).
    const variables: Record<string, string> = { SCIMBaseURL: scimBaseUrl, auth: `Bearer ${scimToken}` };
    const people: { id: string; userName: string }[] = [];
    for (let i = 0; i < 5; i += 1) {
      const given = `Runscope${100 + i}`;
      const family = `Journey${Math.random().toString(36).slice(2, 8)}`;
      const email = `${given}${family}@atko.com`;
      Object.assign(variables, { randomGivenName: given, randomFamilyName: family, randomEmail: email, randomUsername: email });
      const lookup = await okta(variables, oktaStep("Required Test: Make sure random user doesn't exist"));
      expect([lookup.status, lookup.body.totalResults]).toEqual([200, 0]);
      const created = await okta(variables, oktaStep('Required Test: Create Okta user with realistic values'));
      expect(created.status).toBe(201);
      people.push({ id: String(created.body.id), userName: email });
    }
    Object.assign(variables, { randomUsernameCaps: people[4]!.userName.toUpperCase() });
    const found = await okta(variables, oktaStep('Required Test: Username Case Sensitivity Check'));
    expect((found.body.Resources as { id: string }[]).map((r) => r.id)).toEqual([people[4]!.id]);
    // The demo organization has 5 premium seats (the owner holds one): the fifth person got standard.
    const fifth = () => adminApi(`/members/${people[4]!.id}`);
    expect(await fifth()).toMatchObject({ seatState: 'assigned', seatType: 'standard' });
    const group = await okta(variables, {
      method: 'POST', url: '{{SCIMBaseURL}}/Groups', headers: OKTA_HEADERS,
      body: JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [{ value: people[4]!.id, display: people[4]!.userName }] }),
    });
    expect(group.status).toBe(201);
    const deactivated = await okta(variables, {
      method: 'PATCH', url: `{{SCIMBaseURL}}/Users/${people[0]!.id}`, headers: OKTA_HEADERS,
      body: JSON.stringify({ schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', value: { active: false } }] }),
    });
    expect([200, 204]).toContain(deactivated.status);

    // 4. The page shows that the IdP has connected.
    await page.getByRole('button', { name: 'Check again' }).click();
    await page.getByTestId('last-idp-request').filter({ hasText: /SCIM: \d{4}-\d\d-\d\d \d\d:\d\d UTC/ }).waitFor();

    // 5. A first group mapping: Engineering → premium, previewed, then saved.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Group mappings' }).click();
    await page.getByRole('button', { name: 'New mapping' }).click();
    await page.getByLabel('IdP group id').fill(String(group.body.id));
    await page.getByText('Group "Engineering", 1 member(s).').waitFor();
    await page.getByLabel('Seat type').selectOption('premium');
    await page.getByRole('button', { name: 'Preview changes (dry run)' }).click();
    await expect(page.getByRole('heading', { name: /^Dry run:/ }).textContent()).resolves.toBe('Dry run: 1 of 1 member(s) would change seat');
    await page.getByRole('listitem').filter({ hasText: `${people[4]!.userName.toLowerCase()}: standard → premium` }).or(
      page.getByRole('listitem').filter({ hasText: `${people[4]!.userName}: standard → premium` })).waitFor();
    expect(await fifth()).toMatchObject({ seatType: 'standard' }); // a dry run changes nothing
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved: 1 member(s) changed seat.' }).waitFor();

    // 6. The server: the mapped member holds the mapped seat type, because of the mapping.
    expect(await fifth()).toMatchObject({ seatState: 'assigned', seatType: 'premium', seatReason: { kind: 'mapping' } });
    const mappings = await adminApi('/group-mappings');
    expect(mappings.mappings).toEqual([expect.objectContaining({ idpGroupId: String(group.body.id), seatType: 'premium' })]);
    expect(browser.pageProblems).toEqual([]);
  }, JOURNEY);
});
