/**
 * The notebook_run task contract through the engine and the SDK: bad input and template errors fail
 * terminally with actionable reasons; a notebook error fails with the error and the output notebook;
 * retries write new attempts; requested variables and large values come back; progress reaches the task log.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { fixturePath } from '../helpers/fixtures';
import {
  runNotebookTaskWorkflow,
  startPipelineStack,
  type PipelineStack,
  type TaskRun,
  type WorkflowRun,
} from '../helpers/pipeline';

let stack: PipelineStack;
let counter = 0;

beforeAll(async () => {
  stack = await startPipelineStack();
  await stack.registerTaskDefs([
    {
      name: 'notebook_run',
      ownerEmail: 't@example.com',
      retryCount: 1,
      retryLogic: 'FIXED',
      retryDelaySeconds: 0,
      timeoutSeconds: 300,
      responseTimeoutSeconds: 60,
    },
  ]);
  await stack.startWorker();
});

afterAll(async () => {
  await stack?.stop();
});

/** Runs a one-task workflow with this notebook_run input and waits for it to end. */
async function runOne(
  inputParameters: Record<string, unknown>,
  workflowInput: Record<string, unknown> = { x: 1 },
): Promise<WorkflowRun> {
  return runNotebookTaskWorkflow(stack, `contract_${++counter}`, inputParameters, workflowInput);
}

function attempts(wf: WorkflowRun): TaskRun[] {
  return wf.tasks.filter((t) => t.referenceTaskName === 'nb');
}

describe('bad input fails terminally (no retry) with a reason naming the problem', () => {
  it.each([
    [{}, /inputData\.notebook: is required/],
    [{ notebook: 42 }, /inputData\.notebook: must be a non-empty string/],
    [{ notebook: fixturePath('simple'), parameters: 'msg=1' }, /inputData\.parameters: must be an object/],
    [
      { notebook: fixturePath('simple'), timeouts: { cellSeconds: -1 } },
      /inputData\.timeouts\.cellSeconds: must be a positive number/,
    ],
    [{ notebook: fixturePath('simple'), outputs: ['ok', 'not a name'] }, /inputData\.outputs\[1\]/],
    [
      { notebook: fixturePath('simple'), parameters: { msg: '{{ workflow.input.nope }}' } },
      /parameters\.msg.*nope/,
    ],
    [{ notebook: fixturePath('simple'), parameters: { msg: '{{ unclosed' } }, /parameters\.msg/],
    [
      {
        notebook: fixturePath('simple'),
        parameters: { msg: '{{ "".constructor.constructor("return process")() }}' },
      },
      /parameters\.msg.*(not accessible|constructor)/,
    ],
    [{ notebook: 'notebooks/does-not-exist.ipynb' }, /does-not-exist\.ipynb.*no such file/],
    [{ notebook: fixturePath('invalid-json') }, /invalid-json\.ipynb is not valid JSON: .* line 3/],
    [{ notebook: fixturePath('simple'), kernel: 'no-such-kernel' }, /no kernel named "no-such-kernel"/],
  ])('%j', async (input, reason) => {
    const wf = await runOne(input);
    expect(wf.status).toBe('FAILED');
    const tries = attempts(wf);
    expect(tries).toHaveLength(1); // FAILED_WITH_TERMINAL_ERROR is never retried
    expect(tries[0]?.status).toBe('FAILED_WITH_TERMINAL_ERROR');
    expect(tries[0]?.reasonForIncompletion).toMatch(reason);
    expect(tries[0]?.outputData.outputNotebook).toBeUndefined(); // execution never started: nothing written
  });
});

it('a cell error fails the task with the error and the output notebook; the retry writes a new attempt', async () => {
  const wf = await runOne({ notebook: fixturePath('cell-error') });
  expect(wf.status).toBe('FAILED');
  const [a0, a1] = attempts(wf);
  for (const [i, t] of [a0, a1].entries()) {
    expect(t?.status).toBe('FAILED');
    expect(t?.outputData.error).toMatchObject({
      ename: 'ZeroDivisionError',
      evalue: 'division by zero',
      executionCount: 3,
    });
    const nb = String(t?.outputData.outputNotebook);
    expect(nb).toMatch(new RegExp(`attempt-${i}\\.ipynb$`));
    expect(existsSync(nb)).toBe(true);
    expect(t?.reasonForIncompletion).toContain(nb);
    const cellIndex = (t?.outputData.error as { cellIndex: number }).cellIndex;
    const saved = JSON.parse(readFileSync(nb, 'utf8')) as { cells: { outputs?: { ename?: string }[] }[] };
    expect(saved.cells[cellIndex]?.outputs?.some((o) => o.ename === 'ZeroDivisionError')).toBe(true);
  }
});

