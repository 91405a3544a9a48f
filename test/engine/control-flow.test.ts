/** FORK_JOIN/JOIN, FORK_JOIN_DYNAMIC (all three forms), SWITCH, DECISION and DO_WHILE. */
import {
  complete,
  harness,
  pollTask,
  simpleTask,
  startInline,
  startWorkers,
  taskByRef,
  waitForStatus,
  workflow,
  type Harness,
  type Json,
} from './support';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  await h.metadata.registerTask({ name: 'cf_manual', retryCount: 0 } as never);
  // A worker that echoes its input and tags who ran it: enough to follow the data through the flows.
  startWorkers(
    h,
    ['cf_echo', 'cf_region', 'cf_a', 'cf_b'].map((name) => ({
      taskDefName: name,
      execute: async (t) => ({
        status: 'COMPLETED' as const,
        outputData: { ...(t.inputData ?? {}), ran: t.referenceTaskName },
      }),
    })),
    { concurrency: 4 },
  );
});
afterAll(async () => {
  await h.stop();
});

async function run(tasks: Json[], input: Json = {}, def: Json = {}): Promise<Json> {
  const id = await startInline(h, 'cf', tasks, input, def);
  return waitForStatus(h, id, ['COMPLETED', 'FAILED', 'TERMINATED', 'TIMED_OUT']);
}

describe('FORK_JOIN / JOIN', () => {
  it('creates a "FORK" task, runs branches in parallel and joins their outputs', async () => {
    const wf = await run([
      {
        name: 'fork',
        taskReferenceName: 'fork',
        type: 'FORK_JOIN',
        forkTasks: [
          [simpleTask('a1', 'cf_a', { x: 1 }), simpleTask('a2', 'cf_echo', { y: '${a1.output.x}' })],
          [simpleTask('b1', 'cf_b', { z: 2 })],
        ],
      },
      { name: 'join', taskReferenceName: 'join', type: 'JOIN', joinOn: ['a2', 'b1'] },
      simpleTask('after', 'cf_echo', { joined: '${join.output}' }),
    ]);
    expect(wf.status).toBe('COMPLETED');
    const fork = taskByRef(wf, 'fork');
    expect(fork).toMatchObject({ taskType: 'FORK', status: 'COMPLETED', seq: 1 });
    expect(taskByRef(wf, 'join').outputData).toEqual({ a2: { y: 1, ran: 'a2' }, b1: { z: 2, ran: 'b1' } });
    expect(taskByRef(wf, 'after').inputData.joined).toEqual({
      a2: { y: 1, ran: 'a2' },
      b1: { z: 2, ran: 'b1' },
    });
    expect(wf.tasks.map((t: Json) => t.referenceTaskName)).toEqual([
      'fork',
      'a1',
      'b1',
      'join',
      'a2',
      'after',
    ]);
  });

  it('a JOIN with an empty joinOn completes immediately (the branch keeps the workflow RUNNING)', async () => {
    const name = `cf_${Math.random().toString(36).slice(2, 8)}`;
    const id = (await h.workflows.startWorkflow({
      name,
      input: {},
      workflowDef: {
        name,
        version: 1,
        tasks: [
          {
            name: 'fork',
            taskReferenceName: 'fork',
            type: 'FORK_JOIN',
            forkTasks: [[{ name: 'w', taskReferenceName: 'w', type: 'WAIT' }]],
          },
          { name: 'join', taskReferenceName: 'join', type: 'JOIN', joinOn: [] },
          { name: 'n', taskReferenceName: 'n', type: 'NOOP' },
        ],
      } as never,
    })) as string;
    const wf = await workflow(h, id);
    expect(wf.status).toBe('RUNNING');
    expect(taskByRef(wf, 'join').status).toBe('COMPLETED');
    expect(taskByRef(wf, 'n').status).toBe('COMPLETED');
    expect(taskByRef(wf, 'w').status).toBe('IN_PROGRESS');
    await h.workflows.terminate(id, 'done');
  });

  it('a failed branch fails the JOIN and the workflow, canceling the sibling', async () => {
    const name = `cf_${Math.random().toString(36).slice(2, 8)}`;
    const id = (await h.workflows.startWorkflow({
      name,
      input: {},
      workflowDef: {
        name,
        version: 1,
        tasks: [
          {
            name: 'fork',
            taskReferenceName: 'fork',
            type: 'FORK_JOIN',
            forkTasks: [
              [simpleTask('bad', 'cf_manual')],
              [{ name: 'w', taskReferenceName: 'w', type: 'WAIT' }],
            ],
          },
          { name: 'join', taskReferenceName: 'join', type: 'JOIN', joinOn: ['bad', 'w'] },
        ],
      } as never,
    })) as string;
    const t = (await pollTask(h.url, 'cf_manual')) as Json;
    expect(t.taskDefinition.retryCount).toBe(0);
    await complete(h.url, t, {}, 'FAILED', { reasonForIncompletion: 'branch broke' });
    const wf = await waitForStatus(h, id, 'FAILED');
    expect(taskByRef(wf, 'w').status).toBe('CANCELED');
    expect(taskByRef(wf, 'join').status).toBe('CANCELED');
  });
});

