/**
 * One notebook run, end to end: read the input, parameterize it, render the output URI, start a kernel,
 * execute with autosave, save the record. Shared by `nbconductor run` and the notebook_run worker.
 *
 * Failures before execution starts (bad input, unknown kernel, template errors, an existing write-once
 * target) throw and leave no output behind. Once execution has started the output notebook is always
 * written (whatever ended the run: a cell error, a timeout, a stop, a kernel that died or was shut down
 * behind our back), and the outcome carries the failure instead of throwing; if that final save fails,
 * the outcome's error says so.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';

import { NbcError, errorMessage, isNbcError } from '../errors';
import { Autosaver, type AutosaveStats } from '../execute/autosave';
import {
  executeNotebook,
  failureError,
  type ExecutionEvents,
  type ExecutionResult,
} from '../execute/executor';
import { prepareRecord, removeErrorMarkers } from '../execute/record';
import { isPlainObject, type JsonObject } from '../json';
import type { KernelSession } from '../kernel/provider';
import { EarlyKernel, type StartKernel } from './early-kernel';
import type { Logger } from '../log';
import { NotebookSerializer, parseNotebookJson, peekKernelName, validateNotebook } from '../notebook/io';
import { type Notebook } from '../notebook/types';
import type { Parameters } from '../notebook/values';
import { openOutputTarget, type OutputTarget } from '../storage/output-target';
import { redactUri } from '../storage/uri';
import type { Storage } from '../storage/registry';

export interface RunNotebookRequest {
  input: string;
  /** Output URI (a nunjucks template when `renderOutput`); `null` writes nothing. */
  output: string | null;
  /**
   * Render `output` as a template over the parameters and run facts (the CLI's OUTPUT argument). The
   * worker renders its output template itself, once, and passes the result as a plain URI.
   */
  renderOutput?: boolean;
  parameters: Parameters;
  kernel?: string;
  language?: string;
  /** Working directory of the kernel. */
  cwd?: string;
  /** Called before each redirect of an http(s) input is followed; throws to refuse it (an allow-list). */
  checkInputRedirect?: (from: string, to: string) => void;
  reportMode?: boolean;
  prepareOnly?: boolean;
  allowErrors?: boolean;
  /** Replace an existing output (papermill's behaviour) or refuse to (write-once). */
  overwrite: boolean;
  startTimeoutMs: number;
  cellTimeoutMs: number | null;
  totalTimeoutMs: number | null;
  autosaveCellEverySec: number;
  /** papermill's --inject-input-path / --inject-output-path. */
  injectPaths?: { input?: boolean; output?: boolean };
  /**
   * Expressions read from the kernel after the last cell (Jupyter user_expressions); a function gets
   * the notebook's language (e.g. to build JSON-returning expressions for Python).
   */
  userExpressions?: Record<string, string> | ((language: string) => Record<string, string>);
  runId?: string;
  /** Merged into `metadata.nbconductor` (e.g. workflowId, taskId, attempt). */
  runMetadata?: JsonObject;
}

export interface RunNotebookDeps {
  storage: Storage;
  /** Starts (or hands out) a kernel; see EarlyKernel for `onLaunched`. */
  startKernel: StartKernel;
  logger: Logger;
  version: string;
  signal?: AbortSignal;
  /** Built once the prepared notebook is known (so a progress bar knows the cell count). */
  events?: (notebook: Notebook) => ExecutionEvents | undefined;
  now?: () => Date;
}

export interface RunNotebookOutcome {
  status: 'prepared' | 'completed' | 'failed';
  outputUri: string | null;
  notebook: Notebook;
  parameters: Parameters;
  kernelName: string;
  language: string;
  runId: string;
  warnings: string[];
  execution?: ExecutionResult;
  /** Set when status is 'failed': what went wrong, with a stable code. */
  error?: NbcError;
  /**
   * Set (and also the `error`) when the final save of the output notebook failed: `execution` still says
   * how the run went; `saves.saves > 0` means an earlier autosave is at `outputUri`.
   */
  saveError?: NbcError;
  saves: AutosaveStats;
}

const NO_SAVES: AutosaveStats = { saves: 0, totalSaveMs: 0, lastSaveMs: 0, bytes: 0 };

