/**
 * workflows/ checked without a server: every definition obeys the rules Conductor enforces when it is
 * registered (reference §2.3) plus the ones it only discovers while running (a `${ref…}` to a task that
 * has not run yet, a FORK not followed by a JOIN, a scrap no notebook glues), and each example's data
 * flow is dry-run end to end (support/dry-run.ts). A broken definition fails here, not in production.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import {
  checkScriptSyntax,
  closeScriptSandbox,
  collectReferences,
  evaluateScript,
  isTruthy,
  resolveExpressions,
} from '../../src/engine/expr';
import { isPlainObject, type JsonObject, type JsonValue } from '../../src/json';
import {
  allTasks,
  declaredParameters,
  documentedScraps,
  loadEventHandlers,
  loadTaskDefs,
  loadWorkflows,
  notebookName,
  ROOT,
  type WorkflowDef,
  type WorkflowTask,
} from './support/definitions';
import { scheduleFromBody } from '../../src/engine/scheduler/model';
import { dryRun } from './support/dry-run';

const workflows = loadWorkflows();
const taskDefs = loadTaskDefs();
const handlers = loadEventHandlers();
const scraps = documentedScraps();

const KNOWN_TYPES = new Set([
  'SIMPLE',
  'INLINE',
  'SWITCH',
  'FORK_JOIN',
  'FORK_JOIN_DYNAMIC',
  'JOIN',
  'TERMINATE',
  'DO_WHILE',
  'SUB_WORKFLOW',
  'START_WORKFLOW',
  'SET_VARIABLE',
  'WAIT',
  'EVENT',
  'HTTP',
  'JSON_JQ_TRANSFORM',
  'NOOP',
]);
const REF_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

afterAll(() => closeScriptSandbox());

/** Problems with one task's own fields (Conductor's WorkflowTaskTypeConstraint and friends). */
function taskProblems(t: WorkflowTask, next: WorkflowTask | undefined): string[] {
  const problems: string[] = [];
  const type = t.type ?? 'SIMPLE';
  const input = t.inputParameters ?? {};
  const where = `task ${t.taskReferenceName}`;
  if (typeof t.name !== 'string' || t.name === '') problems.push(`${where}: name is required`);
  if (typeof t.taskReferenceName !== 'string' || !REF_NAME.test(t.taskReferenceName)) {
    problems.push(`${where}: taskReferenceName must match ${REF_NAME}`);
  }
  if (!KNOWN_TYPES.has(type)) problems.push(`${where}: unknown type ${type}`);
  const script = (expression: unknown, evaluator: unknown, field: string): void => {
    if (evaluator !== 'javascript' && evaluator !== 'graaljs') return;
    const err = typeof expression === 'string' ? checkScriptSyntax(expression) : 'missing';
    if (err) problems.push(`${where}: ${field} is not valid JavaScript: ${err}`);
  };
  switch (type) {
    case 'SIMPLE':
      if (!taskDefs.some((d) => d.name === t.name))
        problems.push(`${where}: no TaskDef named ${t.name} in taskdefs.json`);
      break;
    case 'INLINE':
      if (input.evaluatorType !== 'javascript' && input.evaluatorType !== 'graaljs') {
        problems.push(`${where}: INLINE needs inputParameters.evaluatorType javascript or graaljs`);
      }
      script(input.expression, input.evaluatorType, 'inputParameters.expression');
      break;
    case 'SWITCH':
      if (!t.evaluatorType || !t.expression)
        problems.push(`${where}: SWITCH needs evaluatorType and expression`);
      if (!isPlainObject(t.decisionCases) || Object.keys(t.decisionCases).length === 0) {
        problems.push(`${where}: SWITCH needs at least one decisionCase`);
      }
      if (t.evaluatorType === 'value-param' && !(String(t.expression) in input)) {
        problems.push(`${where}: value-param expression ${t.expression} is not an input parameter`);
      }
      script(t.expression, t.evaluatorType, 'expression');
      break;
    case 'FORK_JOIN_DYNAMIC': {
      const inputForm = 'forkTaskInputs' in input;
      const taskForm =
        t.dynamicForkTasksParam !== undefined || t.dynamicForkTasksInputParamName !== undefined;
      const legacy = t.dynamicForkJoinTasksParam !== undefined;
      if ([inputForm, taskForm, legacy].filter(Boolean).length !== 1) {
        problems.push(
          `${where}: use exactly one of forkTaskInputs, dynamicForkTasksParam + …InputParamName, dynamicForkJoinTasksParam`,
        );
      }
      if (taskForm && (!t.dynamicForkTasksParam || !t.dynamicForkTasksInputParamName)) {
        problems.push(`${where}: dynamicForkTasksParam and dynamicForkTasksInputParamName go together`);
      }
      if (
        taskForm &&
        !(String(t.dynamicForkTasksParam) in input && String(t.dynamicForkTasksInputParamName) in input)
      ) {
        problems.push(
          `${where}: the inputs named by dynamicForkTasksParam/…InputParamName are not input parameters`,
        );
      }
      if (next?.type !== 'JOIN') problems.push(`${where}: a FORK_JOIN_DYNAMIC must be followed by a JOIN`);
      break;
    }
    case 'FORK_JOIN': {
      if (!Array.isArray(t.forkTasks) || t.forkTasks.length === 0)
        problems.push(`${where}: FORK_JOIN needs forkTasks`);
      if (next?.type !== 'JOIN') problems.push(`${where}: a FORK_JOIN must be followed by a JOIN`);
      const branchRefs = new Set(allTasks((t.forkTasks ?? []).flat()).map((b) => b.taskReferenceName));
      for (const ref of next?.joinOn ?? [])
        if (!branchRefs.has(ref)) problems.push(`${where}: JOIN waits on ${ref}, not in a branch`);
      break;
    }
    case 'TERMINATE':
      if (!['COMPLETED', 'FAILED', 'TERMINATED'].includes(String(input.terminationStatus))) {
        problems.push(`${where}: terminationStatus must be COMPLETED, FAILED or TERMINATED`);
      }
      if (t.optional) problems.push(`${where}: a TERMINATE cannot be optional`);
      break;
    case 'DO_WHILE':
      if (!t.loopCondition || !t.loopOver?.length)
        problems.push(`${where}: DO_WHILE needs loopCondition and loopOver`);
      break;
    case 'SUB_WORKFLOW':
      if (!workflows.has(String(t.subWorkflowParam?.name)))
        problems.push(`${where}: no workflow ${t.subWorkflowParam?.name} here`);
      break;
    case 'EVENT':
      if (!t.sink) problems.push(`${where}: EVENT needs a sink`);
      break;
  }
  return problems;
}

