/**
 * The notebook_run handler: task input → render templates → run the notebook → task result. It never
 * throws: every outcome is a result, so the output notebook URI is reported whenever execution started
 * (the SDK drops outputData when a worker throws). Failure statuses come from errors.ts, in one place.
 */
import { NbcError, coerceError, errorMessage, isNbcError, taskStatusFor } from '../errors';
import type { JsonObject, JsonValue } from '../json';
import type { KernelSession } from '../kernel/provider';
import type { Logger } from '../log';
import type { Parameters } from '../notebook/values';
import {
  decodeOutputVariables,
  extractScraps,
  offloadLargeValues,
  outputVariableExpressions,
  scrapData,
} from '../results';
import { runNotebook, type RunNotebookOutcome } from '../runner/run-notebook';
import { createOutputRoots, redactUri, type OutputRoots, type Storage } from '../storage';
import { parseNotebookRunInput, unknownInputKeys, type NotebookRunInput } from './input';
import { checkNotebookRedirect, checkNotebookSource } from './notebook-source';
import { attemptOutput, defaultAttemptOutput } from './output-uri';
import { TaskLogAppender, type AddTaskLog } from './task-log';
import { asJsonData, renderTaskTemplates, type FetchWorkflow, type TaskFacts } from './templates';

export interface NotebookTask extends TaskFacts {
  inputData?: Record<string, unknown>;
  workerId?: string;
}

export interface NotebookRunResult {
  status: 'COMPLETED' | 'FAILED' | 'FAILED_WITH_TERMINAL_ERROR';
  outputData: JsonObject;
  reasonForIncompletion?: string;
  logs?: { log: string; createdTime: number }[];
}

export interface HandlerDeps {
  storage: Storage;
  acquireKernel(
    kernelName: string,
    options: { cwd?: string; signal?: AbortSignal; logger: Logger },
  ): Promise<KernelSession>;
  fetchWorkflow: FetchWorkflow;
  addTaskLog: AddTaskLog;
  /** The default output root: the default layout and relative `output` paths go under it. */
  outputRoot: string;
  /** More roots the worker may write under (config worker.outputRoots). */
  outputRoots?: readonly string[];
  /** URL prefixes notebooks may be read from over http(s) (config worker.allowedNotebookUrls). */
  allowedNotebookUrls?: readonly string[];
  /**
   * Default working directory for kernels (tasks may set `cwd`): the worker's own directory for kernels
   * on this machine; unset for a remote Jupyter Server, where that path means nothing.
   */
  kernelCwd?: string;
  defaults: {
    startTimeoutMs: number;
    cellTimeoutMs: number | null;
    totalTimeoutMs: number | null;
    autosaveCellEverySec: number;
  };
  version: string;
  workerId: string;
  logger: Logger;
  now?: () => Date;
  /** Values larger than this (JSON bytes) go next to the output notebook and are passed by URI. */
  offloadLimitBytes?: number;
}

function seconds(s: number | undefined, fallback: number | null): number | null {
  return s === undefined ? fallback : s * 1000;
}

/** JSON from Conductor → parameter values (JSON cannot mark 1.0 as a float; ints stay ints). */
function toParameters(o: JsonObject): Parameters {
  return o as unknown as Parameters;
}

/** The error behind each failed result, for the outcome log line (logged with its stack). */
const causes = new WeakMap<NotebookRunResult, Error>();

function failure(err: unknown, outputData: JsonObject = {}): NotebookRunResult {
  const e = coerceError(err);
  const code = isNbcError(e) ? e.code : 'E_INTERNAL';
  const result: NotebookRunResult = {
    status: taskStatusFor(e),
    reasonForIncompletion: `${e.message} [${code}]`.slice(0, 500),
    outputData: {
      ...outputData,
      error: { ...(outputData.error as JsonObject | undefined), code, message: e.message },
    },
    logs: [{ log: `${code}: ${e.message}`, createdTime: Date.now() }],
  };
  causes.set(result, e);
  return result;
}

