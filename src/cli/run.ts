/** `nbconductor run INPUT [OUTPUT]`: papermill's CLI, on our engine. */
import type { Command } from 'commander';

import { outputFileMode, type Config, type ConfigInput } from '../config';
import { EXIT_OK, exitCodeFor, NbcError } from '../errors';
import type { KernelProvider } from '../kernel/provider';
import type { Logger } from '../log';
import { serializeNotebook } from '../notebook/io';
import { mergeParameterSources } from '../notebook/param-sources';
import { packageVersion } from '../paths';
import { defaultOutputPath, runNotebook } from '../runner/run-notebook';
import { createStorage } from '../storage/registry';
import type { CliIO } from './io';
import { createKernelProviderFromConfig } from '../kernel/from-config';
import { combineEvents, logOutputEvents, progressBarEvents } from './progress';

export interface RunOptions {
  parametersFile?: string[];
  parametersYaml?: string[];
  parametersBase64?: string[];
  kernel?: string;
  language?: string;
  cwd?: string;
  prepareOnly?: boolean;
  reportMode?: boolean;
  logOutput?: boolean;
  progressBar?: boolean;
  startTimeout?: string;
  executionTimeout?: string;
  totalTimeout?: string;
  autosaveCellEvery?: string;
  jupyterUrl?: string;
  jupyterToken?: string;
  kernelProvider?: string;
  overwrite?: boolean;
  allowErrors?: boolean;
  injectInputPath?: boolean;
  injectOutputPath?: boolean;
  injectPaths?: boolean;
}

