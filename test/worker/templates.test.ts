/** Worker templates: rendered against {workflow, task, tasks, now}; Conductor is asked only when needed. */
import { isNbcError } from '../../src/errors';
import type { JsonObject } from '../../src/json';
import { renderTaskTemplates, type WorkflowView } from '../../src/worker/templates';
import { attemptOutput, defaultAttemptOutput } from '../../src/worker/output-uri';
import { quietLogger } from '../helpers/logger';

const facts = {
  taskId: 't-1',
  workflowInstanceId: 'wf-1',
  workflowType: 'daily',
  referenceTaskName: 'agg',
  retryCount: 2,
};
const workflow: WorkflowView = {
  input: { run_date: '2026-05-06', regions: ['us', 'gb'], secret: 's3cr3t' },
  variables: { threshold: 3 },
  tasks: [
    { referenceTaskName: 'extract', status: 'FAILED', seq: 1, outputData: { scraps: { rows: 1 } } },
    { referenceTaskName: 'extract', status: 'COMPLETED', seq: 2, outputData: { scraps: { rows: 40 } } },
  ],
};

/**
 * A polled task whose definition (as registered, and as polled) has these inputParameters; `inputData`
 * is what Conductor hands the worker after substituting `${…}` (defaults to the definition itself).
 */
function taskOf(inputParameters: Record<string, unknown>) {
  return { ...facts, workflowTask: { taskReferenceName: 'agg', inputParameters } };
}

function fetcher(registered: Record<string, unknown>[] = []): {
  calls: boolean[];
  fetch: (id: string, includeTasks: boolean) => Promise<WorkflowView>;
} {
  const calls: boolean[] = [];
  return {
    calls,
    fetch: async (_id, includeTasks) => {
      calls.push(includeTasks);
      const wf = { ...workflow, workflowDefinition: { tasks: registered } };
      return includeTasks ? wf : { ...wf, tasks: undefined };
    },
  };
}

/** Render a task whose definition is `def` (registered under ref `agg`) and whose inputData is `data`. */
async function render(
  def: { parameters?: unknown; output?: unknown },
  data: { parameters: Record<string, unknown>; output?: string | null } = {
    parameters: def.parameters as Record<string, unknown>,
    output: (def.output as string | undefined) ?? null,
  },
  f = fetcher([{ taskReferenceName: 'agg', inputParameters: def }]),
) {
  return renderTaskTemplates(data.parameters as JsonObject, data.output ?? null, taskOf(def), {
    fetchWorkflow: f.fetch,
    now,
    logger: quietLogger(),
  });
}

const now = new Date('2026-05-06T10:00:00Z');

it('does not call Conductor when the definition has no templates', async () => {
  const f = fetcher();
  const plain = await render({ parameters: { a: 1, b: 'x' } }, undefined, f);
  expect(plain.parameters).toEqual({ a: 1, b: 'x' });
  expect(f.calls).toEqual([]);
});

it('renders the definition once it is read (without tasks), for task facts and now too', async () => {
  const f = fetcher();
  const def = {
    parameters: { d: "{{ now | date('YYYYMMDD') }}", r: '{{ task.retryCount + 1 }}' },
    output: 'out/{{ task.referenceTaskName }}.ipynb',
  };
  const local = await render(def, undefined, fetcher([{ taskReferenceName: 'agg', inputParameters: def }]));
  expect(local.parameters).toEqual({ d: '20260506', r: 3 });
  expect(local.output).toBe('out/agg.ipynb');
  expect(f.calls).toEqual([]);
});

it('reads the workflow (without tasks) for workflow.input, and with tasks only when tasks are used', async () => {
  const d1 = {
    parameters: { regions: '{{ workflow.input.regions }}', t: '{{ workflow.variables.threshold * 2 }}' },
  };
  const f1 = fetcher([{ taskReferenceName: 'agg', inputParameters: d1 }]);
  const w = await render(d1, undefined, f1);
  expect(w.parameters).toEqual({ regions: ['us', 'gb'], t: 6 });
  const d2 = {
    parameters: { rows: '{{ tasks.extract.output.scraps.rows }}', status: '{{ tasks.extract.status }}' },
  };
  const f2 = fetcher([{ taskReferenceName: 'agg', inputParameters: d2 }]);
  const t = await render(d2, undefined, f2);
  expect(t.parameters).toEqual({ rows: 40, status: 'COMPLETED' }); // the latest attempt of a retried task
  expect([...f1.calls, ...f2.calls]).toEqual([false, true]);
});

it('fails with the template label and the undefined name', async () => {
  const err = await render({ parameters: { x: { y: ['{{ workflow.input.nope }}'] } } }).catch(
    (e: unknown) => e,
  );
  expect(isNbcError(err, 'E_TEMPLATE')).toBe(true);
  expect((err as Error).message).toMatch(/parameters\.x\.y\[0\].*nope/);
});

it('lets the output template see the rendered parameters', async () => {
  const r = await render({
    parameters: { region: "{{ 'G' | lower }}b" },
    output: 's3://b/{{ parameters.region }}/{{ now | date("YYYY") }}.ipynb',
  });
  expect(r.output).toBe('s3://b/gb/2026.ipynb');
});

