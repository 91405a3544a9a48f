/** `nbconductor <command>`: parses flags, compiles config, calls the modules. No business logic here. */
import { Command, CommanderError } from 'commander';
import type { DestinationStream } from 'pino';

import path from 'node:path';

import { compileConfig, type Config, type ConfigInput } from '../config';
import { EXIT_BAD_INPUT, EXIT_INTERRUPTED, NbcError, errorMessage, exitCodeFor, isNbcError } from '../errors';
import { createLogger, type Logger, type LogLevel } from '../log';
import { packageVersion } from '../paths';
import { extractPairs } from './argv';
import {
  parseInputPairs,
  registerDefinitions,
  startAndFollow,
  type ConductorTarget,
} from './conductor-commands';
import { inspectCommand, type InspectOptions } from './inspect';
import { processIO, type CliIO } from './io';
import { defineRunCommand, runCommand, runFlagsToConfig, type RunOptions } from './run';
import { ensurePython } from './setup';

interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

export interface MainOptions {
  /** Aborted on SIGINT/SIGTERM by runFromProcess; tests pass their own. */
  signal?: AbortSignal;
}

function mergeInputs(a: ConfigInput, b: ConfigInput): ConfigInput {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b))
    out[k] = { ...((a as Record<string, object>)[k] ?? {}), ...(v as object) };
  return out as ConfigInput;
}

/** A `--port` value: a number, or a usage error naming the flag. */
function portFlag(value: string | undefined): number | undefined {
  const port = value === undefined ? undefined : Number(value);
  if (port !== undefined && !Number.isInteger(port))
    throw new NbcError('E_USAGE', `--port must be a number, got ${JSON.stringify(value)}`, {
      field: '--port',
    });
  return port;
}