function seconds(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new NbcError('E_USAGE', `${flag} must be a number of seconds, got ${JSON.stringify(v)}`, {
      field: flag,
    });
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Flags that are also configuration (so a config file or env can set them too). */
export function runFlagsToConfig(o: RunOptions): ConfigInput {
  const start = seconds('--start-timeout', o.startTimeout);
  const cell = seconds('--execution-timeout', o.executionTimeout);
  const total = seconds('--total-timeout', o.totalTimeout);
  const autosave = seconds('--autosave-cell-every', o.autosaveCellEvery);
  return {
    kernel: {
      ...(o.kernelProvider !== undefined
        ? { provider: o.kernelProvider as Config['kernel']['provider'] }
        : {}),
      ...(o.jupyterUrl !== undefined ? { jupyterUrl: o.jupyterUrl } : {}),
      ...(o.jupyterToken !== undefined ? { jupyterToken: o.jupyterToken } : {}),
      ...(start !== undefined ? { startTimeoutMs: start * 1000 } : {}),
    },
    execution: {
      ...(cell !== undefined ? { cellTimeoutMs: cell > 0 ? cell * 1000 : null } : {}),
      ...(total !== undefined ? { totalTimeoutMs: total > 0 ? total * 1000 : null } : {}),
      ...(autosave !== undefined ? { autosaveCellEverySec: autosave } : {}),
    },
  };
}

export function defineRunCommand(program: Command): Command {
  return program
    .command('run')
    .description(
      'parameterize and execute a notebook, papermill-compatible (INPUT/OUTPUT: path, file://, s3://, http(s):// input)',
    )
    .argument('<input>', 'input notebook')
    .argument(
      '[output]',
      'output notebook URI or nunjucks template (default: <outputRoot>/<name>/<run id>.ipynb; "-" = stdout)',
    )
    .option('-f, --parameters-file <file>', 'YAML/JSON parameters file (repeatable)', collect)
    .option('-y, --parameters-yaml <yaml>', 'YAML parameters (repeatable)', collect)
    .option('-b, --parameters-base64 <b64>', 'base64-encoded YAML parameters (repeatable)', collect)
    .option('-k, --kernel <name>', 'kernel name (overrides the notebook kernelspec)')
    .option('-l, --language <name>', 'language (overrides the notebook language_info)')
    .option('--cwd <dir>', 'working directory of the kernel')
    .option('--prepare-only', 'inject parameters and write the output without executing')
    .option('--report-mode', 'hide code cell inputs in the output')
    .option('--log-output', 'stream cell outputs to the log as they arrive')
    .option('--no-progress-bar', 'no progress bar')
    .option('--start-timeout <s>', 'kernel start timeout in seconds (default 60)')
    .option(
      '--execution-timeout <s>',
      'per-cell timeout in seconds; the kernel is interrupted (default none)',
    )
    .option('--total-timeout <s>', 'whole-notebook timeout in seconds (default none)')
    .option('--autosave-cell-every <s>', 'save during long cells every S seconds; 0 disables (default 30)')
    .option('--kernel-provider <kind>', 'local (launch kernels directly, default) or jupyter-server')
    .option('--jupyter-url <url>', 'use kernels from this Jupyter Server (JupyterHub, Enterprise Gateway)')
    .option('--jupyter-token <token>', 'token for --jupyter-url')
    .option('--no-overwrite', 'refuse to replace an existing output (write-once)')
    .option('--allow-errors', 'keep executing after a cell error')
    .option('--inject-input-path', 'add PAPERMILL_INPUT_PATH to the parameters')
    .option('--inject-output-path', 'add PAPERMILL_OUTPUT_PATH to the parameters')
    .option('--inject-paths', 'both of the above')
    .addHelpText(
      'after',
      '\nParameters: -p NAME VALUE (typed like papermill: True/False/None, int, float, else str) and\n' +
        '-r NAME VALUE (raw string), repeatable. Precedence (later wins): -b, -f, -y, -p, -r.\n' +
        'Exit codes: 0 ok, 1 cell error or timeout, 2 bad usage or input, 138 kernel died.',
    );
}

export interface RunContext {
  io: CliIO;
  config: Config;
  logger: Logger;
  typed: [string, string][];
  raw: [string, string][];
  signal: AbortSignal;
}

async function readParameterFiles(
  files: string[],
  ctx: RunContext,
  storage: ReturnType<typeof createStorage>,
): Promise<{ label: string; text: string }[]> {
  const out: { label: string; text: string }[] = [];
  for (const file of files) {
    out.push({
      label: `-f ${file}`,
      text: (await storage.read(file, { signal: ctx.signal })).toString('utf8'),
    });
  }
  return out;
}

export async function runCommand(
  input: string,
  output: string | undefined,
  o: RunOptions,
  ctx: RunContext,
): Promise<number> {
  const { io, config, logger } = ctx;
  const toStdout = output === '-';
  const runId =
    new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, 'Z') +
    '-' +
    Math.random().toString(16).slice(2, 8);
  const outputUri = toStdout ? null : (output ?? defaultOutputPath(config.worker.outputRoot, input, runId));
  const showBar = o.progressBar !== false && !o.logOutput && !toStdout && io.stderr.isTTY === true;

  const storage = createStorage({ cwd: io.cwd, s3: config.s3, logger, fileMode: outputFileMode(config) });
  let provider: KernelProvider | null = null;
  let bar: ReturnType<typeof progressBarEvents> | undefined;
  try {
    const parameters = mergeParameterSources({
      base64: o.parametersBase64 ?? [],
      files: await readParameterFiles(o.parametersFile ?? [], ctx, storage),
      yaml: o.parametersYaml ?? [],
      typed: ctx.typed,
      raw: ctx.raw,
    });
    provider = o.prepareOnly ? null : await createKernelProviderFromConfig(config, logger);
    const outcome = await runNotebook(
      {
        input,
        output: outputUri,
        renderOutput: true,
        parameters,
        kernel: o.kernel,
        language: o.language,
        cwd: o.cwd ?? io.cwd,
        reportMode: o.reportMode,
        prepareOnly: o.prepareOnly,
        allowErrors: o.allowErrors,
        overwrite: o.overwrite !== false,
        startTimeoutMs: config.kernel.startTimeoutMs,
        cellTimeoutMs: config.execution.cellTimeoutMs,
        totalTimeoutMs: config.execution.totalTimeoutMs,
        autosaveCellEverySec: config.execution.autosaveCellEverySec,
        injectPaths: {
          input: o.injectPaths || o.injectInputPath,
          output: o.injectPaths || o.injectOutputPath,
        },
        runId,
      },
      {
        storage,
        startKernel: (name, opts) => {
          if (!provider) throw new NbcError('E_INTERNAL', 'no kernel provider');
          return provider.startKernel({ kernelName: name, ...opts });
        },
        logger,
        version: packageVersion(),
        signal: ctx.signal,
        events: (nb) => {
          bar = showBar ? progressBarEvents(io.stderr, nb.cells.length) : undefined;
          return combineEvents(bar, o.logOutput ? logOutputEvents(logger) : undefined);
        },
      },
    );
    bar?.stop();
    if (toStdout) io.stdout.write(serializeNotebook(outcome.notebook));
    // after a failed final save, the path is printed only if an earlier autosave is there
    else if (outcome.outputUri && !(outcome.saveError && outcome.saves.saves === 0))
      io.stdout.write(`${outcome.outputUri}\n`);
    if (outcome.error) {
      logger.error({ code: outcome.error.code, output: outcome.outputUri }, outcome.error.message);
      return exitCodeFor(outcome.error);
    }
    return EXIT_OK;
  } finally {
    bar?.stop();
    await provider?.dispose();
    await storage.close();
  }
}