function stem(uri: string): string {
  const bare = /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? uri.replace(/[?#].*$/s, '') : uri;
  const base = bare.split(/[\\/]/).pop() ?? uri;
  return base.replace(/\.ipynb$/i, '') || 'notebook';
}

function isTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%');
}

interface Prepared {
  base: Omit<RunNotebookOutcome, 'status' | 'saves' | 'execution' | 'error'>;
  nb: Notebook;
  target: OutputTarget | null;
}

/** Steps 1–3: validate, resolve kernel/language, render the output URI, parameterize, record, preflight. */
async function prepare(
  raw: JsonObject,
  req: RunNotebookRequest,
  deps: RunNotebookDeps,
  log: Logger,
  runId: string,
  now: () => Date,
): Promise<Prepared> {
  const { storage } = deps;
  // 1. Input and kernel/language (bad input throws here: nothing is written).
  // Credentials in the input URI (user:password@, presigned-URL signatures, tokens) never reach logs,
  // messages or the output notebook's metadata: everything shown uses the redacted form.
  const shown = redactUri(req.input);
  const input = validateNotebook(raw, shown);
  removeErrorMarkers(input);
  // Loaded here, not at start-up: the kernel is already booting (translators and inspectors are not small).
  const { parameterizeNotebook, resolveKernelAndLanguage } =
    require('../notebook/parameterize') as typeof import('../notebook/parameterize');
  const { kernelName, language } = resolveKernelAndLanguage(input, {
    kernel: req.kernel,
    language: req.language,
  });

  // 2. Output URI (templates see the parameters and the run's facts).
  let outputUri: string | null = req.output;
  if (outputUri !== null && req.renderOutput === true && isTemplate(outputUri)) {
    // the template engine is loaded only for templated outputs
    const { renderOutputPath } =
      require('../templates/output-path') as typeof import('../templates/output-path');
    outputUri = renderOutputPath(
      outputUri,
      {
        parameters: req.parameters,
        run: {
          run_id: runId,
          run_uuid: randomUUID(),
          input_path: shown,
          input_name: stem(shown),
          now: now(),
        },
      },
      'output',
    );
  }

  // 3. Parameters, as papermill injects them.
  const parameters: Parameters = { ...req.parameters };
  if (req.injectPaths?.input) parameters.PAPERMILL_INPUT_PATH = shown;
  if (req.injectPaths?.output && outputUri !== null) parameters.PAPERMILL_OUTPUT_PATH = outputUri;
  const injected = parameterizeNotebook(input, parameters, {
    kernelName,
    language,
    reportMode: req.reportMode === true,
  });
  for (const w of injected.warnings) log.warn(w);
  const nb = injected.notebook;
  prepareRecord(
    nb,
    { inputPath: shown, outputPath: outputUri ?? '', version: deps.version },
    req.reportMode === true,
  );
  const existing = nb.metadata.nbconductor;
  nb.metadata.nbconductor = {
    ...(isPlainObject(existing) ? existing : {}),
    version: deps.version,
    run_id: runId,
    kernel_name: kernelName,
    ...(req.runMetadata ?? {}),
  };

  const base = {
    outputUri,
    notebook: nb,
    parameters,
    kernelName,
    language,
    runId,
    warnings: injected.warnings,
  };
  const target =
    outputUri !== null ? openOutputTarget(storage, outputUri, { overwrite: req.overwrite }) : null;
  if (target && !req.overwrite) await target.preflight();

  return { base, nb, target };
}

export async function runNotebook(
  req: RunNotebookRequest,
  deps: RunNotebookDeps,
): Promise<RunNotebookOutcome> {
  const { logger, storage } = deps;
  const now = deps.now ?? (() => new Date());
  const runId = req.runId ?? randomUUID().slice(0, 8);
  const shown = redactUri(req.input);
  const log = logger.child({ notebook: shown, runId });

  const raw = parseNotebookJson(
    await storage.read(req.input, { signal: deps.signal, checkRedirect: req.checkInputRedirect }),
    shown,
  );
  // The kernel boots while the input is validated and prepared (it is released if that fails).
  const kernelOptions = {
    cwd: req.cwd,
    startTimeoutMs: req.startTimeoutMs,
    signal: deps.signal,
    logger: log,
  };
  const early = req.prepareOnly
    ? null
    : EarlyKernel.begin(deps.startKernel, req.kernel ?? peekKernelName(raw), kernelOptions);
  let prepared: Prepared;
  let session: KernelSession;
  try {
    // Preparing is CPU work on this thread: let the kernel's launch go first, then prepare while it boots.
    await early?.launched;
    prepared = await prepare(raw, req, deps, log, runId, now);
    if (!early) {
      const { target, nb, base } = prepared;
      if (target) await target.save(new NotebookSerializer().serialize(nb));
      return { ...base, status: 'prepared', saves: { ...NO_SAVES, saves: target ? 1 : 0 } };
    }
    // 4. Kernel. A kernel that cannot start means execution never began: nothing is written.
    session = await early.take(prepared.base.kernelName);
  } catch (err) {
    await early?.release();
    throw err;
  }
  const { nb, base, target } = prepared;
  const { outputUri } = base;

  // 5. Execute with autosave; the final save happens whatever the outcome.
  const serializer = new NotebookSerializer();
  const autosaver = target
    ? new Autosaver({
        notebook: nb,
        serializer,
        write: (parts) => target.save(parts),
        intervalMs: req.autosaveCellEverySec * 1000,
        logger: log,
      })
    : undefined;
  let execution: ExecutionResult;
  try {
    execution = await executeNotebook({
      notebook: nb,
      session,
      cellTimeoutMs: req.cellTimeoutMs,
      totalTimeoutMs: req.totalTimeoutMs,
      allowErrors: req.allowErrors,
      autosaver,
      serializer,
      events: deps.events?.(nb),
      userExpressions:
        typeof req.userExpressions === 'function' ? req.userExpressions(base.language) : req.userExpressions,
      logger: log,
      signal: deps.signal,
      now,
    });
  } catch (err) {
    // executeNotebook never rejects once it has started (it records what cut the run short), so this is
    // a failure before the first cell (e.g. building the event handlers): nothing ran, nothing is written.
    autosaver?.cancel();
    await session.shutdown().catch(() => undefined);
    throw err;
  }

  log.debug({ durationMs: execution.durationMs, cells: execution.cells }, 'notebook executed');
  const [saved] = await Promise.allSettled([
    autosaver ? autosaver.flush() : Promise.resolve(),
    session
      .shutdown()
      .catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'kernel shutdown failed')),
  ]);
  const saves = autosaver?.stats ?? NO_SAVES;
  const failed = execution.failure ? failureError(execution.failure, outputUri ?? shown) : undefined;
  if (saved.status === 'rejected') {
    // The record could not be written: that is the run's error (never dropped), and it says how the
    // execution itself ended and whether an earlier autosave is there.
    const saveError = finalSaveError(saved.reason, outputUri ?? '', failed, saves.saves);
    log.error({ err: saveError, saves: saves.saves }, 'the output notebook could not be saved');
    return { ...base, status: 'failed', execution, error: saveError, saveError, saves };
  }
  log.debug({ saves: saves.saves, saveMs: saves.totalSaveMs, bytes: saves.bytes }, 'output notebook saved');

  if (failed) return { ...base, status: 'failed', execution, error: failed, saves };
  return { ...base, status: 'completed', execution, saves };
}

function finalSaveError(reason: unknown, uri: string, failed: NbcError | undefined, saves: number): NbcError {
  const shown = redactUri(uri);
  const ran = failed ? `the run itself failed: ${failed.message}` : 'the run itself completed';
  const left = saves > 0 ? `an earlier autosave is at ${shown}` : 'nothing was written there';
  return new NbcError(
    isNbcError(reason) ? reason.code : 'E_STORAGE',
    `could not save the output notebook ${shown}: ${errorMessage(reason)} (${ran}; ${left})`,
    { uri: shown },
    { cause: reason },
  );
}

/** Default output location when the CLI is given none: `<root>/<input stem>/<run id>.ipynb`. */
export function defaultOutputPath(root: string, input: string, runId: string): string {
  return path.join(root, stem(input), `${runId}.ipynb`);
}
