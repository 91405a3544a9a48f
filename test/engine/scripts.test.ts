/**
 * Scripts (INLINE, SWITCH, DO_WHILE conditions, event conditions) never stall the engine and cannot take it
 * down: they run in script processes with a time limit, a memory limit and a cap on their result, while
 * HTTP, other workflows and an in-process worker go on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startTestEngine } from '../helpers/engine';
import { captureLogger, type CapturedLine } from '../helpers/logger';
import {
  authenticate,
  harness,
  raw,
  startWorkers,
  taskByRef,
  waitFor,
  waitForStatus,
  workflow,
  type Harness,
  type Json,
} from './support';

const RUNAWAY = 'while (true) {}';

let h: Harness;
let lines: CapturedLine[];
beforeAll(async () => {
  const captured = captureLogger('debug');
  lines = captured.lines;
  // A long limit: the runaway scripts are still running when the test checks that everything else goes on.
  h = await harness({
    memory: true,
    logger: captured.logger,
    options: { scriptTimeoutMs: 120_000, scriptProcesses: 6 },
  });
  await h.metadata.registerTasks([{ name: 'sc_work', retryCount: 0 }] as never);
});
afterAll(async () => {
  await h.stop();
});

async function start(tasks: Json[], input: Json = {}): Promise<string> {
  const name = `sc_${Math.random().toString(36).slice(2, 8)}`;
  return (await h.workflows.startWorkflow({
    name,
    input,
    workflowDef: { name, version: 1, tasks } as never,
  })) as string;
}

const inline = (ref: string, expression: string, extra: Json = {}): Json => ({
  name: ref,
  taskReferenceName: ref,
  type: 'INLINE',
  inputParameters: { evaluatorType: 'javascript', expression, ...extra },
});
const switchOn = (ref: string, expression: string, extra: Json = {}): Json => ({
  name: ref,
  taskReferenceName: ref,
  type: 'SWITCH',
  evaluatorType: 'javascript',
  expression,
  inputParameters: extra,
  decisionCases: { big: [{ name: 'big_n', taskReferenceName: 'big_n', type: 'NOOP' }] },
  defaultCase: [{ name: 'small_n', taskReferenceName: 'small_n', type: 'NOOP' }],
});
const loopUntil = (ref: string, loopCondition: string, extra: Json = {}): Json => ({
  name: ref,
  taskReferenceName: ref,
  type: 'DO_WHILE',
  loopCondition,
  inputParameters: extra,
  loopOver: [{ name: `${ref}_body`, taskReferenceName: `${ref}_body`, type: 'NOOP' }],
});

/** The number of script evaluations the engine started so far. */
const started = (): number => lines.filter((l) => l.msg === 'engine: script evaluation started').length;