/**
 * `${…}` references in task inputs: valid JsonPath; rooted at `workflow` or at a task that ran before on
 * the same path (Conductor checks only that the name exists; at run time a later task reads as null);
 * `${workflow.input.X}` documented in inputParameters; `${ref.output.scraps.X}` glued by ref's notebook.
 */
function referenceProblems(def: WorkflowDef): string[] {
  const problems: string[] = [];
  const notebooks = new Map<string, string>();
  for (const t of allTasks(def.tasks)) {
    const nb = t.inputParameters?.notebook;
    if (t.name === 'notebook_run' && typeof nb === 'string')
      notebooks.set(t.taskReferenceName, notebookName(nb));
  }
  const check = (value: JsonValue, where: string, visible: Set<string>): void => {
    for (const ref of collectReferences(value)) {
      const at = `${where} ${ref.expression}`;
      if (ref.problem) problems.push(`${at}: not a valid JsonPath (${ref.problem})`);
      else if (ref.root !== 'workflow' && !visible.has(ref.root)) {
        problems.push(`${at}: ${ref.root} is not a task that has run by then`);
      }
      const inputMatch = /^workflow\.input\.([A-Za-z0-9_]+)/.exec(ref.path);
      if (inputMatch && !(def.inputParameters ?? []).includes(inputMatch[1] as string)) {
        problems.push(`${at}: workflow input ${inputMatch[1]} is not listed in inputParameters`);
      }
      const scrapMatch = /^([A-Za-z0-9_]+)\.output\.scraps\.([A-Za-z0-9_]+)/.exec(ref.path);
      const nb = scrapMatch ? notebooks.get(scrapMatch[1] as string) : undefined;
      if (scrapMatch && nb && !((scrapMatch[2] as string) in (scraps[nb] ?? {}))) {
        problems.push(`${at}: ${nb}.ipynb glues no scrap ${scrapMatch[2]}`);
      }
    }
  };
  const walk = (list: WorkflowTask[], visible: Set<string>): Set<string> => {
    const seen = new Set(visible);
    for (const t of list) {
      check(t.inputParameters ?? {}, `task ${t.taskReferenceName}:`, seen);
      seen.add(t.taskReferenceName);
      const nested = [...Object.values(t.decisionCases ?? {}), t.defaultCase ?? [], ...(t.forkTasks ?? [])];
      for (const branch of nested) for (const ref of walk(branch, seen)) seen.add(ref);
    }
    return seen;
  };
  walk(def.tasks, new Set());
  const everyRef = new Set(allTasks(def.tasks).map((t) => t.taskReferenceName));
  check(def.outputParameters ?? {}, 'outputParameters:', everyRef);
  return problems;
}

