/**
 * The viewer in a real browser (headless Chromium), on the records of a real pipeline run: the embedded
 * engine, the notebook_run worker with real kernels, a workflow that forks (a rich notebook and a notebook
 * of injection probes), joins, switches on a scrap and runs a notebook that fails twice. The viewer reads
 * the output root and the engine's Conductor API, as `nbconductor view --conductor-url` does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { Browser, Frame, Page } from 'playwright-core';

import { conductorAuth, createHttpRunsApi } from '../../src/viewer';
import { browserSuite, launchBrowser, withPage } from '../helpers/browser';
import { startPipelineStack, type PipelineStack, type WorkflowRun } from '../helpers/pipeline';
import { startTestViewer, type TestViewer } from '../helpers/viewer';

jest.setTimeout(120_000);

const nbRun = (
  ref: string,
  notebook: string,
  parameters: Record<string, unknown> = {},
): Record<string, unknown> => ({
  name: 'notebook_run',
  taskReferenceName: ref,
  type: 'SIMPLE',
  inputParameters: { notebook: `test/fixtures/notebooks/${notebook}.ipynb`, parameters },
});

const SHOWCASE = {
  name: 'viewer_showcase',
  version: 1,
  schemaVersion: 2,
  ownerEmail: 'test@example.com',
  tasks: [
    {
      name: 'fork',
      taskReferenceName: 'fork',
      type: 'FORK_JOIN',
      forkTasks: [
        [nbRun('rich', 'viewer-rich', { region: '${workflow.input.region}', rows: 4 })],
        [nbRun('inject', 'viewer-inject')],
      ],
    },
    { name: 'join', taskReferenceName: 'join', type: 'JOIN', joinOn: ['rich', 'inject'] },
    {
      name: 'route',
      taskReferenceName: 'route',
      type: 'SWITCH',
      evaluatorType: 'value-param',
      expression: 'switchCaseValue',
      inputParameters: { switchCaseValue: '${rich.output.scraps.region}' },
      decisionCases: { gb: [nbRun('fail', 'viewer-fail')], us: [nbRun('us_only', 'viewer-slow')] },
      defaultCase: [],
    },
  ],
};

const SLOW = {
  name: 'viewer_slow',
  version: 1,
  schemaVersion: 2,
  ownerEmail: 'test@example.com',
  tasks: [nbRun('nap', 'viewer-slow', { seconds: '${workflow.input.seconds}' })],
};

let stack: PipelineStack;
let v: TestViewer;
let browser: Browser;
let run: WorkflowRun;

/** The viewer path of a task's output notebook. */
function notebookPath(ref: string, attempt = 0): string {
  return `/view/viewer_showcase/${run.workflowId}/${ref}/attempt-${attempt}.ipynb`;
}

/** Opens `path` as a person does the first time: through the one-time login link, which lands there. */
async function signedIn(page: Page, path: string): Promise<void> {
  await page.goto(v.loginLink(path) as string);
  if (page.url() !== `${v.url}${path}`) throw new Error(`the login link landed on ${page.url()}`);
}

async function notebookFrame(page: Page): Promise<Frame> {
  const frame = page.frame({ name: 'notebook' });
  if (!frame) throw new Error('the page has no notebook frame');
  await frame.waitForLoadState('load');
  return frame;
}

