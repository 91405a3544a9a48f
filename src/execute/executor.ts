/**
 * The cell loop: run a prepared notebook's cells in order on a kernel session, collect outputs, keep the
 * papermill record, enforce timeouts, and stop at the first error (unless the cell may raise). Knows
 * nothing about where the notebook came from or goes to: saving is the autosaver's job.
 */
import { NbcError, coerceError, errorMessage, isNbcError } from '../errors';
import type { JsonObject } from '../json';
import type { UserExpressionResult } from '../kernel/messages';
import type { KernelSession } from '../kernel/provider';
import type { Logger } from '../log';
import type { NotebookSerializer } from '../notebook/io';
import type { Cell, CodeCell, Notebook, Output } from '../notebook/types';
import { RAISES_EXCEPTION_TAG, SKIP_EXECUTION_TAG, hasTag } from '../notebook/types';
import type { Autosaver } from './autosave';
import {
  errorOutput,
  failureOf,
  stopFailure,
  type CellFailure,
  type ExecutionFailure,
  type StopReason,
} from './failures';
import { CellOutputCollector, DisplayRegistry, type OutputChange } from './outputs';
import {
  cellCompleted,
  cellFailed,
  cellStarted,
  completeRecord,
  insertErrorMarkers,
  startRecord,
} from './record';

export { failureError, type ExecutionFailure } from './failures';

export type CellOutcome = 'completed' | 'failed' | 'skipped';

export interface ExecutionEvents {
  cellStart?(index: number, cell: Cell): void;
  cellEnd?(index: number, cell: Cell, outcome: CellOutcome): void;
  output?(index: number, cell: CodeCell, change: OutputChange): void;
}

export interface ExecuteNotebookOptions {
  /** Parameterized and prepared; updated in place. */
  notebook: Notebook;
  session: KernelSession;
  cellTimeoutMs: number | null;
  totalTimeoutMs: number | null;
  /** Continue after cell errors (every cell may raise), like nbclient's allow_errors. */
  allowErrors?: boolean;
  /** How long to wait for an interrupted cell to stop before killing the kernel. */
  interruptGraceMs?: number;
  autosaver?: Autosaver;
  serializer?: NotebookSerializer;
  events?: ExecutionEvents;
  /** Expressions evaluated in the kernel after the last cell (Jupyter user_expressions). */
  userExpressions?: Record<string, string>;
  logger: Logger;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface ExecutionResult {
  status: 'completed' | 'failed';
  failure?: ExecutionFailure;
  cells: { total: number; executed: number };
  durationMs: number;
  userExpressions?: Record<string, UserExpressionResult>;
}

interface CellRun {
  status: 'ok' | 'error';
  executionCount: number | null;
  failure?: CellFailure;
  /** ename/evalue of the kernel's error reply */
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

const DEFAULT_GRACE_MS = 5000;

function isCleanSystemExit(ename: string | undefined, evalue: string | undefined): boolean {
  return ename === 'SystemExit' && (evalue === '' || evalue === '0');
}

class CellRunner {
  constructor(
    private readonly options: ExecuteNotebookOptions,
    private readonly displays: DisplayRegistry,
    private readonly deadline: number | null,
  ) {}

  /** Run one code cell; never throws for kernel/timeout problems, it reports them as a failure. */
  async run(index: number, cell: CodeCell): Promise<CellRun> {
    const { session, events, autosaver, logger } = this.options;
    const collector = new CellOutputCollector(cell, this.displays);
    const mayRaise = this.options.allowErrors === true || hasTag(cell, RAISES_EXCEPTION_TAG);
    const exec = new AbortController();
    let stdinPrompt: string | null = null;
    let stopReason: StopReason | null = null;

    const execution = session.execute(
      {
        code: cell.source,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: !mayRaise,
      },
      {
        onIOPub: (msg) => {
          if (msg.header.msg_type === 'execute_input' && typeof msg.content.execution_count === 'number') {
            cell.execution_count = msg.content.execution_count;
          }
          const change = collector.handle(msg);
          if (!change) return;
          if (change.kind === 'update') this.thawCellsOf(change.outputs);
          autosaver?.outputChanged();
          events?.output?.(index, cell, change);
        },
        onInputRequest: (msg) => {
          stdinPrompt = String(msg.content.prompt ?? '');
          stop('stdin');
        },
      },
      exec.signal,
    );

    const timers: NodeJS.Timeout[] = [];
    let stopped: Promise<void> | null = null;
    const stop = (reason: NonNullable<typeof stopReason>): void => {
      if (stopReason) return;
      stopReason = reason;
      logger.warn({ cell: index, reason }, 'interrupting the kernel');
      stopped = (async () => {
        await session
          .interrupt()
          .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'interrupt failed'));
        const grace = setTimeout(() => {
          logger.error({ cell: index }, 'kernel did not stop after interrupt; shutting it down');
          exec.abort();
          void session.shutdown();
        }, this.options.interruptGraceMs ?? DEFAULT_GRACE_MS);
        grace.unref();
        timers.push(grace);
      })();
    };
    if (this.options.cellTimeoutMs !== null)
      timers.push(setTimeout(() => stop('cell-timeout'), this.options.cellTimeoutMs));
    if (this.deadline !== null)
      timers.push(setTimeout(() => stop('total-timeout'), Math.max(0, this.deadline - Date.now())));
    const onAbort = (): void => stop('aborted');
    this.options.signal?.addEventListener('abort', onAbort, { once: true });