describe('only template text written in the definition is rendered (issue 7 §4)', () => {
  it('a value that arrived through ${} is data, even when it looks like a template', async () => {
    // definition: {"msg": "${workflow.input.msg}", "day": "{{ now | date('YYYYMMDD') }}"}; the workflow was
    // started with msg = "{{ workflow.input.secret }}" (second-order injection).
    const def = { parameters: { msg: '${workflow.input.msg}', day: "{{ now | date('YYYYMMDD') }}" } };
    const r = await render(def, {
      parameters: { msg: '{{ workflow.input.secret }}', day: "{{ now | date('YYYYMMDD') }}" },
    });
    expect(r.parameters).toEqual({ msg: '{{ workflow.input.secret }}', day: '20260506' });
  });

  it('values substituted into the template are not rendered again, nor is the output', async () => {
    const def = {
      parameters: { label: '{{ workflow.input.name }}' },
      output: '/runs/{{ workflow.input.name }}.ipynb',
    };
    const f = fetcher([{ taskReferenceName: 'agg', inputParameters: def }]);
    const r = await renderTaskTemplates(def.parameters as JsonObject, def.output, taskOf(def), {
      fetchWorkflow: async (id, t) => ({
        ...(await f.fetch(id, t)),
        input: { name: '{{ workflow.input.secret }}' },
      }),
      now,
      logger: quietLogger(),
    });
    expect(r.parameters).toEqual({ label: '{{ workflow.input.secret }}' });
    expect(r.output).toBe('/runs/{{ workflow.input.secret }}.ipynb');
  });

  it('a whole parameters object or an output from ${} is data', async () => {
    const def = { parameters: '${workflow.input.params}', output: '${workflow.input.out}' };
    const r = await render(def, {
      parameters: { a: '{{ workflow.input.secret }}' },
      output: '/runs/{{ workflow.input.secret }}.ipynb',
    });
    expect(r.parameters).toEqual({ a: '{{ workflow.input.secret }}' });
    expect(r.output).toBe('/runs/{{ workflow.input.secret }}.ipynb');
  });

  it('a dynamically forked task (not in the registered definition) has no templates', async () => {
    // Its polled definition was made from data (forkTaskInputs): it is not trusted.
    const def = { parameters: { region: '{{ workflow.input.secret }}' } };
    const f = fetcher([{ taskReferenceName: 'fork', inputParameters: {} }]);
    const r = await render(def, undefined, f);
    expect(r.parameters).toEqual({ region: '{{ workflow.input.secret }}' });
  });

  it('finds a task inside forks, switch cases and loops (a loop iteration is ref__N)', async () => {
    const def = { parameters: { d: "{{ now | date('YYYY') }}" } };
    const f = fetcher([
      {
        taskReferenceName: 'fork',
        forkTasks: [
          [{ taskReferenceName: 'x' }],
          [
            {
              taskReferenceName: 'sw',
              decisionCases: {
                a: [
                  {
                    taskReferenceName: 'loop',
                    loopOver: [{ taskReferenceName: 'agg', inputParameters: def }],
                  },
                ],
              },
            },
          ],
        ],
      },
    ]);
    const r = await renderTaskTemplates(
      def.parameters as JsonObject,
      null,
      { ...taskOf(def), referenceTaskName: 'agg__3' },
      {
        fetchWorkflow: f.fetch,
        now,
        logger: quietLogger(),
      },
    );
    expect(r.parameters).toEqual({ d: '2026' });
  });

  it.each([
    [
      { parameters: { x: 'day ${workflow.input.d} {{ now }}' } },
      /inputParameters\.parameters\.x: one string mixes/,
    ],
    [
      { parameters: { a: [{ b: '{{ x }}-${y}' }] } },
      /inputParameters\.parameters\.a\[0\]\.b: one string mixes/,
    ],
    [{ output: '/runs/${workflow.input.d}/{{ now }}.ipynb' }, /inputParameters\.output: one string mixes/],
  ])('a string mixing ${} and {{ }} is refused: %j', async (def, message) => {
    const err = await render(def, { parameters: {} }).catch((e: unknown) => e);
    expect(isNbcError(err, 'E_TEMPLATE')).toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});

it('names output notebooks per workflow, task and attempt', () => {
  expect(
    defaultAttemptOutput('s3://bucket/runs', {
      workflowType: 'daily',
      workflowId: 'wf-1',
      taskRef: 'agg',
      retryCount: 2,
    }),
  ).toBe('s3://bucket/runs/daily/wf-1/agg/attempt-2.ipynb');
  expect(
    defaultAttemptOutput('/data/runs', {
      workflowType: 'a/b',
      workflowId: 'wf',
      taskRef: '../x',
      retryCount: 0,
    }),
  ).toBe('/data/runs/a_b/wf/.._x/attempt-0.ipynb');
  expect(attemptOutput('out/report.ipynb', 0)).toBe('out/report.ipynb');
  expect(attemptOutput('out/report.ipynb', 3)).toBe('out/report.attempt-3.ipynb');
});