async function resultsOf(
  outcome: RunNotebookOutcome,
  input: NotebookRunInput,
  deps: HandlerDeps,
  roots: OutputRoots,
  log: Logger,
  signal?: AbortSignal,
): Promise<{
  scraps: Record<string, JsonValue>;
  outputs: Record<string, JsonValue>;
  outputErrors: Record<string, string>;
}> {
  const rawScraps = scrapData(
    extractScraps(outcome.notebook, { logger: log, source: outcome.outputUri ?? redactUri(input.notebook) }),
  );
  const decoded = decodeOutputVariables(input.outputs, outcome.execution?.userExpressions);
  if (outcome.outputUri === null)
    return { scraps: rawScraps, outputs: decoded.values, outputErrors: decoded.errors };
  const common = {
    storage: deps.storage,
    baseUri: outcome.outputUri,
    limitBytes: deps.offloadLimitBytes,
    signal,
  };
  // Values written next to the notebook obey the same rule as the notebook itself.
  const guard = (kind: string) => async (uri: string) => void (await roots.confine(uri, kind));
  return {
    scraps: await offloadLargeValues(rawScraps, { ...common, kind: 'scraps', guard: guard('scraps') }),
    outputs: await offloadLargeValues(decoded.values, {
      ...common,
      kind: 'outputs',
      guard: guard('outputs'),
    }),
    outputErrors: decoded.errors,
  };
}

/** Run one notebook_run task. `signal` aborts it (worker shutdown): the kernel is interrupted, partial output saved. */
export async function handleNotebookRun(
  task: NotebookTask,
  deps: HandlerDeps,
  signal?: AbortSignal,
): Promise<NotebookRunResult> {
  const started = performance.now();
  const taskRef = task.referenceTaskName ?? 'notebook_run';
  const log = deps.logger.child({ taskId: task.taskId, workflowId: task.workflowInstanceId, taskRef });
  const result = await runTask(task, taskRef, deps, log, signal);
  // One line per task in the worker's own log, whatever Conductor's task log keeps.
  const err = causes.get(result);
  const error = result.outputData.error;
  log.info(
    {
      status: result.status,
      durationMs: Math.round(performance.now() - started),
      outputNotebook: result.outputData.outputNotebook ?? null,
      ...(error !== undefined ? { error } : {}),
      ...(err !== undefined ? { err } : {}),
    },
    `notebook_run ${result.status}`,
  );
  return result;
}

