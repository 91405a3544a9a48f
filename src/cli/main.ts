/** `nbconductor <command>`: parses flags, compiles config, calls the modules. No business logic here. */
import { Command, CommanderError } from 'commander';
import type { DestinationStream } from 'pino';

import path from 'node:path';

import { compileConfig, type Config, type ConfigInput } from '../config';
import { EXIT_BAD_INPUT, EXIT_INTERRUPTED, NbcError, errorMessage, exitCodeFor, isNbcError } from '../errors';
import { stringifyJsonExact } from '../json';
import { createLogger, resolveLogFormat, type LogFormat, type Logger, type LogLevel } from '../log';
import { packageVersion } from '../paths';
import { extractPairs } from './argv';
import type { ConductorTarget } from './conductor-commands';
import type { InspectOptions } from './inspect';
import { processIO, type CliIO } from './io';
import { defineRunCommand, runCommand, runFlagsToConfig, type RunOptions } from './run';
import { ensurePython } from '../python/project';

interface GlobalOptions {
  config?: string;
  logLevel?: string;
  logFormat?: string;
  auth?: string;
}

/** The flag that sets each `section.key`, for messages naming where a value came from. */
const FLAG_NAMES: Readonly<Record<string, string>> = {
  'log.level': '--log-level',
  'log.format': '--log-format',
  'metrics.port': '--metrics-port',
  'security.auth': '--auth',
  'conductor.serverUrl': '--conductor-url',
  'viewer.conductorUrl': '--conductor-url',
  'conductor.keyId': '--key-id',
  'conductor.keySecret': '--key-secret',
  'worker.concurrency': '--concurrency',
  'worker.domain': '--domain',
  'engine.host': '--host',
  'engine.port': '--port',
  'engine.dataDir': '--data',
  'kernel.provider': '--kernel-provider',
  'kernel.jupyterUrl': '--jupyter-url',
  'kernel.jupyterToken': '--jupyter-token',
};

export interface MainOptions {
  /** Aborted on SIGINT/SIGTERM by runFromProcess; tests pass their own. */
  signal?: AbortSignal;
}

/** A `--port`-style flag: a whole number 0-65535 (0 picks a free port), or undefined when not given. */
function portFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new NbcError('E_USAGE', `${flag} must be a port number (0-65535), got ${JSON.stringify(value)}`, {
      field: flag,
    });
  return port;
}

function metricsFlags(value: string | undefined): ConfigInput['metrics'] {
  const port = portFlag('--metrics-port', value);
  return port === undefined ? {} : { port };
}

const METRICS_PORT_HELP =
  'serve Prometheus metrics on GET /metrics at this port (127.0.0.1 unless metrics.host)';