/** notebook_run inputs written in the definition: the notebook exists and declares each parameter. */
function notebookProblems(def: WorkflowDef): string[] {
  const problems: string[] = [];
  for (const t of allTasks(def.tasks).filter((x) => x.name === 'notebook_run')) {
    const input = t.inputParameters ?? {};
    const notebook = input.notebook;
    if (typeof notebook !== 'string') {
      problems.push(`task ${t.taskReferenceName}: notebook must be a literal path`);
      continue;
    }
    if (!existsSync(path.join(ROOT, notebook))) {
      problems.push(`task ${t.taskReferenceName}: ${notebook} does not exist`);
      continue;
    }
    if (!isPlainObject(input.parameters)) continue;
    const declared = declaredParameters(notebook).map((p) => p.name);
    for (const name of Object.keys(input.parameters)) {
      if (!declared.includes(name))
        problems.push(`task ${t.taskReferenceName}: ${notebook} declares no parameter ${name}`);
    }
  }
  return problems;
}

describe('workflows/ definitions', () => {
  it('holds the documented examples', () => {
    expect([...workflows.keys()].sort()).toEqual(
      expect.arrayContaining(['nb_fanout', 'nb_linear', 'nb_notify_failure', 'nb_switch', 'nb_with_failure']),
    );
    expect([...handlers.keys()]).toEqual(expect.arrayContaining(['nb_data_landed', 'nb_s3_landed']));
  });

  describe.each([...workflows.keys()])('%s', (file) => {
    const def = workflows.get(file) as WorkflowDef;

    it('has the WorkflowDef fields Conductor requires and documents its input and output', () => {
      expect(def.name).toBe(file);
      expect(def.schemaVersion).toBe(2);
      expect(Number.isInteger(def.version) && (def.version ?? 0) >= 1).toBe(true);
      expect(def.ownerEmail).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
      expect(def.description?.length).toBeGreaterThan(40);
      expect(
        Array.isArray(def.inputParameters) && def.inputParameters.every((p) => typeof p === 'string'),
      ).toBe(true);
      expect(new Set(def.inputParameters).size).toBe(def.inputParameters?.length);
      for (const key of Object.keys(def.inputTemplate ?? {})) expect(def.inputParameters).toContain(key);
      expect(Object.keys(def.outputParameters ?? {}).length).toBeGreaterThan(0);
      expect(def.tasks.length).toBeGreaterThan(0);
      if (def.failureWorkflow !== undefined) expect(workflows.has(def.failureWorkflow)).toBe(true);
    });

    it('uses each taskReferenceName once across the whole tree', () => {
      const refs = allTasks(def.tasks).map((t) => t.taskReferenceName);
      expect(refs.filter((r, i) => refs.indexOf(r) !== i)).toEqual([]);
    });

    it('gives every task the fields its type requires', () => {
      const problems: string[] = [];
      const visit = (list: WorkflowTask[]): void => {
        list.forEach((t, i) => {
          problems.push(...taskProblems(t, list[i + 1]));
          if (t.type === 'JOIN' && !['FORK_JOIN', 'FORK_JOIN_DYNAMIC'].includes(list[i - 1]?.type ?? '')) {
            problems.push(`task ${t.taskReferenceName}: a JOIN must follow a fork`);
          }
          for (const nested of [
            ...Object.values(t.decisionCases ?? {}),
            t.defaultCase ?? [],
            ...(t.forkTasks ?? []),
          ])
            visit(nested);
        });
      };
      visit(def.tasks);
      expect(problems).toEqual([]);
    });

    it('only refers to the workflow input and to tasks that ran before, and to scraps that exist', () => {
      expect(referenceProblems(def)).toEqual([]);
    });

    it('runs notebooks that exist with parameters they declare', () => {
      expect(notebookProblems(def)).toEqual([]);
    });
  });

  it('defines notebook_run with retries, heartbeat-sized response timeout and the documented keys', () => {
    const def = taskDefs.find((d) => d.name === 'notebook_run');
    expect(def).toBeDefined();
    for (const d of taskDefs) {
      expect(d.ownerEmail).toMatch(/@/);
      expect(d.description?.length).toBeGreaterThan(40);
      expect(d.retryCount).toBeGreaterThanOrEqual(0);
      expect(['FIXED', 'LINEAR_BACKOFF', 'EXPONENTIAL_BACKOFF']).toContain(d.retryLogic);
      expect(['RETRY', 'TIME_OUT_WF', 'ALERT_ONLY']).toContain(d.timeoutPolicy);
      // Conductor rejects a TaskDef whose responseTimeoutSeconds exceeds a positive timeoutSeconds.
      expect(d.responseTimeoutSeconds).toBeGreaterThanOrEqual(1);
      if ((d.timeoutSeconds ?? 0) > 0)
        expect(d.responseTimeoutSeconds).toBeLessThanOrEqual(d.timeoutSeconds as number);
    }
    expect(def?.retryCount).toBeGreaterThan(0);
    expect(def?.inputKeys).toEqual(expect.arrayContaining(['notebook', 'parameters', 'output', 'outputs']));
    expect(def?.outputKeys).toEqual(expect.arrayContaining(['outputNotebook', 'scraps', 'outputs', 'error']));
  });
});