browserSuite('in Chromium, on a real pipeline run', () => {
  beforeAll(async () => {
    stack = await startPipelineStack();
    const shipped = JSON.parse(
      readFileSync(path.join(__dirname, '..', '..', 'workflows', 'taskdefs.json'), 'utf8'),
    ) as Record<string, unknown>[];
    await stack.registerTaskDefs(shipped.map((d) => ({ ...d, retryCount: 1, retryDelaySeconds: 0 })));
    await stack.registerWorkflow(SHOWCASE);
    await stack.registerWorkflow(SLOW);
    await stack.startWorker();
    run = await stack.waitFor(await stack.start('viewer_showcase', { region: 'gb' }));
    // As `nbconductor view --conductor-url` runs: token auth of its own, the engine's key for run pages.
    v = await startTestViewer({
      root: stack.outputRoot,
      auth: 'token',
      runs: createHttpRunsApi({
        baseUrl: stack.engine.url,
        auth: conductorAuth({ ...stack.target, serverUrl: stack.engine.url }),
      }),
    });
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await v?.stop();
    await stack?.stop();
  });

  it('ran the pipeline the pages show (a fork, a switch, a notebook failing twice)', () => {
    expect(run.status).toBe('FAILED');
    expect(run.tasks.filter((t) => t.referenceTaskName === 'fail').map((t) => t.status)).toEqual([
      'FAILED',
      'FAILED',
    ]);
  });

  it('run page: graph coloured by status, nodes linking to their notebooks, timeline, attempts', () =>
    withPage(browser, 'run-page', async (page) => {
      await signedIn(page, `/runs/${run.workflowId}`);
      const node = (ref: string) => page.locator(`svg.graph g.node[data-ref="${ref}"]`);
      await expect(node('rich').getAttribute('class')).resolves.toContain('COMPLETED');
      await expect(node('inject').getAttribute('class')).resolves.toContain('COMPLETED');
      await expect(node('fail').getAttribute('class')).resolves.toContain('FAILED');
      await expect(node('fork').getAttribute('class')).resolves.toContain('COMPLETED');
      await expect(node('route').getAttribute('class')).resolves.toContain('COMPLETED');
      // the case not taken was never run; the case taken is marked
      await expect(node('us_only').getAttribute('class')).resolves.toContain('notrun');
      expect(await page.locator('svg.graph text.label[font-weight="bold"]').textContent()).toBe('gb');
      expect(await page.locator('.banner[role=alert]').textContent()).toMatch(/failed.*failed task: fail/s);
      // every task execution has a bar on the timeline
      expect(await page.locator('svg.timeline rect.bar').count()).toBe(
        run.tasks.filter((t) => t.status !== 'SKIPPED').length,
      );
      // both attempts of the failing notebook, newest first, with their error and parameters
      const attempts = page.locator('#task-fail .attempt');
      expect(await attempts.count()).toBe(2);
      expect(await attempts.first().getAttribute('data-attempt')).toBe('1');
      expect(await attempts.first().textContent()).toContain('ZeroDivisionError: division by zero');
      expect(await page.locator('#task-rich').textContent()).toMatch(/region\s*"gb"/);
      expect(await page.locator('#task-rich').textContent()).toMatch(/total_minutes\s*100/);
    }));

  it('a node of the graph opens its output notebook', () =>
    withPage(browser, 'graph-click', async (page) => {
      await signedIn(page, `/runs/${run.workflowId}`);
      await page.locator('svg.graph g.node[data-ref="rich"]').click();
      await page.waitForURL(`**${notebookPath('rich')}`);
      expect(await page.locator('h1').textContent()).toBe('attempt-0.ipynb');
    }));

  it('runs list: filters by status and name', () =>
    withPage(browser, 'runs-list', async (page) => {
      await signedIn(page, '/runs?status=FAILED');
      expect(await page.locator(`a[href="/runs/${run.workflowId}"]`).count()).toBe(1);
      await page.goto(`${v.url}/runs?status=COMPLETED`);
      expect(await page.locator(`a[href="/runs/${run.workflowId}"]`).count()).toBe(0);
      await page.goto(`${v.url}/runs`);
      await page.fill('input[name=name]', 'viewer_showcase');
      await page.click('form.filter button');
      await page.waitForURL('**/runs?name=viewer_showcase*');
      expect(await page.locator('table.runs tbody tr').count()).toBe(1);
    }));

  it('notebook page: header facts, then every output rendered in the sandboxed frame', () =>
    withPage(browser, 'rich-notebook', async (page) => {
      await signedIn(page, notebookPath('rich'));
      const facts = page.locator('.facts');
      expect(await facts.locator('.status').textContent()).toBe('completed');
      expect(await facts.textContent()).toMatch(/region\s*"gb"/); // parameters as injected
      expect(await facts.textContent()).toMatch(/total_minutes\s*100/); // scraps
      expect(await facts.textContent()).toMatch(/attempt\s*0/);
      expect(await facts.locator(`a[href="/runs/${run.workflowId}"]`).count()).toBe(1);
      const f = await notebookFrame(page);
      expect(await f.evaluate(() => self.origin)).toBe('null'); // an opaque origin: not the viewer's
      // the pandas table, cell by cell
      expect(await f.locator('table.dataframe tbody td').allTextContents()).toEqual([
        'gb',
        '10',
        'gb',
        '20',
        'gb',
        '30',
        'gb',
        '40',
      ]);
      // math typeset by KaTeX with its fonts (served by the viewer, no network)
      expect(await f.locator('.md .katex').count()).toBeGreaterThanOrEqual(2);
      expect(await f.locator('.output-latex .katex-display').count()).toBe(1);
      await f.evaluate(() => document.fonts.ready);
      expect(await f.evaluate(() => document.fonts.check('16px KaTeX_Main'))).toBe(true);
      // images decoded: matplotlib PNG, SVG, the Markdown attachment
      const images = await f
        .locator('img')
        .evaluateAll((imgs) =>
          imgs.map((i) => [
            (i as HTMLImageElement).src.split(';')[0],
            (i as HTMLImageElement).naturalWidth > 0,
          ]),
        );
      expect(images).toEqual([
        ['data:image/png', true], // the Markdown attachment
        ['data:image/png', true], // matplotlib
        ['data:image/svg+xml', true],
      ]);
      // ANSI colours, stderr, JSON, Markdown output, the widget's text fallback
      expect(
        await f
          .locator('pre.stdout span', { hasText: 'red alert' })
          .evaluate((e) => getComputedStyle(e).color),
      ).toBe('rgb(187, 0, 0)');
      expect(await f.locator('pre.stderr').textContent()).toContain('a warning on stderr');
      expect(await f.locator('details.output-json').textContent()).toContain('"answer": 42');
      expect(await f.locator('.output-markdown strong').textContent()).toBe('from code');
      expect(await f.locator('.badge', { hasText: 'Widget' }).count()).toBe(1);
      expect(await f.locator('pre.output-text', { hasText: 'IntSlider(value=3)' }).count()).toBe(1);
      // execution counts and per-cell durations
      expect(await f.locator('#cell-3 .prompt').first().textContent()).toMatch(/^In \[\d+\]:.*\d+\.\d\d s$/);
      // the injected parameters cell is marked
      expect(await f.locator('.cell.injected').textContent()).toContain('region = "gb"');
    }));

  it('report mode hides the code; downloads give the .ipynb and a stand-alone HTML file', () =>
    withPage(browser, 'report-mode', async (page) => {
      await signedIn(page, notebookPath('rich'));
      expect(await (await notebookFrame(page)).locator('.input pre').count()).toBeGreaterThan(3);
      await page.click('a[role=switch]');
      await page.waitForURL('**?report=1');
      const f = await notebookFrame(page);
      expect(await f.locator('.input pre').count()).toBe(0);
      expect(await f.locator('table.dataframe').count()).toBe(1); // outputs stay
      const [ipynb] = await Promise.all([page.waitForEvent('download'), page.click('text=download .ipynb')]);
      expect(ipynb.suggestedFilename()).toBe('attempt-0.ipynb');
      const [html] = await Promise.all([page.waitForEvent('download'), page.click('text=download HTML')]);
      expect(html.suggestedFilename()).toBe('attempt-0.html');
      const saved = readFileSync(await html.path(), 'utf8');
      expect(saved).toContain('data:font/woff2;base64,'); // math fonts inside: it works offline, anywhere
      expect(saved).not.toMatch(/<script/i);
    }));

  it('a failed notebook opens at its failing cell, under an error banner', () =>
    withPage(browser, 'failed-notebook', async (page) => {
      await page.setViewportSize({ width: 1280, height: 640 }); // the frame is shorter than the notebook: it must scroll
      const documents: string[] = [];
      const navigations: string[] = [];
      page.on('request', (r) => {
        if (r.resourceType() === 'document' && r.url().includes('/render/')) documents.push(r.url());
      });
      page.on('framenavigated', (fr) => {
        if (fr.name() === 'notebook') navigations.push(fr.url());
      });
      await signedIn(page, notebookPath('fail', 1));
      await page.waitForLoadState('load'); // the page sends the frame to the cell again then (viewer.js)
      expect(await page.locator('.banner[role=alert]').textContent()).toContain(
        'ZeroDivisionError: division by zero',
      );
      expect(await page.locator('.facts .status').textContent()).toBe('failed');
      const f = await notebookFrame(page);
      expect(f.url()).toMatch(/#papermill-error-cell$/);
      // Chromium scrolls to the fragment at its next layout after loading
      await f.waitForFunction(() => scrollY > 0, undefined, { timeout: 10_000 });
      const box = await f.locator('.cell.failed').evaluate((e) => {
        const r = e.getBoundingClientRect();
        return { top: r.top, height: innerHeight };
      });
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.top).toBeLessThan(box.height);
      expect(await f.locator('.cell.failed pre.error').textContent()).toContain('ZeroDivisionError');
      // Sent to the cell again without loading the document again (a fragment navigation).
      expect(documents).toHaveLength(1);
      expect(navigations).toEqual([expect.stringMatching(/#papermill-error-cell$/), f.url()]);
    }));

  it('injection notebook: no script runs, nothing reaches the viewer, the page is untouched', () =>
    withPage(browser, 'injection', async (page, context) => {
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await signedIn(page, '/view/');
      await page.evaluate(() => {
        document.cookie = 'probe=viewer';
        localStorage.setItem('probe', 'viewer');
      });
      const target = `${v.url}${notebookPath('inject')}`;
      const seen = v.requests.length;
      await page.goto(target);
      const f = await notebookFrame(page);
      expect(await f.locator('#probe-html').textContent()).toBe('html output');
      expect(dialogs).toEqual([]);
      // a person clicking the bait: javascript: links, a form, a link to the top window
      for (const sel of ['#probe-js-link', '#probe-submit', '#probe-top'])
        await f.click(sel, { timeout: 5000 });
      await page.evaluate(() => new Promise((r) => setTimeout(r, 0))); // let anything those clicks started happen
      expect(dialogs).toEqual([]);
      expect(page.url()).toBe(target);
      expect(await page.title()).toBe('attempt-0.ipynb · nbconductor');
      expect(
        await page.evaluate(() => [
          document.cookie,
          localStorage.getItem('probe'),
          document.body.dataset.pwned ?? null,
        ]),
      ).toEqual(['probe=viewer', 'viewer', null]);
      expect(await f.evaluate(() => self.origin)).toBe('null');
      // The server saw the page, its assets and the frame's document: nothing aimed at the API or files.
      const asked = v.requests.slice(seen).map((r) => r.url.split('?')[0] as string);
      expect(asked.filter((u) => !u.startsWith('/static/'))).toEqual([
        notebookPath('inject'),
        notebookPath('inject').replace('/view/', '/render/'),
      ]);
      // Opened directly (not in the frame), the document is still sandboxed.
      const direct = await context.newPage();
      direct.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await direct.goto(`${v.url}${notebookPath('inject').replace('/view/', '/render/')}`);
      const reach = await direct.evaluate(() => {
        try {
          return [self.origin, document.cookie];
        } catch (err) {
          return [self.origin, (err as Error).name];
        }
      });
      expect(reach).toEqual(['null', 'SecurityError']);
      expect(dialogs).toEqual([]);
    }));

  it('folder page: breadcrumbs, statuses from the notebooks, sorting', () =>
    withPage(browser, 'folder', async (page) => {
      await signedIn(page, `/view/viewer_showcase/${run.workflowId}/fail/`);
      const rows = page.locator('table.folder tbody tr');
      expect(await rows.allTextContents()).toEqual([
        expect.stringMatching(/^attempt-0\.ipynbfailed/),
        expect.stringMatching(/^attempt-1\.ipynbfailed/),
      ]);
      await page.click('th >> text=Name');
      await page.waitForURL('**order=desc*');
      expect(await rows.first().textContent()).toMatch(/^attempt-1/);
      await page.click(`.crumbs a >> text=${run.workflowId}`);
      await page.waitForURL(`**/view/viewer_showcase/${run.workflowId}/`);
      expect(await rows.allTextContents()).toEqual(
        ['fail/', 'inject/', 'rich/'].map((n) => expect.stringContaining(n)),
      );
    }));

  it('summary page: one row per notebook, sortable, downloadable as CSV', () =>
    withPage(browser, 'summary', async (page) => {
      await signedIn(page, '/summary/viewer_showcase/');
      const rows = page.locator('table.summary tbody tr');
      expect(await rows.count()).toBe(4);
      await page.click('th[data-column=status] a');
      await page.waitForURL('**sort=status*');
      expect(await rows.first().locator('.status').textContent()).toBe('completed');
      const header = await page.locator('table.summary thead th').allTextContents();
      expect(header).toEqual(expect.arrayContaining(['regionparam', 'total_minutesscrap']));
      const [csv] = await Promise.all([page.waitForEvent('download'), page.click('text=download CSV')]);
      const text = readFileSync(await csv.path(), 'utf8');
      expect(text.split('\r\n')[0]).toContain('parameters.region');
      expect(text).toContain(',gb,');
    }));

  it('run page refreshes while the workflow runs, and stops when it ends', () =>
    withPage(browser, 'refresh', async (page) => {
      const id = await stack.start('viewer_slow', { seconds: 3 });
      await stack.waitFor(id, (wf) => wf.tasks.some((t) => t.status === 'IN_PROGRESS'));
      await signedIn(page, `/runs/${id}`);
      expect(await page.locator('body').getAttribute('data-refresh')).toBe('3000');
      expect(await page.locator('#live .kv .status').textContent()).toBe('running');
      await page.locator('#live .kv .status.COMPLETED').waitFor({ timeout: 60_000 });
      await page.waitForFunction(() => !document.body.hasAttribute('data-refresh'));
      expect(await page.locator('#task-nap .attempt').textContent()).toContain('completed');
    }));
});