describe('FORK_JOIN_DYNAMIC', () => {
  it('fans out over a list with forkTaskName/forkTaskInputs (one branch per region)', async () => {
    const wf = await run(
      [
        {
          name: 'fan',
          taskReferenceName: 'fan',
          type: 'FORK_JOIN_DYNAMIC',
          inputParameters: { forkTaskName: 'cf_region', forkTaskInputs: '${workflow.input.regions}' },
        },
        { name: 'join', taskReferenceName: 'join', type: 'JOIN' },
      ],
      { regions: [{ region: 'eu' }, { region: 'us' }, 'apac'] },
    );
    expect(wf.status).toBe('COMPLETED');
    const join = taskByRef(wf, 'join');
    expect(join.inputData.joinOn).toEqual(['_cf_region_0', '_cf_region_1', '_cf_region_2']);
    expect(join.outputData).toEqual({
      _cf_region_0: { region: 'eu', __index: 0, ran: '_cf_region_0' },
      _cf_region_1: { region: 'us', __index: 1, ran: '_cf_region_1' },
      _cf_region_2: { input: 'apac', __index: 2, ran: '_cf_region_2' },
    });
    expect(taskByRef(wf, 'fan')).toMatchObject({
      taskType: 'FORK',
      inputData: { forkedTasks: ['_cf_region_0', '_cf_region_1', '_cf_region_2'] },
    });
  });

  it('dynamicForkTasksParam + dynamicForkTasksInputParamName', async () => {
    const wf = await run(
      [
        {
          name: 'dyn',
          taskReferenceName: 'dyn',
          type: 'FORK_JOIN_DYNAMIC',
          dynamicForkTasksParam: 'tasks',
          dynamicForkTasksInputParamName: 'inputs',
          inputParameters: { tasks: '${workflow.input.tasks}', inputs: '${workflow.input.inputs}' },
        },
        { name: 'j', taskReferenceName: 'j', type: 'JOIN' },
      ],
      {
        tasks: [
          { name: 'cf_a', taskReferenceName: 'xdt1' },
          { name: 'cf_b', taskReferenceName: 'xdt2' },
        ],
        inputs: { xdt1: { k1: 'v1' }, xdt2: { k2: 'v2' } },
      },
    );
    expect(taskByRef(wf, 'j').outputData).toEqual({
      xdt1: { k1: 'v1', ran: 'xdt1' },
      xdt2: { k2: 'v2', ran: 'xdt2' },
    });
    expect(taskByRef(wf, 'xdt1').inputData).toEqual({ k1: 'v1' });
  });

  it('legacy dynamicForkJoinTasksParam ({dynamicTasks: [...]})', async () => {
    const wf = await run(
      [
        {
          name: 'dyn',
          taskReferenceName: 'dyn',
          type: 'FORK_JOIN_DYNAMIC',
          dynamicForkJoinTasksParam: 'dt',
          inputParameters: { dt: '${workflow.input.dt}' },
        },
        { name: 'j', taskReferenceName: 'j', type: 'JOIN' },
      ],
      { dt: { dynamicTasks: [{ taskName: 'cf_a', referenceName: 'l1', type: 'SIMPLE', input: { q: 1 } }] } },
    );
    expect(taskByRef(wf, 'j').outputData).toEqual({ l1: { q: 1, ran: 'l1' } });
  });

  it('an input map that is not a map fails the workflow, not the engine', async () => {
    const wf = await run(
      [
        {
          name: 'dyn',
          taskReferenceName: 'dyn',
          type: 'FORK_JOIN_DYNAMIC',
          dynamicForkTasksParam: 'tasks',
          dynamicForkTasksInputParamName: 'inputs',
          inputParameters: { tasks: [{ name: 'cf_a', taskReferenceName: 'xdt1' }], inputs: 'v1' },
        },
        { name: 'j', taskReferenceName: 'j', type: 'JOIN' },
      ],
      {},
    );
    expect(wf.status).toBe('FAILED');
    expect(wf.reasonForIncompletion).toBe(
      'Input to the dynamically forked tasks is not a map -> expecting a map of K,V  but found v1',
    );
  });
});

