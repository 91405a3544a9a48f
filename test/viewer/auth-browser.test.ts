/**
 * Signing in to the pages on the engine's port (`nbconductor server`), in a real browser (headless
 * Chromium): the sign-in page for a person without the link, the printed link landing on the page it
 * names with an HttpOnly SameSite=Strict cookie, the notebook with its fonts in the sandboxed frame, the
 * cookie useless for the engine's API and to the frame, and a link from another site.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import type { Browser, Frame, Page } from 'playwright-core';

import { browserSuite, launchBrowser, withPage } from '../helpers/browser';
import { startEnginePages, startWaitWorkflow, type EnginePages } from '../helpers/engine-pages';
import { codeCell, markdownCell, notebookJson } from '../helpers/viewer';

jest.setTimeout(60_000);

const SECRET = 'RECORD-CONTENT-51c9';
const NOTEBOOK = '/view/daily/math.ipynb';

let root: string;
let engine: EnginePages;
let browser: Browser;
let workflowId: string;
/** Another site (localhost is not the same site as 127.0.0.1) with a link to the folder page. */
let elsewhere: http.Server;
let elsewhereUrl: string;

async function notebookFrame(page: Page): Promise<Frame> {
  const frame = page.frame({ name: 'notebook' });
  if (!frame) throw new Error('the page has no notebook frame');
  await frame.waitForLoadState('load');
  return frame;
}

/** What the engine answered to each request whose URL contains `marker` (its request log). */
function answered(marker: string): string[] {
  return engine.lines
    .filter((l) => l.msg === 'engine: request' && String(l.url).includes(marker))
    .map((l) => `${String(l.url)} ${String(l.status)}`);
}

browserSuite('signing in to the pages on the engine port, in Chromium', () => {
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'nbc-viewer-signin-'));
    mkdirSync(path.join(root, 'daily'));
    const nb = notebookJson([
      markdownCell('Euler: $e^{i\\pi} + 1 = 0$'),
      codeCell('x', [{ output_type: 'stream', name: 'stdout', text: `${SECRET}\n` }]),
    ]);
    writeFileSync(path.join(root, 'daily', 'math.ipynb'), JSON.stringify(nb));
    engine = await startEnginePages({ root, auth: 'token', logLevel: 'debug' });
    workflowId = await startWaitWorkflow(engine.url, engine.credentials);
    elsewhere = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<a id="shared" href="${engine.url}/view/daily/">the records</a>`);
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    elsewhereUrl = `http://localhost:${(elsewhere.address() as AddressInfo).port}/`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => elsewhere?.close(r));
    await engine?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('shows a person without the link where the way in is, and nothing of the records', () =>
    withPage(browser, 'signin-needed', async (page) => {
      const res = await page.goto(`${engine.url}${NOTEBOOK}`);
      expect(res?.status()).toBe(401);
      expect(await page.locator('h1').textContent()).toBe('401 Sign-in needed');
      expect(await page.locator('main').textContent()).toContain('one-time login link');
      expect(await page.content()).not.toContain(SECRET);
      expect(page.frame({ name: 'notebook' })).toBeNull();
    }));

  it('the printed link opens the page it names, once, and leaves an HttpOnly SameSite=Strict cookie', () =>
    withPage(browser, 'signin-run-page', async (page, context) => {
      const link = engine.loginLink(`/runs/${workflowId}`);
      await page.goto(link);
      expect(page.url()).toBe(`${engine.url}/runs/${workflowId}`);
      expect(await page.locator('svg.graph g.node[data-ref="w"]').count()).toBe(1);
      const cookies = await context.cookies(engine.url);
      expect(cookies).toEqual([
        expect.objectContaining({
          name: `nbconductor-session-${new URL(engine.url).port}`,
          httpOnly: true,
          sameSite: 'Strict',
          path: '/',
        }),
      ]);
      expect(await page.evaluate(() => document.cookie)).toBe(''); // no script of ours can read it
      // good once: a second browser opening the same link is refused
      await withPage(browser, 'signin-link-reused', async (other) => {
        const again = await other.goto(link);
        expect(again?.status()).toBe(403);
        expect(await other.content()).toContain('already used');
      });
    }));

  it('signed in: the notebook renders in its frame with its fonts; the cookie is no key to the engine API', () =>
    withPage(browser, 'signin-notebook', async (page) => {
      await page.goto(engine.loginLink(NOTEBOOK));
      expect(page.url()).toBe(`${engine.url}${NOTEBOOK}`);
      const f = await notebookFrame(page);
      expect(await f.locator('pre.stdout').textContent()).toContain(SECRET);
      expect(await f.locator('.md .katex').count()).toBe(1);
      await f.evaluate(() => document.fonts.ready);
      expect(await f.evaluate(() => document.fonts.check('16px KaTeX_Main'))).toBe(true);
      // the viewer's own page, signed in, calls the engine's API: the cookie opens none of it
      const statuses = await page.evaluate(async () =>
        Promise.all(
          ['/api/workflow/search', '/api/metadata/workflow', '/api/contents/daily/'].map(
            async (u) => (await fetch(u)).status,
          ),
        ),
      );
      expect(statuses).toEqual([401, 401, 200]);
    }));

  it('the sandboxed frame cannot use the session: even with its CSP bypassed, nothing it asks is answered', () =>
    withPage(
      browser,
      'signin-frame',
      async (page) => {
        await page.goto(engine.loginLink(NOTEBOOK));
        const f = await notebookFrame(page);
        expect(await f.evaluate(() => self.origin)).toBe('null');
        // As if a script ran in the frame (Playwright evaluates there; CSP is bypassed in this context).
        await f.evaluate(async () => {
          const tries = [
            fetch('/api/contents/daily/?probe=frame-cors', { credentials: 'include' }),
            fetch('/api/contents/daily/?probe=frame-no-cors', { mode: 'no-cors', credentials: 'include' }),
            fetch('/api/workflow/search?probe=frame-api', { credentials: 'include' }),
            fetch('/files/daily/math.ipynb?probe=frame-file', { mode: 'no-cors', credentials: 'include' }),
          ];
          await Promise.allSettled(tries);
        });
        await f.evaluate(() => {
          location.href = '/api/contents/daily/?probe=frame-navigation';
        });
        // the frame's own navigation: refused, and the refusal itself may not be shown in a frame
        await engine.waitForLog((l) => l.msg === 'engine: request' && /frame-navigation/.test(String(l.url)));
        for (const probe of ['frame-cors', 'frame-no-cors', 'frame-api', 'frame-file', 'frame-navigation']) {
          const seen = answered(`probe=${probe}`);
          expect([probe, seen.length]).toEqual([probe, 1]);
          expect(seen[0]).toMatch(/ 40[13]$/);
        }
      },
      { bypassCSP: true },
    ));

  it('a link from another site arrives without the cookie; the sign-in page opens it again, signed in', () =>
    withPage(browser, 'signin-cross-site-link', async (page) => {
      await page.goto(engine.loginLink('/view/'));
      await page.goto(elsewhereUrl);
      await Promise.all([page.waitForURL(`${engine.url}/view/daily/`), page.click('#shared')]);
      expect(await page.locator('h1').textContent()).toBe('401 Sign-in needed'); // SameSite=Strict
      await page.click('text=open this page again');
      await page.waitForURL(`${engine.url}/view/daily/`);
      expect(await page.locator('table.folder tbody tr').allTextContents()).toEqual([
        expect.stringMatching(/^math\.ipynb/),
      ]);
    }));
});
