/**
 * Fan-outs: every branch joined exactly once, nothing lost, whatever the order branches finish in, with
 * the JOIN's bookkeeping (branches that complete without a decide) kept right through failures, retries,
 * optional branches, static forks whose joined task is not last in its branch, and loops.
 */
import {
  complete,
  harness,
  pollTask,
  simpleTask,
  startWorkers,
  taskByRef,
  waitFor,
  waitForStatus,
  workflow,
  type Harness,
  type Json,
} from './support';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  await h.metadata.registerTasks([
    { name: 'fo_branch', retryCount: 0, responseTimeoutSeconds: 600 },
    { name: 'fo_retry', retryCount: 1, retryDelaySeconds: 0, responseTimeoutSeconds: 600 },
    { name: 'fo_step', retryCount: 0 },
    { name: 'fo_after', retryCount: 0 },
  ] as never);
});
afterAll(async () => {
  await h.stop();
});

const fanOut = (branchTask: string, extra: Json = {}): Json[] => [
  {
    name: 'fan',
    taskReferenceName: 'fan',
    type: 'FORK_JOIN_DYNAMIC',
    inputParameters: { forkTaskName: branchTask, forkTaskInputs: '${workflow.input.items}', ...extra },
  },
  { name: 'join', taskReferenceName: 'join', type: 'JOIN' },
];

async function start(name: string, tasks: Json[], input: Json): Promise<string> {
  return (await h.workflows.startWorkflow({
    name,
    input,
    workflowDef: { name, version: 1, tasks } as never,
  })) as string;
}

it('600 branches through the SDK TaskManager: each runs once and the JOIN holds every output', async () => {
  const runs = new Map<string, number>();
  startWorkers(
    h,
    [
      {
        taskDefName: 'fo_branch',
        execute: async (t) => {
          const key = String(t.referenceTaskName);
          runs.set(key, (runs.get(key) ?? 0) + 1);
          return { status: 'COMPLETED', outputData: { doubled: (t.inputData?.n as number) * 2 } };
        },
      },
    ],
    { concurrency: 20 },
  );
  const n = 600;
  const items = Array.from({ length: n }, (_, i) => ({ n: i }));
  const id = await start(
    'fo_big',
    [...fanOut('fo_branch'), simpleTask('after', 'fo_after', { all: '${join.output}' })],
    {
      items,
    },
  );
  const after = (await waitFor(
    'the task after the JOIN',
    () => pollTask(h.url, 'fo_after'),
    120_000,
  )) as Json;
  const joined = after.inputData.all as Json;
  expect(Object.keys(joined)).toHaveLength(n);
  for (let i = 0; i < n; i++) expect(joined[`_fo_branch_${i}`]).toEqual({ doubled: 2 * i });
  expect(runs.size).toBe(n);
  expect([...runs.values()].every((c) => c === 1)).toBe(true);
  await complete(h.url, after);
  const wf = await waitForStatus(h, id, 'COMPLETED');
  expect((wf.tasks as Json[]).filter((t) => t.taskType === 'fo_branch')).toHaveLength(n);
}, 180_000);

it('a failed branch fails the workflow at once, even while other branches still run', async () => {
  const id = await start('fo_fail', fanOut('fo_step'), { items: [{ n: 0 }, { n: 1 }, { n: 2 }] });
  const first = (await waitFor('a branch', () => pollTask(h.url, 'fo_step'))) as Json;
  await complete(h.url, first);
  const second = (await waitFor('another branch', () => pollTask(h.url, 'fo_step'))) as Json;
  await complete(h.url, second, {}, 'FAILED', { reasonForIncompletion: 'branch broke' });
  const wf = await waitForStatus(h, id, 'FAILED');
  expect(wf.reasonForIncompletion).toContain('branch broke');
  const statuses = (wf.tasks as Json[]).map((t) => t.status).sort();
  expect(statuses).toEqual(['CANCELED', 'CANCELED', 'COMPLETED', 'COMPLETED', 'FAILED']);
});