describe('SWITCH and DECISION', () => {
  const cases = {
    c: [simpleTask('c1', 'cf_a', { v: 'c' })],
    d: [simpleTask('d1', 'cf_b')],
  };

  it('value-param picks the case, records evaluationResult/selectedCase and continues after the switch', async () => {
    const wf = await run(
      [
        {
          name: 'sw',
          taskReferenceName: 'sw',
          type: 'SWITCH',
          evaluatorType: 'value-param',
          expression: 'choice',
          inputParameters: { choice: '${workflow.input.c}' },
          decisionCases: cases,
          defaultCase: [simpleTask('dflt', 'cf_echo')],
        },
        simpleTask('next', 'cf_echo', { from: '${c1.output.v}' }),
      ],
      { c: 'c' },
    );
    expect(taskByRef(wf, 'sw')).toMatchObject({
      status: 'COMPLETED',
      outputData: { evaluationResult: ['c'], selectedCase: 'c' },
    });
    expect(wf.tasks.map((t: Json) => t.referenceTaskName)).toEqual(['sw', 'c1', 'next']);
    expect(taskByRef(wf, 'next').inputData.from).toBe('c');
  });

  it('javascript evaluator, default case, and no-match-no-default goes straight on', async () => {
    const js = await run(
      [
        {
          name: 'sw',
          taskReferenceName: 'sw',
          type: 'SWITCH',
          evaluatorType: 'javascript',
          expression: '$.n > 5 ? "d" : "zzz"',
          inputParameters: { n: '${workflow.input.n}' },
          decisionCases: cases,
          defaultCase: [simpleTask('dflt', 'cf_echo')],
        },
      ],
      { n: 9 },
    );
    expect(js.tasks.map((t: Json) => t.referenceTaskName)).toEqual(['sw', 'd1']);
    const dflt = await run([
      {
        name: 'sw',
        taskReferenceName: 'sw',
        type: 'SWITCH',
        evaluatorType: 'javascript',
        expression: '$.n',
        inputParameters: { n: 1 },
        decisionCases: cases,
        defaultCase: [simpleTask('dflt', 'cf_echo')],
      },
    ]);
    expect(taskByRef(dflt, 'sw').outputData.selectedCase).toBe('1');
    expect(dflt.tasks.map((t: Json) => t.referenceTaskName)).toEqual(['sw', 'dflt']);
    const none = await run([
      {
        name: 'sw',
        taskReferenceName: 'sw',
        type: 'SWITCH',
        evaluatorType: 'value-param',
        expression: 'k',
        inputParameters: { k: 'q' },
        decisionCases: cases,
      },
      simpleTask('after', 'cf_echo'),
    ]);
    expect(none.tasks.map((t: Json) => t.referenceTaskName)).toEqual(['sw', 'after']);
  });

  it('a throwing javascript expression fails the SWITCH and the workflow', async () => {
    const wf = await run([
      {
        name: 'sw',
        taskReferenceName: 'sw',
        type: 'SWITCH',
        evaluatorType: 'javascript',
        expression: 'nope.x',
        decisionCases: cases,
      },
    ]);
    expect(wf.status).toBe('FAILED');
    expect(taskByRef(wf, 'sw').status).toBe('FAILED');
    expect(taskByRef(wf, 'sw').reasonForIncompletion).toContain('nope is not defined');
  });

  it('legacy DECISION with caseValueParam and caseExpression', async () => {
    const byParam = await run([
      {
        name: 'dc',
        taskReferenceName: 'dc',
        type: 'DECISION',
        caseValueParam: 'p',
        inputParameters: { p: 'd' },
        decisionCases: cases,
      },
    ]);
    expect(taskByRef(byParam, 'dc')).toMatchObject({
      status: 'COMPLETED',
      inputData: { case: 'd' },
      outputData: { caseOutput: ['d'] },
    });
    expect(byParam.tasks.map((t: Json) => t.referenceTaskName)).toEqual(['dc', 'd1']);
    const byExpr = await run([
      {
        name: 'dc',
        taskReferenceName: 'dc',
        type: 'DECISION',
        caseExpression: '$.x == 1 ? "c" : "d"',
        inputParameters: { x: 1 },
        decisionCases: cases,
      },
    ]);
    expect(byExpr.tasks.map((t: Json) => t.referenceTaskName)).toEqual(['dc', 'c1']);
  });
});

