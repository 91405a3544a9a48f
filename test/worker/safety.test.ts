/**
 * Hostile task input through the engine and the SDK (issue 7): values from workflow input are data,
 * never templates, and never paths out of the output roots.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { fixturePath } from '../helpers/fixtures';
import { captureLogger } from '../helpers/logger';
import {
  notebookRunTaskDef,
  runNotebookTaskWorkflow,
  startPipelineStack,
  type PipelineStack,
  type TaskRun,
} from '../helpers/pipeline';

let stack: PipelineStack;
let outside: string;
let counter = 0;
/**
 * Serves the `simple` fixture notebook at any path, except `/allowed/redirect-*` paths, which redirect
 * (to `?to=`, or out of the allowed prefix); records the paths asked for.
 */
let server: http.Server;
let base: string;
const requested: string[] = [];
const workerLog = captureLogger('info');

beforeAll(async () => {
  const notebook = readFileSync(fixturePath('simple'));
  server = http.createServer((req, res) => {
    requested.push(req.url ?? '');
    const url = new URL(req.url ?? '/', base);
    if (url.pathname.startsWith('/allowed/redirect')) {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/elsewhere/nb.ipynb' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': notebook.length });
    res.end(notebook);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stack = await startPipelineStack();
  await stack.registerTaskDefs([notebookRunTaskDef()]);
  await stack.startWorker({ worker: { allowedNotebookUrls: [`${base}/allowed/`] } }, 'local', {
    logger: workerLog.logger,
  });
  outside = mkdtempSync(path.join(os.tmpdir(), 'nbc-outside-'));
});

afterAll(async () => {
  await stack?.stop();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  if (outside) rmSync(outside, { recursive: true, force: true });
});

/** Runs a one-task workflow (ref `nb`) with this notebook_run definition and input; returns the task. */
async function runOne(
  inputParameters: Record<string, unknown>,
  workflowInput: Record<string, unknown>,
): Promise<TaskRun> {
  const wf = await runNotebookTaskWorkflow(stack, `safety_${++counter}`, inputParameters, workflowInput);
  const task = wf.tasks.find((t) => t.referenceTaskName === 'nb');
  if (!task) throw new Error(`no task in ${JSON.stringify(wf)}`);
  return task;
}

describe('input values are data, never templates (§4)', () => {
  it('a template inside an input value is passed on as text (second-order injection)', async () => {
    const task = await runOne(
      { notebook: fixturePath('simple'), parameters: { msg: '${workflow.input.msg}' } },
      { msg: '{{ workflow.input.secret }}', secret: 's3cr3t-value' },
    );
    expect(task.status).toBe('COMPLETED');
    expect(task.outputData.parameters).toEqual({ msg: '{{ workflow.input.secret }}' });
    const saved = readFileSync(String(task.outputData.outputNotebook), 'utf8');
    expect(saved).not.toContain('s3cr3t-value');
  });

  it('an output URI from input is not rendered (neither by the worker nor by the runner)', async () => {
    const out = path.join(stack.outputRoot, 'literal', '{{ workflow.input.secret }}.ipynb');
    const task = await runOne(
      { notebook: fixturePath('simple'), output: '${workflow.input.out}' },
      { out, secret: 's3cr3t-value' },
    );
    expect(task.status).toBe('COMPLETED');
    expect(task.outputData.outputNotebook).toBe(out);
    expect(existsSync(out)).toBe(true);
  });

  it('a definition string mixing ${} and {{ }} fails terminally, naming the field', async () => {
    const task = await runOne(
      { notebook: fixturePath('simple'), parameters: { msg: '${workflow.input.a}-{{ now }}' } },
      { a: 'x' },
    );
    expect(task.status).toBe('FAILED_WITH_TERMINAL_ERROR');
    expect(task.reasonForIncompletion).toMatch(/inputParameters\.parameters\.msg: one string mixes/);
  });
});

describe('outputs stay under the output roots (§3)', () => {
  const hostile: [string, (root: string) => string, RegExp][] = [
    ['../ segments', () => '../../../../escape/x.ipynb', /contains a "\.\." segment/],
    [
      '%2e%2e in a file:// URL',
      (root) => `${pathToFileURL(root).href}/%2e%2e/%2e%2e/escape/x.ipynb`,
      /"\.\."/,
    ],
    [
      'an absolute path elsewhere',
      () => path.join(outside, 'escape', 'x.ipynb'),
      /is outside the output roots/,
    ],
    ['a newline', (root) => `${root}/a\nb/x.ipynb`, /control character/],
  ];
  it.each(hostile)('%s in ${workflow.input.out} fails terminally, creating nothing', async (_, make, why) => {
    const task = await runOne(
      { notebook: fixturePath('simple'), output: '${workflow.input.out}' },
      { out: make(stack.outputRoot) },
    );
    expect(task.status).toBe('FAILED_WITH_TERMINAL_ERROR');
    expect(task.reasonForIncompletion).toMatch(why);
    expect(task.reasonForIncompletion).toContain(`output roots (${stack.outputRoot})`);
    expect(task.reasonForIncompletion).toMatch(/^output: /);
    expect(task.outputData.outputNotebook).toBeUndefined();
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(path.join(path.dirname(stack.outputRoot), 'escape'))).toBe(false);
  });

  it('the same value through a template with | pathSegment stays one folder under the root', async () => {
    const task = await runOne(
      {
        notebook: fixturePath('simple'),
        output: 'by-region/{{ workflow.input.region | pathSegment }}/x.ipynb',
      },
      { region: '../../etc' },
    );
    expect(task.status).toBe('COMPLETED');
    expect(task.outputData.outputNotebook).toBe(
      path.join(stack.outputRoot, 'by-region', '.._.._etc', 'x.ipynb'),
    );
  });

  it('values offloaded next to the notebook obey the same rule (a link out of the root is refused)', async () => {
    const dir = path.join(stack.outputRoot, 'linked');
    mkdirSync(dir, { recursive: true });
    symlinkSync(outside, path.join(dir, 'run.outputs'));
    const task = await runOne(
      {
        notebook: fixturePath('variables'),
        parameters: { n: 20_000 },
        outputs: ['labels'],
        output: '${workflow.input.out}',
      },
      { out: path.join(dir, 'run.ipynb') },
    );
    expect(task.status).toBe('FAILED_WITH_TERMINAL_ERROR');
    expect(task.reasonForIncompletion).toMatch(/^outputs: .*run\.outputs.* is outside the output roots/);
    expect(task.outputData.outputNotebook).toBe(path.join(dir, 'run.ipynb')); // the run itself is reported
    expect(readdirSync(outside)).toEqual([]);
  });
});

