/// <reference lib="dom" />
// End-to-end console tests: the real app (in this process, on a free port, on the suite's real
// PostgreSQL) driven by Debian's Chromium through playwright-core, checked with axe-core.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { openTestApp, type TestApp } from '../support/http.js';

export const CHROMIUM = process.env.SEATGATE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

export interface ConsoleHarness {
  t: TestApp;
  /** Uncaught page errors and Content-Security-Policy violations (there must be none). */
  pageProblems: string[];
  baseUrl: string;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** The app on a free port and a Chromium with a fresh profile. */
export async function startHarness(now?: () => Date): Promise<ConsoleHarness> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set SEATGATE_CHROMIUM)`);
  const t = openTestApp(now);
  const server: Server = createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const profile = mkdtempSync(path.join(tmpdir(), 'seatgate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1440, height: 900 }, baseURL: baseUrl,
    locale: 'en-GB', timezoneId: 'UTC',
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? await context.newPage();
  const pageProblems: string[] = [];
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text())) pageProblems.push(message.text());
  });
  return {
    t, baseUrl, context, page, pageProblems,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
    },
  };
}

export async function signIn(page: Page, token: string): Promise<void> {
  await page.goto('/console/');
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Admin token').waitFor();
}

/** axe-core on the page as it is: no serious or critical violation (WCAG 2.1 A and AA rules). */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${what}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad).toEqual([]);
}

// The README's pictures are refreshed on purpose (`npm run screenshots`), not by every test run:
// a plain `npm test` must leave the work tree as it found it.
const SHOTS = process.env.SEATGATE_SCREENSHOTS_DIR
  ? path.resolve(process.env.SEATGATE_SCREENSHOTS_DIR)
  : path.join(tmpdir(), 'seatgate-screenshots');
/** A screenshot at the current viewport (the README's, under `npm run screenshots`). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** No horizontal scrolling of the page itself (tables scroll inside their own region). */
export async function expectFitsWidth(page: Page, what: string): Promise<void> {
  const found = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const overflow = document.documentElement.scrollWidth - width;
    // The outermost elements that stick out, to say what to fix.
    const culprits = overflow <= 0 ? [] : Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > width + 1 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > width + 1))
      .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className} "${(el.textContent ?? '').slice(0, 40)}"`);
    return { overflow, culprits };
  });
  expect({ what, ...found }).toEqual({ what, overflow: 0, culprits: [] });
}

/** A Chromium with a fresh profile on a server that runs elsewhere (a spawned process). */
export async function openBrowser(baseUrl: string): Promise<{ context: BrowserContext; page: Page; pageProblems: string[]; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set SEATGATE_CHROMIUM)`);
  const profile = mkdtempSync(path.join(tmpdir(), 'seatgate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1440, height: 900 }, baseURL: baseUrl,
    locale: 'en-GB', timezoneId: 'UTC',
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? await context.newPage();
  const pageProblems: string[] = [];
  page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text())) pageProblems.push(message.text());
  });
  return {
    context, page, pageProblems,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
