/**
 * Headless Chromium for the dashboard tests: Debian's /usr/bin/chromium (apt-get install -y chromium),
 * driven by playwright-core, with every flag that keeps it off the network and a fresh profile.
 * Without Chromium the browser tests skip locally with a message, and FAIL in CI (CI=true).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Json } from './helpers.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';
export const MISSING_CHROMIUM = `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`;

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A browser with a fresh --user-data-dir (launchPersistentContext passes it), removed on close. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'ci-dash-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
    timeout: 30_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A browser and one page on which the page's uncaught errors (and, with `consoleErrors`, its console errors) are collected. */
export interface DashboardBrowser extends Browser {
  page: Page;
  errors: string[];
  /** Waits until the dashboard on `p` (default: the page) has drawn; on a timeout, says what the page reported. */
  settled(p?: Page): Promise<void>;
}

export async function openDashboardBrowser(opts: { consoleErrors?: boolean } = {}): Promise<DashboardBrowser> {
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (opts.consoleErrors) page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const settled = async (p: Page = page): Promise<void> => {
    await p.waitForFunction(() => (window as Json).__dashboard?.ready === true, null, { timeout: 20_000 }).catch(async (e: unknown) => {
      throw new Error(`${String(e)}; page errors: ${errors.join(' | ')}; ${JSON.stringify(await p.evaluate(() => (window as Json).__dashboard?.errors))}`);
    });
  };
  return { ...browser, page, errors, settled };
}