describe('notebooks over http(s) only from allowed sources (§1)', () => {
  it('a URL outside worker.allowedNotebookUrls fails terminally before it is fetched', async () => {
    for (const uri of [
      `${base}/other/nb.ipynb`,
      `${base}/allowed-evil/nb.ipynb`,
      `${base}/allowed/../other/nb.ipynb`,
    ]) {
      const task = await runOne({ notebook: '${workflow.input.nb}' }, { nb: uri });
      expect(task.status).toBe('FAILED_WITH_TERMINAL_ERROR');
      expect(task.reasonForIncompletion).toMatch(/^notebook: \S+ is not an allowed notebook source/);
      expect(task.reasonForIncompletion).toContain('worker.allowedNotebookUrls');
    }
    expect(requested).toEqual([]);
  });

  it('a URL under an allowed prefix runs', async () => {
    const task = await runOne({ notebook: `${base}/allowed/nb.ipynb`, parameters: { msg: 'hi' } }, {});
    expect(task.status).toBe('COMPLETED');
    expect(requested).toEqual(['/allowed/nb.ipynb']);
  });

  it('a redirect out of the allowed prefixes fails terminally, naming both URLs, and is not followed', async () => {
    requested.length = 0;
    const host = base.replace('http://', '');
    const uri = `http://ann:pw-SECRET@${host}/allowed/redirect.ipynb?token=SECRET2`;
    const task = await runOne({ notebook: '${workflow.input.nb}' }, { nb: uri });
    expect(task.status).toBe('FAILED_WITH_TERMINAL_ERROR');
    expect(task.reasonForIncompletion).toContain(
      `notebook: http://***@${host}/allowed/redirect.ipynb?token=*** redirected to ${base}/elsewhere/nb.ipynb, ` +
        'which is not an allowed notebook source',
    );
    expect(task.reasonForIncompletion).toContain('worker.allowedNotebookUrls');
    expect(JSON.stringify([task.reasonForIncompletion, task.outputData])).not.toMatch(/SECRET/);
    expect(task.outputData.outputNotebook).toBeUndefined(); // nothing ran
    // a redirect that comes back in is held to the same rule at every hop
    const chain = `${base}/allowed/redirect-1?to=${encodeURIComponent('/allowed/redirect-2')}`;
    const second = await runOne({ notebook: chain }, {});
    expect(second.status).toBe('FAILED_WITH_TERMINAL_ERROR');
    expect(second.reasonForIncompletion).toContain(
      `${base}/allowed/redirect-2 redirected to ${base}/elsewhere/nb.ipynb`,
    );
    expect(requested.filter((p) => p.startsWith('/elsewhere'))).toEqual([]);
  });

  it('a redirect within the allowed prefixes is followed', async () => {
    const task = await runOne(
      {
        notebook: `${base}/allowed/redirect-in?to=${encodeURIComponent('/allowed/moved/nb.ipynb')}`,
        parameters: { msg: 'hi' },
      },
      {},
    );
    expect(task.status).toBe('COMPLETED');
    expect(requested.at(-1)).toBe('/allowed/moved/nb.ipynb');
  });
});