export async function main(argv: readonly string[], io: CliIO, options: MainOptions = {}): Promise<number> {
  const signal = options.signal ?? new AbortController().signal;
  let exitCode = 0;
  let logger: Logger | undefined;

  // papermill's `-p NAME VALUE` / `-r NAME VALUE` take two values; commander can't, so pull them out first.
  let rest: string[];
  let pairs: Record<string, [string, string][]>;
  try {
    ({ rest, pairs } = extractPairs(argv, [
      { names: ['-p', '--parameters'], key: 'typed' },
      { names: ['-r', '--parameters-raw', '--parameters_raw'], key: 'raw' },
    ]));
  } catch (err) {
    io.stderr.write(`nbconductor: ${errorMessage(err)}\n`);
    return EXIT_BAD_INPUT;
  }

  const program = new Command('nbconductor')
    .description('Notebook pipelines on Conductor: papermill-compatible runs, a worker, an embedded engine.')
    .version(packageVersion())
    .option('--config <file>', 'configuration file (YAML or JSON)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const setup = (flags: ConfigInput = {}): { config: Config; logger: Logger } => {
    const g = program.opts<GlobalOptions>();
    const withLevel = g.logLevel ? mergeInputs(flags, { log: { level: g.logLevel as LogLevel } }) : flags;
    const config = compileConfig({
      env: io.env,
      cwd: io.cwd,
      configFile: g.config ?? null,
      flags: withLevel,
    });
    logger = createLogger({
      level: config.log.level,
      destination: io.stderr as unknown as DestinationStream,
    });
    return { config, logger };
  };

  program
    .command('setup')
    .description('create or refresh the Python environment (.venv) from requirements.txt')
    .action(async () => {
      const { config, logger: log } = setup();
      const env = await ensurePython(config, log);
      io.stdout.write(`Python environment ready: ${env.python}\n`);
    });

  defineRunCommand(program).action(async (input: string, output: string | undefined, o: RunOptions) => {
    const { config, logger: log } = setup(runFlagsToConfig(o));
    exitCode = await runCommand(input, output, o, {
      io,
      config,
      logger: log,
      typed: pairs.typed ?? [],
      raw: pairs.raw ?? [],
      signal,
    });
  });

  program
    .command('server')
    .description('run the embedded Conductor-compatible engine (REST API under /api, GET /health)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port (default 8080; 0 picks a free one)')
    .option('--data <dir>', 'data directory for the SQLite store (default runs/.engine)')
    .option('--memory', 'keep everything in memory (nothing survives a restart)')
    .action(async (o: { host?: string; port?: string; data?: string; memory?: boolean }) => {
      const port = portFlag(o.port);
      const { config, logger: log } = setup({
        engine: {
          ...(o.host ? { host: o.host } : {}),
          ...(port !== undefined ? { port } : {}),
          ...(o.data ? { dataDir: o.data } : {}),
        },
      });
      const { runServerCommand } = require('./server-command') as typeof import('./server-command');
      await runServerCommand({
        host: config.engine.host,
        port: config.engine.port,
        dataDir: config.engine.dataDir,
        memory: o.memory === true,
        logger: log,
        signal,
        pages: { config, cwd: io.cwd },
      });
    });

  const collectPairs = (v: string, prev: string[] = []): string[] => [...prev, v];
  const conductor = (config: Config, url?: string): ConductorTarget => ({
    ...config.conductor,
    serverUrl: url ?? config.conductor.serverUrl,
  });

  program
    .command('worker')
    .description('run the notebook_run worker against a Conductor (the embedded engine or a real one)')
    .option(
      '--conductor-url <url>',
      'Conductor server URL (default CONDUCTOR_SERVER_URL or http://127.0.0.1:8080)',
    )
    .option('--concurrency <n>', 'notebooks run at once (default 2)')
    .option('--domain <domain>', 'task domain to poll')
    .option('--kernel-provider <kind>', 'local (default) or jupyter-server')
    .option('--jupyter-url <url>', 'use kernels from this Jupyter Server')
    .option('--jupyter-token <token>', 'token for --jupyter-url')
    .action(
      async (o: {
        conductorUrl?: string;
        concurrency?: string;
        domain?: string;
        kernelProvider?: string;
        jupyterUrl?: string;
        jupyterToken?: string;
      }) => {
        const { config, logger: log } = setup({
          ...(o.conductorUrl ? { conductor: { serverUrl: o.conductorUrl } } : {}),
          worker: {
            ...(o.concurrency ? { concurrency: Number(o.concurrency) } : {}),
            ...(o.domain ? { domain: o.domain } : {}),
          },
          kernel: runFlagsToConfig({
            kernelProvider: o.kernelProvider,
            jupyterUrl: o.jupyterUrl,
            jupyterToken: o.jupyterToken,
          }).kernel,
        });
        const { runWorkerCommand } = require('./worker-command') as typeof import('./worker-command');
        await runWorkerCommand(config, log, io.cwd, signal);
      },
    );

  program
    .command('register')
    .description(
      'register task definitions, workflows and event handlers from DIR (default workflows/) with a Conductor',
    )
    .argument('[dir]', 'definitions directory', 'workflows')
    .option('--conductor-url <url>', 'Conductor server URL')
    .action(async (dir: string, o: { conductorUrl?: string }) => {
      const { config, logger: log } = setup();
      io.stdout.write(
        `${await registerDefinitions(conductor(config, o.conductorUrl), path.resolve(io.cwd, dir), log)}\n`,
      );
    });

  program
    .command('start')
    .description('start a workflow and follow it to the end, printing each task and its output notebook')
    .argument('<name>', 'workflow name')
    .option('-i, --input <key=value>', 'workflow input (repeatable; JSON values are parsed)', collectPairs)
    .option('--version <n>', 'workflow version (default latest)')
    .option('--correlation-id <id>', 'correlation id')
    .option('--no-follow', 'print the workflow id and return at once')
    .option('--conductor-url <url>', 'Conductor server URL')
    .action(
      async (
        name: string,
        o: {
          input?: string[];
          version?: string;
          correlationId?: string;
          follow?: boolean;
          conductorUrl?: string;
        },
      ) => {
        const { config, logger: log } = setup();
        const request = {
          name,
          input: parseInputPairs(o.input ?? []),
          ...(o.version ? { version: Number(o.version) } : {}),
          ...(o.correlationId ? { correlationId: o.correlationId } : {}),
        };
        const result = await startAndFollow(
          conductor(config, o.conductorUrl),
          request,
          log,
          (t) =>
            io.stdout.write(
              `${t.ref.padEnd(28)} ${t.status.padEnd(12)}${t.outputNotebook ? ` ${t.outputNotebook}` : ''}\n`,
            ),
          { follow: o.follow !== false, signal },
        );
        io.stdout.write(
          `${name} ${result.workflowId} ${result.status}${result.reason ? `: ${result.reason}` : ''}\n`,
        );
        if (o.follow !== false) io.stdout.write(`${JSON.stringify(result.output, null, 2)}\n`);
        exitCode = result.status === 'COMPLETED' || result.status === 'RUNNING' ? 0 : 1;
      },
    );

  program
    .command('up')
    .description(
      'engine + local Jupyter Server + worker in one process: register workflows/, run a pipeline, print its notebooks',
    )
    .option('--workflow <name>', 'workflow to run (default nb_fanout, the fan-out over regions)', 'nb_fanout')
    .option('-i, --input <key=value>', 'workflow input (repeatable)', collectPairs)
    .option('--definitions <dir>', 'definitions directory', 'workflows')
    .option('--serve', 'keep serving the Conductor API after the run (Ctrl-C to stop)')
    .option('--kernel-provider <kind>', 'jupyter-server (default for up) or local')
    .action(
      async (o: {
        workflow: string;
        input?: string[];
        definitions: string;
        serve?: boolean;
        kernelProvider?: string;
      }) => {
        const { config, logger: log } = setup({
          kernel: { provider: (o.kernelProvider ?? 'jupyter-server') as Config['kernel']['provider'] },
        });
        const { upCommand } = require('./up') as typeof import('./up');
        exitCode = await upCommand(
          {
            workflow: o.workflow,
            // Conductor applies a workflow's inputTemplate defaults only to a non-empty input: give one.
            input: { run_date: new Date().toISOString().slice(0, 10), ...parseInputPairs(o.input ?? []) },
            definitions: path.resolve(io.cwd, o.definitions),
            serve: o.serve === true,
          },
          config,
          log,
          io,
          signal,
        );
      },
    );

  program
    .command('view')
    .description('the read-only viewer of output notebooks (and runs, with --conductor-url) on 127.0.0.1')
    .argument('[root]', 'folder or s3://bucket/prefix to serve (default: the output root)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port (default 8888; 0 picks a free one)')
    .option('--base-url <path>', 'URL prefix of every page, behind a proxy (default /)')
    .option('--allowed-host <name>', 'a Host name to accept besides loopback ones (repeatable)', collectPairs)
    .option(
      '--conductor-url <url>',
      'Conductor API for the run pages (the embedded engine or a real Conductor)',
    )
    .action(
      async (
        root: string | undefined,
        o: { host?: string; port?: string; baseUrl?: string; allowedHost?: string[]; conductorUrl?: string },
      ) => {
        const port = portFlag(o.port);
        const { config, logger: log } = setup({
          viewer: {
            ...(o.host ? { host: o.host } : {}),
            ...(port !== undefined ? { port } : {}),
            ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
            ...(o.allowedHost ? { allowedHosts: o.allowedHost } : {}),
            ...(o.conductorUrl ? { conductorUrl: o.conductorUrl } : {}),
          },
        });
        const { viewCommand } = require('./view-command') as typeof import('./view-command');
        await viewCommand(config, log, {
          root,
          cwd: io.cwd,
          signal,
          print: (l) => io.stdout.write(`${l}\n`),
        });
      },
    );

  program
    .command('summarize')
    .description('one row per output notebook under PREFIX: status, duration, parameters, scraps')
    .argument('<prefix>', 'folder or s3://bucket/prefix holding output notebooks')
    .option('--format <format>', 'table, csv or json', 'table')
    .action(async (prefix: string, o: { format: string }) => {
      const { config, logger: log } = setup();
      const { summarizeCommand } = require('./summarize') as typeof import('./summarize');
      exitCode = await summarizeCommand(prefix, o.format, { config, logger: log, io, signal });
    });

  program
    .command('inspect')
    .description("list the parameters declared in a notebook's `parameters` cell")
    .argument('<input>', 'notebook (path, file://, s3://, http(s)://)')
    .option('--json', 'machine-readable output')
    .option('-k, --kernel <name>', 'kernel name override')
    .option('-l, --language <name>', 'language override')
    .action(async (input: string, o: InspectOptions) => {
      const { config, logger: log } = setup();
      exitCode = await inspectCommand(input, o, io, config, log, signal);
    });

  try {
    if ((pairs.typed?.length ?? 0) + (pairs.raw?.length ?? 0) > 0 && rest[0] !== 'run') {
      throw new CommanderError(2, 'nbconductor.usage', 'error: -p/-r are options of `nbconductor run`\n');
    }
    await program.parseAsync([...rest], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'nbconductor.usage') io.stderr.write(err.message);
      return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    const message = isNbcError(err) ? `${err.message} [${err.code}]` : errorMessage(err);
    // One line per failure: structured when logging is set up, plain otherwise (usage/config errors).
    if (logger) logger.error({ code: isNbcError(err) ? err.code : undefined }, message);
    else io.stderr.write(`nbconductor: ${message}\n`);
    exitCode = signal.aborted && !isNbcError(err) ? EXIT_INTERRUPTED : exitCodeFor(err);
  }
  return exitCode;
}

/** The process entry point: signals abort the running command (a second signal exits at once). */
export function runFromProcess(argv: readonly string[] = process.argv.slice(2)): void {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) process.exit(name === 'SIGINT' ? 130 : 143);
    process.stderr.write(`\nnbconductor: ${name} received, stopping (send again to force)\n`);
    controller.abort(new Error(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  main(argv, processIO(), { signal: controller.signal }).then(
    (code) => {
      process.exitCode = code;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // Everything is stopped by now; a library socket or timer left behind must not keep us alive.
      setTimeout(() => process.exit(code), 2000).unref();
    },
    (err: unknown) => {
      process.stderr.write(`nbconductor: internal error: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