describe('data flow of each example (dry run)', () => {
  const def = (name: string): WorkflowDef => {
    const d = workflows.get(name);
    if (!d) throw new Error(`no workflow ${name}`);
    return d;
  };
  const params = (run: Awaited<ReturnType<typeof dryRun>>, ref: string): JsonObject =>
    (run.tasks.get(ref)?.input.parameters ?? {}) as JsonObject;

  it('nb_linear: vid_agg reads extract scraps through ${} and a template', async () => {
    const run = await dryRun(def('nb_linear'), { input: { run_date: '2024-03-05', region_code: 'gb' } });
    expect(run.status).toBe('COMPLETED');
    expect(params(run, 'extract')).toMatchObject({ run_date: '2024-03-05', regions: ['gb'], rows: 2000 });
    expect(params(run, 'vid_agg')).toEqual({
      region_code: 'gb',
      run_date: '2024-03-05',
      data_path: scraps.extract?.data_path,
      label: `${String(scraps.extract?.row_count)} events extracted for Tuesday 5 March 2024`,
    });
    expect(run.output).toMatchObject({
      region_code: 'gb',
      run_date: '2024-03-05',
      total_minutes: scraps.vid_agg?.total_minutes,
    });
  });

  it('nb_linear: run_date defaults to the day of the run when not given', async () => {
    const run = await dryRun(def('nb_linear'), { now: '2024-07-01T23:30:00Z' });
    expect(params(run, 'extract').run_date).toBe('2024-07-01');
  });

  it.each(['nb_fanout', 'nb_fanout_legacy'])(
    '%s: one vid_agg per region, gathered by region into the report',
    async (name) => {
      const regions = ['us', 'gb', 'br'];
      const run = await dryRun(def(name), { input: { run_date: '2024-03-05', regions } });
      expect(run.status).toBe('COMPLETED');
      const branches = (run.tasks.get('join_regions')?.input.joinOn ?? []) as string[];
      expect(branches).toHaveLength(3);
      if (name === 'nb_fanout_legacy') expect(branches).toEqual(['vid_agg_us', 'vid_agg_gb', 'vid_agg_br']);
      branches.forEach((ref, i) => {
        expect(run.tasks.get(ref)?.input).toMatchObject({
          notebook: 'notebooks/vid_agg.ipynb',
          parameters: {
            region_code: regions[i],
            run_date: '2024-03-05',
            data_path: scraps.extract?.data_path,
          },
        });
      });
      const report = params(run, 'report');
      const results = report.region_results as Record<string, JsonObject>;
      expect(Object.keys(results).sort()).toEqual([...regions].sort());
      for (const region of regions)
        expect(results[region]).toMatchObject({
          region_code: region,
          total_minutes: scraps.vid_agg?.total_minutes,
        });
      // nb_fanout files a run's notebooks under its date and id; the legacy variant keeps the default layout.
      const notebook = (ref: string, i: number): string =>
        name === 'nb_fanout'
          ? `runs/nb_fanout/2024-03-05/dry-nb_fanout/${ref === 'report' ? 'report' : `vid_agg_${regions[i]}`}.ipynb`
          : `runs/${name}/dry-${name}/${ref}/attempt-0.ipynb`;
      expect(report.region_notebooks).toEqual(
        Object.fromEntries(branches.map((ref, i) => [regions[i], notebook(ref, i)])),
      );
      expect(run.output).toMatchObject({
        best_region: scraps.report?.best_region,
        report_notebook: notebook('report', -1),
      });
    },
  );

  it('nb_switch: ok runs the report path', async () => {
    const run = await dryRun(def('nb_switch'), { input: { run_date: '2024-03-05' } });
    expect(run.status).toBe('COMPLETED');
    expect([...run.tasks.keys()]).toEqual(['extract', 'quality', 'volume_switch', 'agg', 'report']);
    expect(params(run, 'quality')).toMatchObject({
      row_count: scraps.extract?.row_count,
      files: scraps.extract?.files,
      min_rows: 1000,
    });
    expect(params(run, 'report').region_results).toEqual([run.tasks.get('agg')?.output.scraps]);
    expect(run.output).toMatchObject({
      status: 'ok',
      alerted: null,
      report_notebook: expect.stringContaining('/report/'),
    });
  });

  it('nb_switch: low_volume runs the alert path with the check reason', async () => {
    const reason = 'only 40 rows, expected at least 1000';
    const run = await dryRun(def('nb_switch'), {
      input: { rows: 10 },
      scraps: { quality: { status: 'low_volume', reason, checked_rows: 40 } },
    });
    expect([...run.tasks.keys()]).toEqual(['extract', 'quality', 'volume_switch', 'alert']);
    expect(params(run, 'alert')).toMatchObject({ reason, row_count: 40, min_rows: 1000 });
    expect(run.output).toMatchObject({ status: 'low_volume', alerted: true, report_notebook: null });
  });

  it('nb_switch: any other status fails the workflow with the check reason', async () => {
    const reason = 'extract reported 10 rows but the files hold 9';
    const run = await dryRun(def('nb_switch'), { scraps: { quality: { status: 'invalid', reason } } });
    expect(run.status).toBe('FAILED');
    expect(run.reason).toBe(`quality check failed: ${reason}`);
    expect(run.output).toMatchObject({ status: 'invalid', reason });
  });

  it('nb_with_failure completes normally and names a failure workflow that reports the failed notebook', async () => {
    const run = await dryRun(def('nb_with_failure'), { input: { region_code: 'br' } });
    expect(run.status).toBe('COMPLETED');
    expect(params(run, 'vid_agg').region_code).toBe('br');
    expect(def('nb_with_failure').failureWorkflow).toBe('nb_notify_failure');
    // What Conductor passes a failure workflow: the failed input plus these keys.
    const failed: JsonObject = {
      workflowId: 'wf-42',
      reason: "Task t-2 failed with status: FAILED and reason: 'FileNotFoundError: no data for region 'xx''",
      failureStatus: 'FAILED',
      failureTaskId: 't-2',
      run_date: '2024-03-05',
      failedWorkflow: {
        workflowName: 'nb_with_failure',
        failedReferenceTaskNames: ['vid_agg'],
        tasks: [
          {
            referenceTaskName: 'extract',
            status: 'COMPLETED',
            outputData: { outputNotebook: 'runs/x/extract.ipynb' },
          },
          {
            referenceTaskName: 'vid_agg',
            status: 'FAILED',
            outputData: { outputNotebook: 'runs/x/vid_agg.ipynb' },
          },
          { referenceTaskName: 'report', status: 'CANCELED', outputData: {} },
        ],
      },
    };
    const notify = await dryRun(def('nb_notify_failure'), { input: failed });
    expect(params(notify, 'notify')).toEqual({
      workflow_id: 'wf-42',
      workflow_type: 'nb_with_failure',
      reason: failed.reason,
      failure_status: 'FAILED',
      failed_tasks: ['vid_agg'],
      failed_notebooks: ['runs/x/vid_agg.ipynb'],
      run_date: '2024-03-05',
    });
    expect(notify.output).toMatchObject({ notified: true, failed_workflow_id: 'wf-42' });
  });
});