it('a dead kernel is reported FAILED (retryable) with the output notebook', async () => {
  const wf = await runOne({ notebook: fixturePath('kernel-death') });
  const [a0] = attempts(wf);
  expect(a0?.status).toBe('FAILED');
  expect(a0?.outputData.error).toMatchObject({ code: 'E_KERNEL_DIED' });
  expect(existsSync(String(a0?.outputData.outputNotebook))).toBe(true);
});

it('returns requested kernel variables as JSON and passes large values by URI', async () => {
  const wf = await runOne({
    notebook: fixturePath('variables'),
    parameters: { n: 20_000 },
    outputs: ['total', 'summary', 'labels'],
  });
  expect(wf.status).toBe('COMPLETED');
  const out = attempts(wf)[0]?.outputData.outputs as Record<string, unknown>;
  expect(out.total).toBe(199_990_000);
  expect(out.summary).toEqual({ n: 20_000, total: 199_990_000 });
  const ref = out.labels as { $ref: string; bytes: number };
  expect(ref.bytes).toBeGreaterThan(64 * 1024);
  const labels = JSON.parse(readFileSync(ref.$ref, 'utf8')) as string[];
  expect(labels).toHaveLength(20_000);
  expect(labels[19_999]).toBe('r19999');
});

it('still reports the output notebook when storing a large result fails after the run', async () => {
  const dir = path.join(stack.outputRoot, 'blocked');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'run.outputs'), 'a file where the folder for large values would go');
  const wf = await runOne({
    notebook: fixturePath('variables'),
    parameters: { n: 20_000 },
    outputs: ['labels'],
    output: path.join(dir, 'run.ipynb'),
  });
  const [a0] = attempts(wf);
  expect(a0?.status).toBe('FAILED'); // a storage fault: retryable
  expect(a0?.outputData.outputNotebook).toBe(path.join(dir, 'run.ipynb'));
  expect(existsSync(path.join(dir, 'run.ipynb'))).toBe(true);
  expect(a0?.reasonForIncompletion).toMatch(/run\.outputs/);
});

it('reports an unknown output variable as a failure naming it', async () => {
  const wf = await runOne({ notebook: fixturePath('variables'), outputs: ['total', 'missing_var'] });
  const [a0] = attempts(wf);
  expect(a0?.status).toBe('FAILED');
  expect(a0?.reasonForIncompletion).toMatch(/missing_var.*NameError/);
});

it('honours a templated output URI, and gives a retry its own attempt suffix', async () => {
  const wf = await runOne(
    {
      notebook: fixturePath('cell-error'),
      output: `${stack.outputRoot}/custom/{{ workflow.input.label }}-{{ task.referenceTaskName }}.ipynb`,
    },
    { label: 'daily' },
  );
  const [a0, a1] = attempts(wf);
  expect(a0?.outputData.outputNotebook).toBe(path.join(stack.outputRoot, 'custom', 'daily-nb.ipynb'));
  expect(a1?.outputData.outputNotebook).toBe(
    path.join(stack.outputRoot, 'custom', 'daily-nb.attempt-1.ipynb'),
  );
});

it('appends cell progress to the task log (visible in Conductor)', async () => {
  const wf = await runOne({ notebook: fixturePath('simple'), parameters: { msg: 'logged' } });
  expect(wf.status).toBe('COMPLETED');
  const logs = await new stack.sdk.TaskClient(stack.client).getTaskLogs(attempts(wf)[0]?.taskId as string);
  const text = logs.map((l) => l.log).join('\n');
  expect(text).toMatch(/running .*simple\.ipynb/);
  expect(text).toMatch(/cell \d+\/\d+ completed in \d+\.\d+ s/);
  expect(text).toMatch(/completed in \d+\.\d+ s/);
});
