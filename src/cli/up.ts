/**
 * `nbconductor up` (what `npm start` runs): the embedded engine, a local Jupyter Server and the worker in
 * one process; registers `workflows/`, runs a pipeline (the flagship fan-out by default), prints each
 * output notebook and a summary. With --serve it keeps running for other clients until Ctrl-C.
 */
import path from 'node:path';

import type { Config } from '../config';
import { EXIT_EXECUTION_FAILED, EXIT_OK, errorMessage } from '../errors';
import { stringifyJsonExact } from '../json';
import type { Logger } from '../log';
import { registerDefinitions, startAndFollow } from './conductor-commands';
import { engineSecurity, schedulerOptions } from './server-command';
import type { CliIO } from './io';
import { startMetricsEndpoint } from '../metrics/endpoint';
import { relativeToCwd as relative, taskProgress } from './task-progress';
import { startWorkerRuntime } from '../worker/runtime';
import { createEngineViewer, type EngineViewer } from './view-command';

export interface UpOptions {
  workflow: string;
  input: Record<string, unknown>;
  definitions: string;
  serve: boolean;
}

type Engine = Awaited<ReturnType<(typeof import('../engine'))['startEngine']>>;

type EngineSecurity = import('../engine').EngineSecurity;

function engineSettings(config: Config, logger: Logger) {
  return {
    host: config.engine.host,
    dataDir: config.engine.dataDir,
    logger: logger.child({ component: 'engine' }),
    ...engineSecurity(config),
  };
}

async function startEmbeddedEngine(
  config: Config,
  logger: Logger,
  security: EngineSecurity,
  pages: EngineViewer,
): Promise<Engine> {
  const { startEngine } = require('../engine') as typeof import('../engine');
  const opts = {
    ...engineSettings(config, logger),
    options: { scheduler: schedulerOptions(config.scheduler) },
    sqs: config.sqs,
    security,
    mount: pages.viewer,
  };
  try {
    return await startEngine({ ...opts, port: config.engine.port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    logger.warn({ port: config.engine.port }, 'port in use; the engine takes a free one');
    return startEngine({ ...opts, port: 0 });
  }
}

/** Scalars as they are, lists and objects summarised (the full output is in the engine's API). */
function summarize(output: Record<string, unknown>): string[] {
  return Object.entries(output).map(([k, v]) => {
    const text = stringifyJsonExact(v) ?? 'null';
    if (v === null || typeof v !== 'object') return `  ${k}: ${text}`;
    const n = Array.isArray(v) ? `${v.length} items` : `${Object.keys(v).length} keys`;
    return `  ${k}: ${text.length <= 80 ? text : `(${n})`}`;
  });
}

export async function upCommand(
  o: UpOptions,
  config: Config,
  logger: Logger,
  io: CliIO,
  signal: AbortSignal,
): Promise<number> {
  const out = (s: string): void => void io.stdout.write(`${s}\n`);
  let engineUrl = '';
  const { createEngineSecurity } = require('../engine') as typeof import('../engine');
  // One security for the API and the pages: the login links the engine prints open the pages.
  const security = createEngineSecurity(engineSettings(config, logger));
  const pages = await createEngineViewer(config, logger, io.cwd, { url: () => engineUrl, security });
  let engine: Engine;
  try {
    engine = await startEmbeddedEngine(config, logger, security, pages);
  } catch (err) {
    await pages.close();
    throw err;
  }
  engineUrl = engine.url;
  // Always our own engine, with its own key: nothing from the environment or config points elsewhere.
  const target = {
    serverUrl: engine.url,
    keyId: engine.credentials?.keyId ?? null,
    keySecret: engine.credentials?.keySecret ?? null,
  };
  let runtime: Awaited<ReturnType<typeof startWorkerRuntime>> | undefined;
  let metrics: Awaited<ReturnType<typeof startMetricsEndpoint>> = null;
  try {
    out(`nbconductor engine: ${engine.url}/api (data in ${relative(io.cwd, config.engine.dataDir)})`);
    const link = engine.loginLink(`${pages.viewer.base}runs`);
    if (link) out(`browser login link (works once): ${link}`);
    metrics = await startMetricsEndpoint(config.metrics, logger);
    metrics?.engine(engine.stats);
    if (metrics) out(`metrics: ${metrics.url}`);
    runtime = await startWorkerRuntime(config, logger, {
      conductor: target,
      cwd: io.cwd,
      metrics: metrics?.worker(config.worker.workerId),
    });
    out(
      `worker: ${config.worker.concurrency} concurrent notebooks, kernels via ${config.kernel.jupyterUrl ?? config.kernel.provider}`,
    );
    out((await registerDefinitions(target, o.definitions, logger)).replace(io.cwd + path.sep, ''));

    out(`\nstarting ${o.workflow} ${JSON.stringify(o.input)}`);
    const onTask = taskProgress(out, { cwd: io.cwd, tty: io.stdout.isTTY === true });
    const result = await startAndFollow(target, { name: o.workflow, input: o.input }, logger, onTask, {
      follow: true,
      signal,
    });

    const notebooks = result.tasks.filter((t) => t.outputNotebook);
    out(
      `\n${o.workflow} ${result.status} (workflow ${result.workflowId})${result.reason ? `: ${result.reason}` : ''}`,
    );
    out(`output notebooks (${notebooks.length}):`);
    for (const t of notebooks) out(`  ${relative(io.cwd, t.outputNotebook as string)}`);
    out('summary (workflow output):');
    for (const line of summarize(result.output)) out(line);

    const runPath = pages.viewer.runPath(result.workflowId);
    // Signed with the engine's key: the link also works on a `server` started later on this port.
    const runLink = engine.loginLink(runPath);
    out(
      o.serve
        ? `\nserving: Conductor API ${engine.url}/api, pages ${engine.url}/ — press Ctrl-C to stop`
        : '\nthe engine stops now: to open this page later, start `nbconductor server` (same data directory and ' +
            'port); next time, `nbconductor up --serve` (`npm start -- --serve`) keeps serving',
    );
    out(`this run: ${engine.url}${runPath}`);
    if (runLink) out(`open it in a browser (one-time login link): ${runLink}`);
    if (o.serve && !signal.aborted)
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    return result.status === 'COMPLETED' ? EXIT_OK : EXIT_EXECUTION_FAILED;
  } finally {
    await runtime
      ?.stop()
      .catch((err: unknown) => logger.error({ err: errorMessage(err) }, 'worker shutdown failed'));
    await metrics?.stop();
    await engine.stop();
    await pages.close();
  }
}