it('a retried branch is awaited again: the JOIN completes only once its retry succeeds', async () => {
  const id = await start('fo_retry', fanOut('fo_retry'), { items: [{ n: 0 }, { n: 1 }] });
  const a = (await waitFor('branch a', () => pollTask(h.url, 'fo_retry'))) as Json;
  const b = (await waitFor('branch b', () => pollTask(h.url, 'fo_retry'))) as Json;
  await complete(h.url, a, {}, 'FAILED', { reasonForIncompletion: 'transient' });
  const again = (await waitFor('the retry', () => pollTask(h.url, 'fo_retry'))) as Json;
  expect(again.referenceTaskName).toBe(a.referenceTaskName);
  await complete(h.url, b, { v: 'b' });
  expect(taskByRef(await workflow(h, id), 'join').status).toBe('IN_PROGRESS');
  await complete(h.url, again, { v: 'a' });
  const wf = await waitForStatus(h, id, 'COMPLETED');
  expect(taskByRef(wf, 'join').outputData).toEqual({
    [a.referenceTaskName as string]: { v: 'a' },
    [b.referenceTaskName as string]: { v: 'b' },
  });
});

it('a static fork whose joined task is not last in its branch still runs the rest of that branch', async () => {
  const id = await start(
    'fo_static',
    [
      {
        name: 'fork',
        taskReferenceName: 'fork',
        type: 'FORK_JOIN',
        forkTasks: [
          [simpleTask('x1', 'fo_step'), simpleTask('x2', 'fo_after')],
          [simpleTask('y1', 'fo_step')],
        ],
      },
      { name: 'join', taskReferenceName: 'join', type: 'JOIN', joinOn: ['x1', 'y1'] },
    ],
    {},
  );
  for (let i = 0; i < 2; i++)
    await complete(h.url, (await waitFor('a fork task', () => pollTask(h.url, 'fo_step'))) as Json);
  const x2 = (await waitFor('x2 after x1', () => pollTask(h.url, 'fo_after'))) as Json;
  expect(x2.referenceTaskName).toBe('x2');
  await complete(h.url, x2);
  const wf = await waitForStatus(h, id, 'COMPLETED');
  expect(taskByRef(wf, 'join').status).toBe('COMPLETED');
});

it('optional branches that fail let the JOIN complete with errors', async () => {
  const optional = await start(
    'fo_optional',
    [
      {
        name: 'fork',
        taskReferenceName: 'fork',
        type: 'FORK_JOIN',
        forkTasks: [[{ ...simpleTask('o1', 'fo_step'), optional: true }], [simpleTask('o2', 'fo_step')]],
      },
      { name: 'join', taskReferenceName: 'join', type: 'JOIN', joinOn: ['o1', 'o2'] },
    ],
    {},
  );
  const one = (await waitFor('o1', () => pollTask(h.url, 'fo_step'))) as Json;
  const two = (await waitFor('o2', () => pollTask(h.url, 'fo_step'))) as Json;
  const [o1, o2] = one.referenceTaskName === 'o1' ? [one, two] : [two, one];
  await complete(h.url, o2 as Json);
  await complete(h.url, o1 as Json, {}, 'FAILED', { reasonForIncompletion: 'optional broke' });
  const wf = await waitForStatus(h, optional, 'COMPLETED');
  expect(taskByRef(wf, 'join').status).toBe('COMPLETED_WITH_ERRORS');
});

it('a fan-out inside a loop joins each iteration’s branches', async () => {
  const id = await start(
    'fo_loop',
    [
      {
        name: 'loop',
        taskReferenceName: 'loop',
        type: 'DO_WHILE',
        loopCondition: '$.loop.iteration < 2',
        loopOver: fanOut('fo_step'),
      },
    ],
    { items: [{ n: 0 }, { n: 1 }, { n: 2 }] },
  );
  for (let i = 0; i < 6; i++) {
    await complete(h.url, (await waitFor('a branch', () => pollTask(h.url, 'fo_step'))) as Json, { i });
  }
  const wf = await waitForStatus(h, id, 'COMPLETED');
  const joins = (wf.tasks as Json[]).filter((t) => t.taskType === 'JOIN');
  expect(joins.map((j) => [j.referenceTaskName, Object.keys(j.outputData).length])).toEqual([
    ['join__1', 3],
    ['join__2', 3],
  ]);
});