describe('workflows/events', () => {
  it.each([...handlers.keys()])(
    '%s is a valid, active handler whose actions start a workflow defined here',
    (file) => {
      const h = handlers.get(file);
      expect(h?.name).toBe(file);
      expect(h?.event).toMatch(/^[a-z]+:[^:\s]+/);
      expect(h?.active).toBe(true);
      expect(h?.actions.length).toBeGreaterThan(0);
      if (h?.condition !== undefined) expect(checkScriptSyntax(h.condition)).toBeNull();
      for (const a of h?.actions ?? []) {
        expect(['start_workflow', 'complete_task', 'fail_task']).toContain(a.action);
        if (a.action === 'start_workflow') expect(workflows.has(String(a.start_workflow?.name))).toBe(true);
      }
    },
  );

  it('nb_data_landed starts nb_fanout for a well-formed message only', async () => {
    const h = handlers.get('nb_data_landed');
    const condition = String(h?.condition);
    const accepts = async (payload: JsonObject): Promise<boolean> =>
      isTruthy(await evaluateScript(condition, payload));
    const landed = { run_date: '2024-03-05', uri: 's3://landing/views/2024-03-05/' };
    expect(await accepts(landed)).toBe(true);
    expect(await accepts({ run_date: '2024-03-05' })).toBe(false);
    expect(await accepts({ run_date: '5 March', uri: 's3://x/' })).toBe(false);

    const start = h?.actions[0]?.start_workflow;
    // Event actions resolve ${…} against the message payload.
    const input = resolveExpressions(start?.input ?? {}, landed) as JsonObject;
    expect(input).toEqual({ run_date: '2024-03-05', source_uri: landed.uri });
    expect(resolveExpressions(start?.correlationId ?? '', landed)).toBe('data_landed:2024-03-05');
    const run = await dryRun(workflows.get(String(start?.name)) as WorkflowDef, { input });
    expect(params(run, 'extract')).toMatchObject({ run_date: '2024-03-05', source_uri: landed.uri });
    expect(run.output).toMatchObject({ source_uri: landed.uri, run_date: '2024-03-05' });

    function params(r: Awaited<ReturnType<typeof dryRun>>, ref: string): JsonObject {
      return (r.tasks.get(ref)?.input.parameters ?? {}) as JsonObject;
    }
  });

  it('nb_s3_landed starts nb_s3_landed for an S3 ObjectCreated notification only, with bucket and key', async () => {
    const h = handlers.get('nb_s3_landed');
    expect(h?.event).toBe('sqs:nbc-landing');
    const condition = String(h?.condition);
    const accepts = async (payload: JsonValue): Promise<boolean> =>
      isTruthy(await evaluateScript(condition, payload));
    const notification = (eventName: string, bucket: string, key: string): JsonObject => ({
      Records: [{ eventName, s3: { bucket: { name: bucket }, object: { key, size: 412 } } }],
    });
    const landed = notification('ObjectCreated:Put', 'landing', 'views/2024-03-05+export.csv');
    expect(await accepts(landed)).toBe(true);
    expect(await accepts(notification('ObjectCreated:CompleteMultipartUpload', 'landing', 'a%2Fb.csv'))).toBe(
      true,
    );
    // What else arrives on such a queue: S3's test event, deletions, anything malformed or forged.
    expect(await accepts({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'landing' })).toBe(false);
    expect(await accepts(notification('ObjectRemoved:Delete', 'landing', 'views/x.csv'))).toBe(false);
    expect(await accepts('not json {')).toBe(false);
    expect(await accepts({ Records: [] })).toBe(false);
    expect(await accepts(notification('ObjectCreated:Put', 'Not_A_Bucket', 'x.csv'))).toBe(false);
    // S3 always encodes braces in notification keys; raw ones could only be a forged template.
    expect(await accepts(notification('ObjectCreated:Put', 'landing', '{{ 7 * 7 }}.csv'))).toBe(false);

    const start = h?.actions[0]?.start_workflow;
    const input = resolveExpressions(start?.input ?? {}, landed) as JsonObject;
    expect(input).toEqual({ bucket: 'landing', key: 'views/2024-03-05+export.csv' });
    expect(resolveExpressions(start?.correlationId ?? '', landed)).toBe(
      's3://landing/views/2024-03-05+export.csv',
    );
    const run = await dryRun(workflows.get(String(start?.name)) as WorkflowDef, { input });
    expect(run.status).toBe('COMPLETED');
    expect(run.tasks.get('ingest')?.input.parameters).toEqual({ ...input, data_dir: 'runs/data' });
    const branches = (run.tasks.get('join_regions')?.input.joinOn ?? []) as string[];
    expect(branches).toHaveLength((scraps.ingest_landed?.regions as JsonValue[]).length);
    expect(run.output).toMatchObject({
      source_uri: scraps.ingest_landed?.source_uri,
      run_date: '2024-03-05',
      report_notebook: expect.stringContaining('/report/'),
    });
  });
});