    try {
      const reply = await execution;
      if (stopped) await stopped;
      const content = reply.content;
      const executionCount =
        typeof content.execution_count === 'number' ? content.execution_count : cell.execution_count;
      cell.execution_count = executionCount;
      if (stopReason)
        return { status: 'error', executionCount, failure: this.stopFailure(cell, stopReason, stdinPrompt) };
      if (content.status === 'ok') return { status: 'ok', executionCount };
      return {
        status: 'error',
        executionCount,
        ename: content.ename ?? 'Error',
        evalue: content.evalue ?? '',
        traceback: content.traceback ?? [],
      };
    } catch (err) {
      if (stopReason) {
        // Includes a kernel killed after ignoring the interrupt: report the reason we stopped it.
        return {
          status: 'error',
          executionCount: cell.execution_count,
          failure: this.stopFailure(cell, stopReason, stdinPrompt),
        };
      }
      // The kernel died, was shut down behind our back (by its provider, another client), or the request
      // could not be sent: the cell failed, and the run ends with what it has (it is still saved).
      const failure = failureOf(err);
      cell.outputs.push(errorOutput(failure.ename, failure.evalue));
      return { status: 'error', executionCount: cell.execution_count, failure };
    } finally {
      for (const t of timers) clearTimeout(t);
      this.options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private stopFailure(cell: CodeCell, reason: StopReason, prompt: string | null): CellFailure {
    const failure = stopFailure(reason, this.options, prompt);
    cell.outputs.push(errorOutput(failure.ename, failure.evalue));
    return failure;
  }

  private thawCellsOf(outputs: Output[]): void {
    const serializer = this.options.serializer;
    if (!serializer) return;
    const targets = new Set(outputs);
    for (const c of this.options.notebook.cells) {
      if (c.cell_type === 'code' && c.outputs.some((o) => targets.has(o))) serializer.thaw(c);
    }
  }
}

/** Code cells run unless tagged skip-execution or blank (nbclient skips both). */
function isExecutable(cell: CodeCell): boolean {
  return !hasTag(cell, SKIP_EXECUTION_TAG) && cell.source.trim() !== '';
}

/** How far a run got: updated as cells run, so a run cut short still knows where it stopped. */
interface RunState {
  failure?: ExecutionFailure;
  executed: number;
  /** The cell between its start and end, if any. */
  current: { index: number; cell: Cell } | null;
}

async function runCells(
  options: ExecuteNotebookOptions,
  runner: CellRunner,
  state: RunState,
  clock: () => Date,
): Promise<void> {
  const { notebook: nb, events, autosaver, serializer } = options;
  const cells = [...nb.cells];
  for (let index = 0; index < cells.length; index++) {
    const cell = cells[index] as Cell;
    if (options.signal?.aborted) {
      state.failure = {
        ...failureOf(new NbcError('E_ABORTED', 'execution was stopped before this cell')),
        cellIndex: null,
        executionCount: null,
      };
      return;
    }
    const cellStartedAt = clock();
    state.current = { index, cell };
    cellStarted(cell, cellStartedAt);
    events?.cellStart?.(index, cell);
    let outcome: CellOutcome = 'completed';
    if (cell.cell_type === 'code' && isExecutable(cell)) {
      state.executed += 1;
      const run = await runner.run(index, cell);
      if (run.status === 'error') {
        const allowed = !run.failure && (options.allowErrors === true || hasTag(cell, RAISES_EXCEPTION_TAG));
        if (!allowed) {
          if (!run.failure && isCleanSystemExit(run.ename, run.evalue)) {
            // sys.exit(0) ends the run successfully, as in papermill; later cells do not run.
            cellCompleted(cell, cellStartedAt, clock());
            serializer?.freeze(cell);
            events?.cellEnd?.(index, cell, 'completed');
            state.current = null;
            return;
          }
          outcome = 'failed';
          cellFailed(nb, cell);
          const f = run.failure ?? {
            code: 'E_CELL_ERROR' as const,
            message: `${run.ename ?? 'Error'}: ${run.evalue ?? ''}`,
            ename: run.ename ?? 'Error',
            evalue: run.evalue ?? '',
            traceback: run.traceback ?? [],
          };
          state.failure = { ...f, cellIndex: index, executionCount: run.executionCount };
        }
      }
    } else if (cell.cell_type === 'code') {
      outcome = 'skipped';
    }
    cellCompleted(cell, cellStartedAt, clock());
    if (outcome !== 'failed') serializer?.freeze(cell);
    events?.cellEnd?.(index, cell, outcome);
    state.current = null;
    if (state.failure) return;
    autosaver?.cellEnded();
  }
}

/** Jupyter user_expressions after the last cell. A dead or stopped kernel fails the run. */
async function readUserExpressions(
  options: ExecuteNotebookOptions,
  state: RunState,
): Promise<Record<string, UserExpressionResult> | undefined> {
  const expressions = options.userExpressions;
  if (!expressions || Object.keys(expressions).length === 0 || !options.session.alive) return undefined;
  try {
    const reply = await options.session.execute(
      {
        code: '',
        silent: true,
        store_history: false,
        user_expressions: expressions,
        allow_stdin: false,
        stop_on_error: false,
      },
      {},
      options.signal,
    );
    return reply.content.user_expressions ?? {};
  } catch (err) {
    options.logger.warn({ err: errorMessage(err) }, 'reading output variables from the kernel failed');
    if (isNbcError(err, 'E_KERNEL_DIED') || isNbcError(err, 'E_ABORTED'))
      state.failure = { ...failureOf(err), cellIndex: null, executionCount: null };
    return undefined;
  }
}

/**
 * Execute every cell of a prepared notebook. Once started it never rejects: whatever cuts the run short
 * (a dead kernel, a kernel shut down behind our back, a stop, a bug in an event handler) becomes the
 * result's failure, recorded in the notebook as papermill does, so the caller can always save it.
 */
export async function executeNotebook(options: ExecuteNotebookOptions): Promise<ExecutionResult> {
  const { notebook: nb, logger } = options;
  const clock = options.now ?? (() => new Date());
  const startedAt = clock();
  const deadline = options.totalTimeoutMs !== null ? Date.now() + options.totalTimeoutMs : null;
  const runner = new CellRunner(options, new DisplayRegistry(), deadline);
  startRecord(nb, startedAt);

  const state: RunState = { executed: 0, current: null };
  let userExpressions: Record<string, UserExpressionResult> | undefined;
  try {
    await runCells(options, runner, state, clock);
    if (!state.failure) userExpressions = await readUserExpressions(options, state);
  } catch (err) {
    logger.error({ err: coerceError(err), cell: state.current?.index }, 'notebook execution broke off');
    const current = state.current;
    const f = failureOf(err);
    if (current && !state.failure) {
      cellFailed(nb, current.cell);
      if (current.cell.cell_type === 'code') current.cell.outputs.push(errorOutput(f.ename, f.evalue));
    }
    state.failure ??= {
      ...f,
      cellIndex: current?.index ?? null,
      executionCount: current?.cell.cell_type === 'code' ? current.cell.execution_count : null,
    };
  }
  const { failure } = state;

  if (options.session.info?.language_info) {
    nb.metadata.language_info = options.session.info.language_info as unknown as JsonObject;
  }
  if (failure && failure.cellIndex !== null) {
    failure.cellIndex = insertErrorMarkers(nb, failure.cellIndex, failure.executionCount);
  }
  completeRecord(nb, startedAt, clock(), failure !== undefined);
  const result: ExecutionResult = {
    status: failure ? 'failed' : 'completed',
    cells: { total: nb.cells.filter((c) => c.cell_type === 'code').length, executed: state.executed },
    durationMs: clock().getTime() - startedAt.getTime(),
  };
  if (failure) result.failure = failure;
  if (userExpressions) result.userExpressions = userExpressions;
  return result;
}
