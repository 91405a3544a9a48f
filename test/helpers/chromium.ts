/**
 * Debian's Chromium, driven by playwright-core (which never downloads a browser). No jest here: the viewer
 * benchmark launches it too.
 */
import { existsSync } from 'node:fs';

import type { Browser } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/lib/chromium/chromium'];

export const CHROMIUM: string | undefined = CANDIDATES.find((p): p is string => !!p && existsSync(p));

export async function launchBrowser(): Promise<Browser> {
  process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Running as root needs --no-sandbox; the rest keeps Chromium from reaching the network on its own.
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-dev-shm-usage',
      '--disable-extensions',
      '--disable-sync',
      '--no-first-run',
      '--metrics-recording-only',
    ],
  });
}