it('while(true){} in INLINE, SWITCH, a DO_WHILE condition and an event condition stalls nothing; terminating a workflow stops its script', async () => {
  const before = started();
  const inlineId = await start([inline('spin', RUNAWAY)]);
  const switchId = await start([switchOn('spin', RUNAWAY)]);
  const loopId = await start([loopUntil('spin', RUNAWAY)]);
  await raw(h.url, 'POST', '/api/event', {
    name: 'sc_spin_handler',
    event: 'conductor:sc_spin',
    active: true,
    condition: RUNAWAY,
    actions: [{ action: 'start_workflow', start_workflow: { name: 'never_started' } }],
  });
  await raw(h.url, 'POST', '/api/event/publish/sc_spin', { any: 1 });
  await waitFor('four runaway scripts to be running', async () => started() >= before + 4);

  // Everything else goes on meanwhile: HTTP, a workflow with scripts and a worker task, another event.
  expect((await raw(h.url, 'GET', '/health')).status).toBe(200);
  startWorkers(h, [
    {
      taskDefName: 'sc_work',
      execute: async (t) => ({ status: 'COMPLETED', outputData: { got: t.inputData?.v } }),
    },
  ]);
  const busyId = await start(
    [
      inline('add', '$.a + 1', { a: '${workflow.input.a}' }),
      {
        name: 'sc_work',
        taskReferenceName: 'work',
        type: 'SIMPLE',
        inputParameters: { v: '${add.output.result}' },
      },
      switchOn('size', "$.v > 1 ? 'big' : 'small'", { v: '${work.output.got}' }),
      loopUntil('loop', '$.loop.iteration < 3'),
    ],
    { a: 1 },
  );
  const busy = await waitForStatus(h, busyId, 'COMPLETED');
  expect(taskByRef(busy, 'work').outputData).toEqual({ got: 2 });
  expect(taskByRef(busy, 'size').outputData.selectedCase).toBe('big');
  expect(taskByRef(busy, 'big_n').status).toBe('COMPLETED');
  expect(taskByRef(busy, 'loop').outputData.iteration).toBe(3);
  await h.metadata.registerWorkflowDef({
    name: 'sc_started_by_event',
    version: 1,
    tasks: [{ name: 'n', taskReferenceName: 'n', type: 'NOOP' }],
  } as never);
  await raw(h.url, 'POST', '/api/event', {
    name: 'sc_ok_handler',
    event: 'conductor:sc_ok',
    active: true,
    condition: '$.go === true',
    actions: [{ action: 'start_workflow', start_workflow: { name: 'sc_started_by_event' } }],
  });
  await raw(h.url, 'POST', '/api/event/publish/sc_ok', { go: true });
  await waitFor('the other queue’s event to start its workflow', async () => {
    const execs = (await raw(h.url, 'GET', '/api/event/execution/sc_ok_handler')).json as Json[];
    return execs.some((e) => e.status === 'COMPLETED');
  });

  // The runaway scripts are still running, their tasks waiting for them.
  for (const [id, ref] of [
    [inlineId, 'spin'],
    [switchId, 'spin'],
    [loopId, 'spin'],
  ] as const) {
    const wf = await workflow(h, id);
    expect(wf.status).toBe('RUNNING');
    expect(taskByRef(wf, ref).status).toBe('IN_PROGRESS');
  }
  expect((await raw(h.url, 'GET', '/api/event/execution/sc_spin_handler')).json).toEqual([]);

  // Terminating a workflow kills its script: the process is free for the next ones.
  for (const id of [inlineId, switchId, loopId]) await h.workflows.terminate(id, 'enough');
  const next = await start([
    inline('a', '1'),
    inline('b', '2'),
    inline('c', '3'),
    inline('d', '4'),
    inline('e', '5'),
  ]);
  expect((await waitForStatus(h, next, 'COMPLETED')).tasks).toHaveLength(5);
}, 60_000);

it("'x'.repeat($.n) with n = 400000000 from workflow input fails its task with a reason; the engine stays up", async () => {
  const n = 400_000_000;
  const big = await start([inline('big', "'x'.repeat($.n)", { n: '${workflow.input.n}' })], { n });
  const bigTask = taskByRef(await waitForStatus(h, big, 'FAILED'), 'big');
  expect(bigTask.status).toBe('FAILED_WITH_TERMINAL_ERROR');
  expect(bigTask.reasonForIncompletion).toContain('larger than 10485760 characters');

  // Building a string that large exhausts the script process's memory: only that process dies.
  const oom = await start(
    [inline('oom', "JSON.stringify('x'.repeat($.n)).length", { n: '${workflow.input.n}' })],
    { n },
  );
  const oomTask = taskByRef(await waitForStatus(h, oom, 'FAILED'), 'oom');
  expect(oomTask.status).toBe('FAILED_WITH_TERMINAL_ERROR');
  expect(oomTask.reasonForIncompletion).toContain('memory limit of 256 MB');

  const sw = await start(
    [switchOn('sw', "JSON.stringify('x'.repeat($.n)).length", { n: '${workflow.input.n}' })],
    { n },
  );
  expect(taskByRef(await waitForStatus(h, sw, 'FAILED'), 'sw').reasonForIncompletion).toContain(
    'memory limit',
  );
  const loop = await start([loopUntil('loop', "'x'.repeat($.n)", { n: '${workflow.input.n}' })], { n });
  const loopTask = taskByRef(await waitForStatus(h, loop, 'FAILED'), 'loop');
  expect(loopTask.status).toBe('FAILED_WITH_TERMINAL_ERROR');
  expect(loopTask.reasonForIncompletion).toContain('larger than');

  expect((await raw(h.url, 'GET', '/health')).status).toBe(200);
  const ok = await start([inline('ok', '$.n / 2', { n: '${workflow.input.n}' })], { n });
  expect(taskByRef(await waitForStatus(h, ok, 'COMPLETED'), 'ok').outputData.result).toBe(n / 2);
}, 60_000);