describe('DO_WHILE', () => {
  it('loops with __N reference suffixes and per-iteration output until the condition is false', async () => {
    const wf = await run(
      [
        {
          name: 'loop',
          taskReferenceName: 'loop',
          type: 'DO_WHILE',
          inputParameters: { max: '${workflow.input.max}' },
          loopCondition: "if ($.loop['iteration'] < $.max) { true; } else { false; }",
          loopOver: [
            simpleTask('step', 'cf_echo', { i: '${loop.output.iteration}' }),
            {
              name: 'calc',
              taskReferenceName: 'calc',
              type: 'INLINE',
              inputParameters: { evaluatorType: 'javascript', expression: '$.v * 10', v: '${step.output.i}' },
            },
          ],
        },
        simpleTask('after', 'cf_echo', { last: '${calc.output.result}' }),
      ],
      { max: 3 },
    );
    expect(wf.status).toBe('COMPLETED');
    expect(wf.tasks.map((t: Json) => t.referenceTaskName)).toEqual([
      'loop',
      'step__1',
      'calc__1',
      'step__2',
      'calc__2',
      'step__3',
      'calc__3',
      'after',
    ]);
    const loop = taskByRef(wf, 'loop');
    expect(loop.outputData.iteration).toBe(3);
    expect(loop.outputData['2']).toEqual({ step: { i: 2, ran: 'step__2' }, calc: { result: 20 } });
    expect(taskByRef(wf, 'step__3')).toMatchObject({ iteration: 3, loopOverTask: true });
    expect(taskByRef(wf, 'after').inputData.last).toBe(30);
  });

  it('iterates over items (loopItem/loopIndex) and keepLastN prunes old iterations', async () => {
    const wf = await run(
      [
        {
          name: 'each',
          taskReferenceName: 'each',
          type: 'DO_WHILE',
          items: '${workflow.input.files}',
          loopCondition: 'true',
          inputParameters: { keepLastN: 2 },
          loopOver: [
            simpleTask('f', 'cf_echo', { file: '${each.output.loopItem}', idx: '${each.output.loopIndex}' }),
          ],
        },
      ],
      { files: ['a.ipynb', 'b.ipynb', 'c.ipynb'] },
    );
    expect(wf.status).toBe('COMPLETED');
    const each = taskByRef(wf, 'each');
    expect(each.outputData.iteration).toBe(3);
    expect(
      Object.keys(each.outputData)
        .filter((k) => /^\d+$/.test(k))
        .sort(),
    ).toEqual(['2', '3']);
    expect(each.outputData['3'].f).toMatchObject({ file: 'c.ipynb', idx: 2 });
    expect(wf.tasks.map((t: Json) => t.referenceTaskName)).toEqual(['each', 'f__2', 'f__3']);
  });

  it('an empty items list completes with iteration 0', async () => {
    const wf = await run(
      [
        {
          name: 'each',
          taskReferenceName: 'each',
          type: 'DO_WHILE',
          items: '${workflow.input.files}',
          loopCondition: 'true',
          loopOver: [simpleTask('f', 'cf_echo')],
        },
      ],
      { files: [] },
    );
    expect(taskByRef(wf, 'each')).toMatchObject({ status: 'COMPLETED', outputData: { iteration: 0 } });
  });

  it('a loop condition that throws fails the loop terminally', async () => {
    const wf = await run([
      {
        name: 'l',
        taskReferenceName: 'l',
        type: 'DO_WHILE',
        loopCondition: 'boom()',
        loopOver: [simpleTask('s', 'cf_echo')],
      },
    ]);
    expect(wf.status).toBe('FAILED');
    expect(taskByRef(wf, 'l')).toMatchObject({ status: 'FAILED_WITH_TERMINAL_ERROR' });
    expect(taskByRef(wf, 'l').reasonForIncompletion).toMatch(
      /^Unable to evaluate condition boom\(\), exception /,
    );
    expect(await workflow(h, wf.workflowId)).toMatchObject({ status: 'FAILED' });
  });
});
