/** Invalid definitions and requests: 400 with every problem listed, 404s, malformed JSON, payload limits. */
import {
  complete,
  harness,
  pollTask,
  raw,
  simpleTask,
  taskByRef,
  waitForStatus,
  type Harness,
  type Json,
} from './support';

let h: Harness;
beforeAll(async () => {
  h = await harness({ memory: true, options: { maxTaskOutputBytes: 64 * 1024 } });
});
afterAll(async () => {
  await h.stop();
});

const messages = (r: { json: Json }): string[] => (r.json.validationErrors as Json[]).map((e) => e.message);

describe('workflow definitions', () => {
  it('an empty definition lists each missing field', async () => {
    const r = await raw(h.url, 'POST', '/api/metadata/workflow', {});
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({
      status: 400,
      message: 'Validation failed, check below errors for detail.',
      retryable: false,
    });
    expect(messages(r)).toEqual([
      'WorkflowDef name cannot be null or empty',
      'WorkflowTask list cannot be empty',
    ]);
  });

  it('reports every problem in one answer, with field paths', async () => {
    const r = await raw(h.url, 'POST', '/api/metadata/workflow', {
      name: 'bad_all',
      tasks: [
        {
          name: 'sw',
          taskReferenceName: 'sw',
          type: 'SWITCH',
          evaluatorType: 'javascript',
          expression: 'if (',
          decisionCases: { a: [simpleTask('dup')] },
        },
        { name: 'loop', taskReferenceName: 'loop', type: 'DO_WHILE' },
        { name: 'sub', taskReferenceName: 'sub', type: 'SUB_WORKFLOW' },
        { name: 'e', taskReferenceName: 'e', type: 'EVENT' },
        {
          name: 'x',
          taskReferenceName: 'dup',
          inputParameters: { a: '${ghost.output.x}', b: '${workflow.input.ok}' },
        },
        { taskReferenceName: 'noname' },
      ],
    });
    expect(r.status).toBe(400);
    const m = messages(r);
    expect(m).toEqual(
      expect.arrayContaining([
        'loopCondition field is required for taskType: DO_WHILE taskName: loop',
        'loopOver field is required for taskType: DO_WHILE taskName: loop',
        'subWorkflowParam field is required for taskType: SUB_WORKFLOW taskName: sub',
        'sink field is required for taskType: EVENT taskName: e',
        'taskReferenceName: dup should be unique across tasks for a given workflowDefinition: bad_all',
        'taskReferenceName: ghost for given task: x input value: a of input parameter: ${ghost.output.x} is not defined in workflow definition.',
        'WorkflowTask name cannot be empty or null',
      ]),
    );
    expect(
      m.some(
        (x) => x.startsWith('Expression is not well formatted') && x.endsWith('taskType: SWITCH taskName sw'),
      ),
    ).toBe(true);
    expect(
      (r.json.validationErrors as Json[]).find((e) => e.message.startsWith('WorkflowTask name'))?.path,
    ).toBe('tasks[5].name');
  });

  it('task definitions: empty list, timeout constraint, negative retries', async () => {
    expect((await raw(h.url, 'POST', '/api/metadata/taskdefs', [])).json.message).toBe(
      'TaskDefList is empty',
    );
    const r = await raw(h.url, 'POST', '/api/metadata/taskdefs', [
      { name: 'td', timeoutSeconds: 600, retryCount: -1 },
    ]);
    expect(r.status).toBe(400);
    expect(messages(r)).toEqual(
      expect.arrayContaining([
        'TaskDef retryCount: -1 must be >= 0',
        'TaskDef: td responseTimeoutSeconds: 3600 must be less than timeoutSeconds: 600',
      ]),
    );
  });

  it('an event handler without name, event or actions', async () => {
    const r = await raw(h.url, 'POST', '/api/event', {});
    expect(r.status).toBe(400);
    expect(messages(r)).toEqual([
      'Missing event handler name',
      'Missing event location',
      'No actions specified. Please specify at-least one action',
    ]);
  });
});

