/** Worker templates: rendered against {workflow, task, tasks, now}; Conductor is asked only when needed. */
import { isNbcError } from '../../src/errors';
import { renderTaskTemplates, type WorkflowView } from '../../src/worker/templates';
import { attemptOutput, defaultAttemptOutput } from '../../src/worker/output-uri';
import { quietLogger } from '../helpers/logger';

const task = {
  taskId: 't-1',
  workflowInstanceId: 'wf-1',
  workflowType: 'daily',
  referenceTaskName: 'agg',
  retryCount: 2,
};
const workflow: WorkflowView = {
  input: { run_date: '2026-05-06', regions: ['us', 'gb'] },
  variables: { threshold: 3 },
  tasks: [
    { referenceTaskName: 'extract', status: 'FAILED', seq: 1, outputData: { scraps: { rows: 1 } } },
    { referenceTaskName: 'extract', status: 'COMPLETED', seq: 2, outputData: { scraps: { rows: 40 } } },
  ],
};

function fetcher(): {
  calls: boolean[];
  fetch: (id: string, includeTasks: boolean) => Promise<WorkflowView>;
} {
  const calls: boolean[] = [];
  return {
    calls,
    fetch: async (_id, includeTasks) => {
      calls.push(includeTasks);
      return includeTasks ? workflow : { ...workflow, tasks: undefined };
    },
  };
}

const now = new Date('2026-05-06T10:00:00Z');
const deps = (f: ReturnType<typeof fetcher>) => ({ fetchWorkflow: f.fetch, now, logger: quietLogger() });

it('does not call Conductor when nothing is templated, nor for templates that need only task facts and now', async () => {
  const f = fetcher();
  const plain = await renderTaskTemplates({ a: 1, b: 'x' }, null, task, deps(f));
  expect(plain.parameters).toEqual({ a: 1, b: 'x' });
  const local = await renderTaskTemplates(
    { d: "{{ now | date('YYYYMMDD') }}", r: '{{ task.retryCount + 1 }}' },
    'out/{{ task.referenceTaskName }}.ipynb',
    task,
    deps(f),
  );
  expect(local.parameters).toEqual({ d: '20260506', r: 3 });
  expect(local.output).toBe('out/agg.ipynb');
  expect(f.calls).toEqual([]);
});

it('reads the workflow (without tasks) for workflow.input, and with tasks only when tasks are used', async () => {
  const f = fetcher();
  const w = await renderTaskTemplates(
    { regions: '{{ workflow.input.regions }}', t: '{{ workflow.variables.threshold * 2 }}' },
    null,
    task,
    deps(f),
  );
  expect(w.parameters).toEqual({ regions: ['us', 'gb'], t: 6 });
  const t = await renderTaskTemplates(
    { rows: '{{ tasks.extract.output.scraps.rows }}', status: '{{ tasks.extract.status }}' },
    null,
    task,
    deps(f),
  );
  expect(t.parameters).toEqual({ rows: 40, status: 'COMPLETED' }); // the latest attempt of a retried task
  expect(f.calls).toEqual([false, true]);
});

it('fails with the template label and the undefined name', async () => {
  const err = await renderTaskTemplates(
    { x: { y: ['{{ workflow.input.nope }}'] } },
    null,
    task,
    deps(fetcher()),
  ).catch((e: unknown) => e);
  expect(isNbcError(err, 'E_TEMPLATE')).toBe(true);
  expect((err as Error).message).toMatch(/parameters\.x\.y\[0\].*nope/);
});

it('lets the output template see the rendered parameters', async () => {
  const r = await renderTaskTemplates(
    { region: "{{ 'G' | lower }}b" },
    's3://b/{{ parameters.region }}/{{ now | date("YYYY") }}.ipynb',
    task,
    deps(fetcher()),
  );
  expect(r.output).toBe('s3://b/gb/2026.ipynb');
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
