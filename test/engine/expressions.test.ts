/** `${…}` expressions as the engine applies them to task inputs, outputs and templates. */
import { complete, harness, pollTask, taskByRef, waitForStatus, type Harness, type Json } from './support';

let h: Harness;
beforeAll(async () => {
  h = await harness({ memory: true, options: { env: { STACK: 'test-stack' } } });
  await h.metadata.registerTasks([
    { name: 'ex_src', retryCount: 0 },
    {
      name: 'ex_tpl',
      retryCount: 0,
      inputTemplate: { region: 'eu', fromWf: '${workflow.input.fallback}', keep: 'template' },
    },
  ] as never);
});
afterAll(async () => {
  await h.stop();
});

it('resolves typed whole values, embedded text, JSONPath, nested expressions, escapes and system names', async () => {
  const name = 'ex_rules';
  const id = (await h.workflows.startWorkflow({
    name,
    input: { n: 3, obj: { a: [1, 2, 3] }, names: ['x', 'y'], idx: 1 },
    workflowDef: {
      name,
      version: 1,
      variables: { mode: 'fast' },
      tasks: [
        { name: 'ex_src', taskReferenceName: 'src', inputParameters: { seen: '${workflow.input.n}' } },
        {
          name: 'show',
          taskReferenceName: 'show',
          type: 'INLINE',
          inputParameters: {
            expression: '$.n',
            n: '${workflow.input.n}',
            obj: '${workflow.input.obj}',
            first: '${workflow.input.obj.a[0]}',
            all: '${workflow.input.obj.a[*]}',
            nested: '${workflow.input.names[${workflow.input.idx}]}',
            text: 'n=${workflow.input.n}, out=${src.output.v}, missing=${workflow.input.nope}',
            missing: '${workflow.input.nope}',
            escaped: 'literal $${workflow.input.n}',
            fromTask: '${src.output}',
            taskInput: '${src.input.seen}',
            taskStatus: '${src.status}',
            wfId: '${workflow.workflowId}',
            wfType: '${workflow.workflowType}',
            variable: '${workflow.variables.mode}',
            env: '${STACK}',
            me: '${CPEWF_TASK_ID}',
            list: ['${workflow.input.n}', { deep: '${src.output.v}' }],
            constant: 7,
          },
        },
      ],
    } as never,
  })) as string;
  await complete(h.url, (await pollTask(h.url, 'ex_src')) as Json, { v: 'out!' });
  const wf = await waitForStatus(h, id, 'COMPLETED');
  const show = taskByRef(wf, 'show');
  expect(show.inputData).toEqual({
    expression: '$.n',
    n: 3,
    obj: { a: [1, 2, 3] },
    first: 1,
    all: [1, 2, 3],
    nested: 'y',
    text: 'n=3, out=out!, missing=null',
    missing: null,
    escaped: 'literal ${workflow.input.n}',
    fromTask: { v: 'out!' },
    taskInput: 3,
    taskStatus: 'COMPLETED',
    wfId: id,
    wfType: name,
    variable: 'fast',
    env: 'test-stack',
    me: show.taskId,
    list: [3, { deep: 'out!' }],
    constant: 7,
  });
});

it('merges a TaskDef inputTemplate (putIfAbsent, resolved, null falls back) and a WorkflowDef inputTemplate', async () => {
  const name = 'ex_templates';
  const id = (await h.workflows.startWorkflow({
    name,
    input: { given: 1 },
    workflowDef: {
      name,
      version: 1,
      inputTemplate: { fallback: 'from-wf-template', given: 'ignored' },
      tasks: [
        {
          name: 'ex_tpl',
          taskReferenceName: 't',
          inputParameters: { region: 'us', keep: '${workflow.input.nothing}' },
        },
      ],
    } as never,
  })) as string;
  const t = (await pollTask(h.url, 'ex_tpl')) as Json;
  expect(t.inputData).toEqual({ region: 'us', fromWf: 'from-wf-template', keep: 'template' });
  await complete(h.url, t);
  const wf = await waitForStatus(h, id, 'COMPLETED');
  expect(wf.input).toEqual({ given: 1, fallback: 'from-wf-template' });
});

it('inside and after a loop, a task’s bare reference name means its latest iteration', async () => {
  const name = 'ex_loop';
  const id = (await h.workflows.startWorkflow({
    name,
    input: {},
    workflowDef: {
      name,
      version: 1,
      tasks: [
        {
          name: 'l',
          taskReferenceName: 'l',
          type: 'DO_WHILE',
          loopCondition: '$.l.iteration < 3',
          loopOver: [
            {
              name: 'c',
              taskReferenceName: 'c',
              type: 'INLINE',
              inputParameters: { expression: '$.i * 2', i: '${l.output.iteration}' },
            },
          ],
        },
        {
          name: 'after',
          taskReferenceName: 'after',
          type: 'INLINE',
          inputParameters: { expression: '$.last', last: '${c.output.result}' },
        },
      ],
    } as never,
  })) as string;
  const wf = await waitForStatus(h, id, 'COMPLETED');
  expect(taskByRef(wf, 'after').outputData.result).toBe(6);
});