it('a graceful stop while a script runs does not fail it: the next start evaluates it again', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-scripts-'));
  try {
    const first = captureLogger('debug');
    let engine = await startTestEngine({
      dataDir,
      logger: first.logger,
      options: { scriptTimeoutMs: 120_000 },
    });
    await authenticate(engine.url, engine.credentials);
    const name = 'sc_graceful';
    const startRes = await raw(engine.url, 'POST', '/api/workflow', {
      name,
      input: {},
      workflowDef: { name, version: 1, tasks: [inline('spin', RUNAWAY)] },
    });
    const id = startRes.text;
    await waitFor('the script to start', async () =>
      first.lines.some((l) => l.msg === 'engine: script evaluation started' && l.workflowId === id),
    );
    await engine.stop();

    const second = captureLogger('debug');
    engine = await startTestEngine({ dataDir, logger: second.logger, options: { scriptTimeoutMs: 120_000 } });
    await authenticate(engine.url, engine.credentials);
    await waitFor('the script to start again', async () =>
      second.lines.some((l) => l.msg === 'engine: script evaluation started' && l.workflowId === id),
    );
    const wf = (await raw(engine.url, 'GET', `/api/workflow/${id}`)).json as Json;
    expect(wf.status).toBe('RUNNING');
    expect(taskByRef(wf, 'spin').status).toBe('IN_PROGRESS');
    await raw(engine.url, 'DELETE', `/api/workflow/${id}?reason=done`);
    await engine.stop();
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);

it('a javascript SWITCH inside a loop chooses its case once its script is in, with the iteration’s names', async () => {
  const id = await start(
    [
      {
        name: 'loop',
        taskReferenceName: 'loop',
        type: 'DO_WHILE',
        loopCondition: '$.loop.iteration < 2',
        loopOver: [
          {
            ...switchOn('pick', "$.i % 2 === 1 ? 'big' : 'small'", { i: '${loop.output.iteration}' }),
            decisionCases: { big: [inline('odd', "'odd ' + $.i", { i: '${loop.output.iteration}' })] },
            defaultCase: [inline('even', "'even ' + $.i", { i: '${loop.output.iteration}' })],
          },
        ],
      },
    ],
    {},
  );
  const wf = await waitForStatus(h, id, 'COMPLETED');
  const refs = (wf.tasks as Json[]).map((t) => `${String(t.referenceTaskName)}:${String(t.status)}`);
  expect(refs).toEqual([
    'loop:COMPLETED',
    'pick__1:COMPLETED',
    'odd__1:COMPLETED',
    'pick__2:COMPLETED',
    'even__2:COMPLETED',
  ]);
  expect(taskByRef(wf, 'odd__1').outputData.result).toBe('odd 1');
  expect(taskByRef(wf, 'even__2').outputData.result).toBe('even 2');
  expect(taskByRef(wf, 'pick__2').inputData.case).toBe('small');
});