describe('workflows/schedules', () => {
  const dir = path.join(ROOT, 'workflows', 'schedules');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it.each(files)('%s is a schedule the scheduler accepts, for a workflow defined here', (file) => {
    const body = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as JsonObject;
    const s = scheduleFromBody(body, false);
    expect(s.name).toBe(file.slice(0, -'.json'.length));
    expect(workflows.has(s.startWorkflowRequest.name)).toBe(true);
  });

  it('nb_fanout_daily: run date, data partition and notebook paths come from the slot, not from "now"', async () => {
    const body = JSON.parse(readFileSync(path.join(dir, 'nb_fanout_daily.json'), 'utf8')) as JsonObject;
    const s = scheduleFromBody(body, false);
    // A run for the 2024-03-05 06:00 UTC slot that only starts the next day (a late or replayed run).
    const slot = Date.UTC(2024, 2, 5, 6);
    const input = { ...s.startWorkflowRequest.input, _scheduledTime: slot, _startedByScheduler: s.name };
    const run = await dryRun(workflows.get('nb_fanout') as WorkflowDef, {
      input: input as JsonObject,
      now: '2024-03-06T09:30:00.000Z',
    });
    expect(run.tasks.get('extract')?.input.parameters).toMatchObject({ run_date: '2024-03-05' });
    expect(run.output).toMatchObject({ run_date: '2024-03-05' });
    // Every notebook of the run, the fan-out branches included, is filed under the slot's day.
    const notebooks = [...run.tasks.values()]
      .filter((t) => typeof t.output.outputNotebook === 'string')
      .map((t) => t.output.outputNotebook);
    expect(notebooks).toEqual([
      'runs/nb_fanout/2024-03-05/dry-nb_fanout/extract.ipynb',
      ...['us', 'gb', 'br', 'in'].map((r) => `runs/nb_fanout/2024-03-05/dry-nb_fanout/vid_agg_${r}.ipynb`),
      'runs/nb_fanout/2024-03-05/dry-nb_fanout/report.ipynb',
    ]);
    // Started by hand (no slot), the run date is still today's.
    const manual = await dryRun(workflows.get('nb_fanout') as WorkflowDef, {
      input: { regions: ['us'] },
      now: '2024-03-06T09:30:00.000Z',
    });
    expect(manual.tasks.get('extract')?.input.parameters).toMatchObject({ run_date: '2024-03-06' });
    expect(manual.tasks.get('report')?.output.outputNotebook).toBe(
      'runs/nb_fanout/2024-03-06/dry-nb_fanout/report.ipynb',
    );
  });

  it('nb_fanout: input values cannot steer its notebooks out of the run folder or into another run', async () => {
    // Values from ${} are data: a hostile run date or region becomes one safe path segment each.
    const run = await dryRun(workflows.get('nb_fanout') as WorkflowDef, {
      input: { run_date: '../../etc', regions: ['../x', 'us', 'us', '.'] },
      scraps: { extract: { regions: ['../x', 'us', 'us', '.'] } },
    });
    const folder = 'runs/nb_fanout/.._.._etc/dry-nb_fanout';
    const notebooks = [...run.tasks.values()]
      .map((t) => t.output.outputNotebook)
      .filter((n): n is string => typeof n === 'string');
    expect(notebooks).toEqual([
      `${folder}/extract.ipynb`,
      `${folder}/vid_agg_.._x.ipynb`,
      `${folder}/vid_agg_us.ipynb`,
      `${folder}/vid_agg_us_2.ipynb`,
      `${folder}/vid_agg__.ipynb`,
      `${folder}/report.ipynb`,
    ]);
  });
});