describe('credentials in notebook URIs are redacted (§6)', () => {
  it('from the worker log, the Conductor task log, the task output and the output notebook', async () => {
    const secrets = ['pw-SECRET1', 'SECRET2', 'SECRET3', 'SECRET4', 'SECRET5'];
    const host = base.replace('http://', '');
    const uri =
      `http://ann:${secrets[0]}@${host}/allowed/signed.ipynb?X-Amz-Algorithm=AWS4-HMAC-SHA256` +
      `&X-Amz-Credential=${secrets[1]}&X-Amz-Security-Token=${secrets[2]}&X-Amz-Signature=${secrets[3]}` +
      `&token=${secrets[4]}`;
    const task = await runOne({ notebook: '${workflow.input.nb}', parameters: { msg: 'hi' } }, { nb: uri });
    expect(task.status).toBe('COMPLETED');
    const logs = await new stack.sdk.TaskClient(stack.client).getTaskLogs(task.taskId);
    const saved = readFileSync(String(task.outputData.outputNotebook), 'utf8');
    const workerLines = workerLog.lines.filter((l) => l.taskId === task.taskId || l.notebook !== undefined);
    expect(workerLines.length).toBeGreaterThan(0);
    for (const [where, text] of [
      ['worker log', JSON.stringify(workerLog.lines)],
      ['task log', JSON.stringify(logs)],
      ['task output', JSON.stringify(task.outputData)],
      ['output notebook', saved],
    ] as const) {
      for (const s of secrets) expect({ where, leaked: text.includes(s) }).toEqual({ where, leaked: false });
    }
    const meta = (JSON.parse(saved) as { metadata: { papermill: { input_path: string } } }).metadata
      .papermill;
    expect(meta.input_path).toBe(
      `http://***@${host}/allowed/signed.ipynb?X-Amz-Algorithm=AWS4-HMAC-SHA256` +
        '&X-Amz-Credential=***&X-Amz-Security-Token=***&X-Amz-Signature=***&token=***',
    );
    expect(JSON.stringify(logs)).toContain(`running http://***@${host}/allowed/signed.ipynb`);
  });
});

it('a parameter named after a keyword of the notebook language fails terminally, naming it (§6)', async () => {
  const task = await runOne({ notebook: fixturePath('simple'), parameters: { msg: 'x', class: 1 } }, {});
  expect(task.status).toBe('FAILED_WITH_TERMINAL_ERROR');
  expect(task.reasonForIncompletion).toMatch(/parameter class for Python: "class" is reserved in Python/);
  expect(task.outputData.outputNotebook).toBeUndefined();
});

it('the worker logs each task outcome at info: status, duration, output notebook, and the error with its stack (issue 8)', async () => {
  const ok = await runOne({ notebook: fixturePath('simple'), parameters: { msg: 'x' } }, {});
  const bad = await runOne({ notebook: fixturePath('cell-error') }, {});
  const outcome = (id: string) =>
    workerLog.lines.find((l) => l.taskId === id && /^notebook_run /.test(l.msg ?? ''));
  expect(outcome(ok.taskId)).toMatchObject({
    level: 30,
    status: 'COMPLETED',
    outputNotebook: ok.outputData.outputNotebook,
    durationMs: expect.any(Number),
  });
  const failed = outcome(bad.taskId);
  expect(failed).toMatchObject({
    level: 30,
    status: 'FAILED',
    outputNotebook: bad.outputData.outputNotebook,
    durationMs: expect.any(Number),
    error: { code: 'E_CELL_ERROR', ename: 'ZeroDivisionError' },
  });
  expect((failed?.err as { stack?: string } | undefined)?.stack).toMatch(/\n\s+at /);
});