async function runTask(
  task: NotebookTask,
  taskRef: string,
  deps: HandlerDeps,
  log: Logger,
  signal?: AbortSignal,
): Promise<NotebookRunResult> {
  const now = (deps.now ?? (() => new Date()))();
  const taskLog = new TaskLogAppender(task.taskId, deps.addTaskLog, log);
  try {
    const roots = createOutputRoots([deps.outputRoot, ...(deps.outputRoots ?? [])]);
    // 1. Contract and templates: problems here are terminal (retrying cannot fix the input).
    const input = parseNotebookRunInput(asJsonData(task.inputData ?? {}));
    checkNotebookSource(input.notebook, deps.allowedNotebookUrls ?? []);
    const unknown = unknownInputKeys(task.inputData);
    if (unknown.length > 0) log.warn({ keys: unknown }, 'notebook_run input has unknown keys (ignored)');
    const rendered = await renderTaskTemplates(input.parameters, input.output, task, {
      fetchWorkflow: deps.fetchWorkflow,
      now,
      logger: log,
    });
    const retryCount = task.retryCount ?? 0;
    // Checked before anything is read, run or created (issue 7 §3).
    const output = await roots.confine(
      rendered.output !== null
        ? attemptOutput(rendered.output, retryCount)
        : defaultAttemptOutput(deps.outputRoot, {
            workflowType: task.workflowType ?? 'workflow',
            workflowId: task.workflowInstanceId,
            taskRef,
            retryCount,
          }),
      'output',
    );
    const shown = redactUri(input.notebook); // no credentials in logs (issue 7 §6)
    log.info({ notebook: shown, output }, 'running notebook');
    taskLog.append(
      `nbconductor: running ${shown} → ${output} (attempt ${retryCount}, worker ${deps.workerId})`,
    );

    // 2. Run. Write-once: a retry writes a new attempt, never over an earlier record.
    const outcome = await runNotebook(
      {
        input: input.notebook,
        output,
        parameters: toParameters(rendered.parameters),
        kernel: input.kernel,
        language: input.language,
        cwd: input.cwd ?? deps.kernelCwd,
        checkInputRedirect: (from, to) => checkNotebookRedirect(from, to, deps.allowedNotebookUrls ?? []),
        reportMode: input.reportMode,
        allowErrors: input.allowErrors,
        overwrite: false,
        startTimeoutMs:
          seconds(input.timeouts.startSeconds, deps.defaults.startTimeoutMs) ?? deps.defaults.startTimeoutMs,
        cellTimeoutMs: seconds(input.timeouts.cellSeconds, deps.defaults.cellTimeoutMs),
        totalTimeoutMs: seconds(input.timeouts.totalSeconds, deps.defaults.totalTimeoutMs),
        autosaveCellEverySec: deps.defaults.autosaveCellEverySec,
        userExpressions:
          input.outputs.length > 0
            ? (language) => outputVariableExpressions(input.outputs, language)
            : undefined,
        runMetadata: {
          workflow_id: task.workflowInstanceId,
          workflow_type: task.workflowType ?? null,
          task_id: task.taskId,
          task_ref: taskRef,
          attempt: retryCount,
          correlation_id: task.correlationId ?? null,
          worker_id: deps.workerId,
        },
      },
      {
        storage: deps.storage,
        startKernel: (name, o) => {
          o.onLaunched?.(); // a pooled kernel needs no CPU here: prepare at once
          return deps.acquireKernel(name, { cwd: o.cwd, signal: o.signal, logger: o.logger });
        },
        logger: log,
        version: deps.version,
        signal,
        now: deps.now,
        events: (nb) => ({
          cellEnd: (index, cell, outcomeOfCell) => {
            if (cell.cell_type !== 'code') return;
            const meta = cell.metadata.papermill as JsonObject | undefined;
            const took = typeof meta?.duration === 'number' ? ` in ${meta.duration.toFixed(2)} s` : '';
            taskLog.append(`cell ${index + 1}/${nb.cells.length} ${outcomeOfCell}${took}`);
          },
        }),
      },
    );

    // 3. Results that flow downstream. Execution has happened: whatever fails now, the output notebook
    // is reported.
    const outputData: JsonObject = {
      // When even the final save failed, the URI is reported only if an earlier autosave is there.
      outputNotebook: outcome.saveError && outcome.saves.saves === 0 ? null : outcome.outputUri,
      parameters: outcome.parameters as unknown as JsonObject,
      durationMs: outcome.execution?.durationMs ?? 0,
      cells: outcome.execution?.cells ?? { total: 0, executed: 0 },
      kernel: outcome.kernelName,
    };
    let results: Awaited<ReturnType<typeof resultsOf>>;
    try {
      results = await resultsOf(outcome, input, deps, roots, log, signal);
    } catch (err) {
      log.error({ err: coerceError(err) }, 'storing the results of the notebook failed');
      taskLog.append(`could not store results: ${errorMessage(err)}`);
      return failure(err, outputData);
    }
    const { scraps, outputs, outputErrors } = results;
    Object.assign(outputData, { scraps, outputs });
    if (Object.keys(outputErrors).length > 0) outputData.outputErrors = outputErrors;
    if (outcome.error) {
      const f = outcome.saveError ? undefined : outcome.execution?.failure;
      outputData.error = {
        code: outcome.error.code,
        ename: f?.ename ?? outcome.error.code,
        evalue: f?.evalue ?? outcome.error.message,
        cellIndex: f?.cellIndex ?? null,
        executionCount: f?.executionCount ?? null,
      };
      taskLog.append(`failed: ${outcome.error.message}`);
      const result = failure(outcome.error, outputData);
      const notebook = outputData.outputNotebook;
      result.reasonForIncompletion =
        `${outcome.error.message} — output notebook: ${typeof notebook === 'string' ? notebook : 'none'}`.slice(
          0,
          500,
        );
      return result;
    }
    if (Object.keys(outputErrors).length > 0) {
      const names = Object.keys(outputErrors).join(', ');
      taskLog.append(`could not read output variables: ${names}`);
      return failure(
        new NbcError(
          'E_CELL_ERROR',
          `output variables could not be read: ${Object.entries(outputErrors)
            .map(([k, v]) => `${k} (${v})`)
            .join('; ')}`,
        ),
        outputData,
      );
    }
    taskLog.append(
      `completed in ${((outcome.execution?.durationMs ?? 0) / 1000).toFixed(2)} s → ${outcome.outputUri ?? ''}`,
    );
    return { status: 'COMPLETED', outputData };
  } catch (err) {
    // Bad input is the workflow's problem, not the worker's: the outcome line reports it (with the
    // stack); anything else is logged as an error here too.
    if (!isNbcError(err) || taskStatusFor(err) !== 'FAILED_WITH_TERMINAL_ERROR')
      log.error({ err: coerceError(err) }, 'notebook_run failed before execution');
    taskLog.append(`failed before execution: ${errorMessage(err)}`);
    return failure(err);
  } finally {
    await taskLog.flush();
  }
}
