/**
 * Headless Chromium for tests: Debian's `chromium` package driven by playwright-core (no browser download).
 * `browserSuite` skips a suite when no Chromium is installed (CI installs it: see .ci/run). `withPage`
 * keeps a screenshot of each page under test-artifacts/screenshots/ (marked -FAILED when its test failed).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

import { CHROMIUM } from './chromium';

export { CHROMIUM, launchBrowser } from './chromium';

export const SCREENSHOTS = path.join(__dirname, '..', '..', 'test-artifacts', 'screenshots');

/** `describe`, or `describe.skip` (saying why) when there is no Chromium on this machine. */
export const browserSuite: jest.Describe = CHROMIUM ? describe : describe.skip;

async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: 10_000 }).catch(() => undefined);
  return file;
}

/**
 * Runs `fn` on a fresh page and keeps a screenshot of where it ended: `<name>.png` when it passed,
 * `<name>-FAILED.png` (named in the error) when it failed.
 */
export async function withPage<T>(
  browser: Browser,
  name: string,
  fn: (page: Page, context: BrowserContext) => Promise<T>,
  contextOptions: BrowserContextOptions = {},
): Promise<T> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  try {
    const result = await fn(page, context);
    await screenshot(page, name);
    return result;
  } catch (err) {
    const file = await screenshot(page, `${name}-FAILED`);
    if (err instanceof Error) err.message += `\n(screenshot: ${file})`;
    throw err;
  } finally {
    await context.close();
  }
}