function mergeInputs(a: ConfigInput, b: ConfigInput): ConfigInput {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b))
    out[k] = { ...((a as Record<string, object>)[k] ?? {}), ...(v as object) };
  return out as ConfigInput;
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
    .option(
      '--log-format <format>',
      'json|pretty|auto (default auto: readable on a terminal, JSON otherwise)',
    )
    .option('--auth <mode>', 'token (default) or none: authentication of every server nbconductor starts')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const setup = (flags: ConfigInput = {}): { config: Config; logger: Logger } => {
    const g = program.opts<GlobalOptions>();
    const log = {
      ...(g.logLevel ? { level: g.logLevel as LogLevel } : {}),
      ...(g.logFormat ? { format: g.logFormat as LogFormat } : {}),
    };
    let withLevel = mergeInputs(flags, { log });
    if (g.auth) withLevel = mergeInputs(withLevel, { security: { auth: g.auth as 'token' | 'none' } });
    const warnings: string[] = [];
    const config = compileConfig({
      env: io.env,
      cwd: io.cwd,
      configFile: g.config ?? null,
      flags: withLevel,
      flagNames: FLAG_NAMES,
      onWarning: (w) => warnings.push(w),
    });
    const tty = io.stderr.isTTY === true;
    logger = createLogger({
      level: config.log.level,
      destination: io.stderr as unknown as DestinationStream,
      format: resolveLogFormat(config.log.format, tty),
      color: tty,
    });
    for (const w of warnings) logger.warn(w);
    return { config, logger };
  };

  program
    .command('config')
    .description(
      'print the effective configuration (secrets redacted); --show-origin says where each value came from',
    )
    .option('--show-origin', 'one line per key with its source (default, environment, config file, flag)')
    .action((o: { showOrigin?: boolean }) => {
      const { config } = setup();
      const { describeConfig } = require('./config-command') as typeof import('./config-command');
      io.stdout.write(describeConfig(config, o.showOrigin === true));
    });

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
    .option('--metrics-port <port>', METRICS_PORT_HELP)
    .action(
      async (o: { host?: string; port?: string; data?: string; memory?: boolean; metricsPort?: string }) => {
        const port = portFlag('--port', o.port);
        const { config, logger: log } = setup({
          engine: {
            ...(o.host ? { host: o.host } : {}),
            ...(port !== undefined ? { port } : {}),
            ...(o.data ? { dataDir: o.data } : {}),
          },
          metrics: metricsFlags(o.metricsPort),
        });
        const { runServerCommand, engineSecurity } =
          require('./server-command') as typeof import('./server-command');
        await runServerCommand({
          host: config.engine.host,
          port: config.engine.port,
          dataDir: config.engine.dataDir,
          memory: o.memory === true,
          security: engineSecurity(config),
          metrics: config.metrics,
          scheduler: config.scheduler,
          sqs: config.sqs,
          logger: log,
          print: (line) => void io.stdout.write(`${line}\n`),
          signal,
          pages: { config, cwd: io.cwd },
        });
      },
    );

  const collectPairs = (v: string, prev: string[] = []): string[] => [...prev, v];
  /** The client flags every command that talks to a Conductor takes. */
  interface ClientFlags {
    conductorUrl?: string;
    keyId?: string;
    keySecret?: string;
  }
  const clientOptions = (cmd: Command): Command =>
    cmd
      .option(
        '--conductor-url <url>',
        'Conductor server URL (default: config, CONDUCTOR_SERVER_URL, http://127.0.0.1:8080)',
      )
      .option(
        '--key-id <id>',
        "Conductor (Orkes) key id (default: config, CONDUCTOR_AUTH_KEY, the engine's credentials.json)",
      )
      .option(
        '--key-secret <secret>',
        'Conductor (Orkes) key secret (default: config, CONDUCTOR_AUTH_SECRET)',
      );
  const clientFlags = (o: ClientFlags): ConfigInput =>
    o.conductorUrl || o.keyId || o.keySecret
      ? {
          conductor: {
            ...(o.conductorUrl ? { serverUrl: o.conductorUrl } : {}),
            ...(o.keyId ? { keyId: o.keyId } : {}),
            ...(o.keySecret ? { keySecret: o.keySecret } : {}),
          },
        }
      : {};
  // Loaded by the commands that talk to a Conductor only (`run` starts its kernel sooner without them).
  const conductor = (config: Config): ConductorTarget =>
    (require('../worker/conductor-client') as typeof import('../worker/conductor-client')).conductorTarget(
      config,
    );
  const conductorCommands = (): typeof import('./conductor-commands') =>
    require('./conductor-commands') as typeof import('./conductor-commands');

  clientOptions(
    program
      .command('worker')
      .description('run the notebook_run worker against a Conductor (the embedded engine or a real one)'),
  )
    .option('--concurrency <n>', 'notebooks run at once (default 2)')
    .option('--domain <domain>', 'task domain to poll')
    .option('--kernel-provider <kind>', 'local (default) or jupyter-server')
    .option('--jupyter-url <url>', 'use kernels from this Jupyter Server')
    .option('--jupyter-token <token>', 'token for --jupyter-url')
    .option('--metrics-port <port>', METRICS_PORT_HELP)
    .action(
      async (
        o: ClientFlags & {
          concurrency?: string;
          domain?: string;
          kernelProvider?: string;
          jupyterUrl?: string;
          jupyterToken?: string;
          metricsPort?: string;
        },
      ) => {
        const { config, logger: log } = setup({
          ...clientFlags(o),
          worker: {
            ...(o.concurrency ? { concurrency: Number(o.concurrency) } : {}),
            ...(o.domain ? { domain: o.domain } : {}),
          },
          kernel: runFlagsToConfig({
            kernelProvider: o.kernelProvider,
            jupyterUrl: o.jupyterUrl,
            jupyterToken: o.jupyterToken,
          }).kernel,
          metrics: metricsFlags(o.metricsPort),
        });
        const { runWorker } = require('../worker/runtime') as typeof import('../worker/runtime');
        await runWorker(config, log, io.cwd, signal);
      },
    );

  clientOptions(
    program
      .command('register')
      .description(
        'register task definitions, workflows, event handlers and schedules from DIR (default workflows/) with a Conductor',
      )
      .argument('[dir]', 'definitions directory', 'workflows'),
  ).action(async (dir: string, o: ClientFlags) => {
    const { config, logger: log } = setup(clientFlags(o));
    const { registerDefinitions } = conductorCommands();
    io.stdout.write(`${await registerDefinitions(conductor(config), path.resolve(io.cwd, dir), log)}\n`);
  });

  clientOptions(
    program
      .command('schedules')
      .description('list the schedules on a Conductor with their crons, next runs and last results')
      .option('--json', 'machine-readable output'),
  ).action(async (o: ClientFlags & { json?: boolean }) => {
    const { config, logger: log } = setup(clientFlags(o));
    const { listSchedules, formatSchedules } =
      require('./schedules-command') as typeof import('./schedules-command');
    const lines = await listSchedules(conductor(config), log);
    io.stdout.write(o.json ? `${JSON.stringify(lines, null, 2)}\n` : formatSchedules(lines));
  });

  clientOptions(
    program
      .command('start')
      .description('start a workflow and follow it to the end, printing each task and its output notebook')
      .argument('<name>', 'workflow name')
      .option('-i, --input <key=value>', 'workflow input (repeatable; JSON values are parsed)', collectPairs)
      .option('--version <n>', 'workflow version (default latest)')
      .option('--correlation-id <id>', 'correlation id')
      .option('--no-follow', 'print the workflow id and return at once'),
  ).action(
    async (
      name: string,
      o: ClientFlags & {
        input?: string[];
        version?: string;
        correlationId?: string;
        follow?: boolean;
      },
    ) => {
      const { config, logger: log } = setup(clientFlags(o));
      const { parseInputPairs, startAndFollow } = conductorCommands();
      const request = {
        name,
        input: parseInputPairs(o.input ?? []),
        ...(o.version ? { version: Number(o.version) } : {}),
        ...(o.correlationId ? { correlationId: o.correlationId } : {}),
      };
      const result = await startAndFollow(
        conductor(config),
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
      if (o.follow !== false) io.stdout.write(`${stringifyJsonExact(result.output, 2) ?? 'null'}\n`);
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
    .option('--serve', 'keep serving the Conductor API and the pages after the run (Ctrl-C to stop)')
    .option('--kernel-provider <kind>', 'jupyter-server (default for up) or local')
    .option('--metrics-port <port>', METRICS_PORT_HELP)
    .action(
      async (o: {
        workflow: string;
        input?: string[];
        definitions: string;
        serve?: boolean;
        kernelProvider?: string;
        metricsPort?: string;
      }) => {
        const { config, logger: log } = setup({
          kernel: { provider: (o.kernelProvider ?? 'jupyter-server') as Config['kernel']['provider'] },
          metrics: metricsFlags(o.metricsPort),
        });
        const { upCommand } = require('./up') as typeof import('./up');
        exitCode = await upCommand(
          {
            workflow: o.workflow,
            // Conductor applies a workflow's inputTemplate defaults only to a non-empty input: give one.
            input: {
              run_date: new Date().toISOString().slice(0, 10),
              ...conductorCommands().parseInputPairs(o.input ?? []),
            },
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
    .option(
      '--key-id <id>',
      "the run pages' Conductor key id (default: config, CONDUCTOR_AUTH_KEY, the engine's credentials.json)",
    )
    .option(
      '--key-secret <secret>',
      "the run pages' Conductor key secret (default: config, CONDUCTOR_AUTH_SECRET)",
    )
    .action(
      async (
        root: string | undefined,
        o: {
          host?: string;
          port?: string;
          baseUrl?: string;
          allowedHost?: string[];
          conductorUrl?: string;
          keyId?: string;
          keySecret?: string;
        },
      ) => {
        const port = portFlag('--port', o.port);
        const { config, logger: log } = setup({
          viewer: {
            ...(o.host ? { host: o.host } : {}),
            ...(port !== undefined ? { port } : {}),
            ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
            ...(o.allowedHost ? { allowedHosts: o.allowedHost } : {}),
            ...(o.conductorUrl ? { conductorUrl: o.conductorUrl } : {}),
          },
          // The same key flags as every Conductor client (the URL is the viewer's own, above).
          ...clientFlags({ keyId: o.keyId, keySecret: o.keySecret }),
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
      const { inspectCommand } = require('./inspect') as typeof import('./inspect');
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