describe('requests', () => {
  it('malformed JSON is a 400, never a 500', async () => {
    for (const path of ['/api/metadata/workflow', '/api/tasks', '/api/workflow', '/api/event']) {
      const r = await raw(h.url, 'POST', path, undefined, '{"name": "x",');
      expect(r.status).toBe(400);
      expect(r.json.message).toMatch(/^Malformed JSON in request body/);
    }
  });

  it('a body over 32 MiB is a 413; one at the limit is read; the engine keeps serving', async () => {
    const limit = 32 * 1024 * 1024;
    const body = (size: number): string => {
      const head = '{"pad":"';
      return head + 'x'.repeat(size - head.length - 2) + '"}';
    };
    const over = await raw(h.url, 'POST', '/api/workflow/no_such_definition', undefined, body(limit + 1));
    expect(over.status).toBe(413);
    expect(over.json.message).toBe(`Request body larger than ${limit} bytes`);
    // exactly at the limit the body is read and parsed, and the request gets its ordinary answer
    const at = await raw(h.url, 'POST', '/api/workflow/no_such_definition', undefined, body(limit));
    expect(at.status).toBe(404);
    expect((await raw(h.url, 'GET', '/api/health')).status).toBe(200);
  });

  it('unknown routes are 404, wrong methods 405', async () => {
    expect((await raw(h.url, 'GET', '/api/nothing/here')).status).toBe(404);
    expect((await raw(h.url, 'PATCH', '/api/metadata/taskdefs')).status).toBe(405);
  });

  it('starting: unknown definition 404, null input 400, priority out of range 400', async () => {
    const unknown = await raw(h.url, 'POST', '/api/workflow/ghost_wf', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json.message).toBe('No such workflow found by name: ghost_wf, version: null');
    const unknownReq = await raw(h.url, 'POST', '/api/workflow', { name: 'ghost_wf', input: {} });
    expect(unknownReq.json.message).toBe('No such workflow defined. name=ghost_wf, version=null');
    await h.metadata.registerWorkflowDef({
      name: 'bi_ok',
      version: 1,
      tasks: [simpleTask('a', 'bi_a')],
    } as never);
    const nullInput = await raw(h.url, 'POST', '/api/workflow', { name: 'bi_ok', input: null });
    expect(nullInput.status).toBe(400);
    expect(nullInput.json.message).toBe('NULL input passed when starting workflow');
    const prio = await raw(h.url, 'POST', '/api/workflow', { name: 'bi_ok', input: {}, priority: 100 });
    expect(prio.status).toBe(400);
    expect(messages(prio)).toEqual(['priority: 100 should be maximum 99']);
    const badInline = await raw(h.url, 'POST', '/api/workflow', {
      name: 'x',
      input: {},
      workflowDef: { name: 'x', tasks: [] },
    });
    expect(badInline.status).toBe(400);
    expect((badInline.json.validationErrors as Json[])[0]?.path).toBe('workflowDef.tasks');
  });

  it('task output above the maximum fails the task terminally and drops the output', async () => {
    const id = (await h.workflows.startWorkflow({ name: 'bi_ok', input: {} })) as string;
    const t = (await pollTask(h.url, 'bi_a')) as Json;
    const r = await complete(h.url, t, { blob: 'x'.repeat(70 * 1024) });
    expect(r.status).toBe(200);
    const wf = await waitForStatus(h, id, 'FAILED');
    const task = taskByRef(wf, 'a');
    expect(task.status).toBe('FAILED_WITH_TERMINAL_ERROR');
    expect(task.outputData).toEqual({});
    expect(task.reasonForIncompletion).toMatch(
      /^The payload size: \d+ of task: .* is greater than the permissible limit: 65536 bytes$/,
    );
  });

  it('an expression that reads nothing yields null (whole value) or "null" (embedded), never an error', async () => {
    const name = 'bi_expr';
    const id = (await h.workflows.startWorkflow({
      name,
      input: { n: 5, list: [1, 2] },
      workflowDef: {
        name,
        version: 1,
        tasks: [
          {
            name: 'i',
            taskReferenceName: 'i',
            type: 'INLINE',
            inputParameters: {
              expression: '$.whole',
              whole: '${workflow.input.missing}',
              text: 'n=${workflow.input.n} m=${workflow.input.missing}',
              typed: '${workflow.input.n}',
              list: '${workflow.input.list}',
              escaped: '$${workflow.input.n}',
            },
          },
        ],
      } as never,
    })) as string;
    const wf = await waitForStatus(h, id, 'COMPLETED');
    expect(taskByRef(wf, 'i').inputData).toMatchObject({
      whole: null,
      text: 'n=5 m=null',
      typed: 5,
      list: [1, 2],
      escaped: '${workflow.input.n}',
    });
  });
});
