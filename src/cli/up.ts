/**
 * `nbconductor up` (what `npm start` runs): the embedded engine, a local Jupyter Server and the worker in
 * one process; registers `workflows/`, runs a pipeline (the flagship fan-out by default), prints each
 * output notebook and a summary. With --serve it keeps running for other clients until Ctrl-C.
 */
import path from 'node:path';

import type { Config } from '../config';
import { EXIT_EXECUTION_FAILED, EXIT_OK, errorMessage } from '../errors';
import type { Logger } from '../log';
import { registerDefinitions, startAndFollow, type TaskLine } from './conductor-commands';
import type { CliIO } from './io';
import { createEngineViewer, type EngineViewer } from './view-command';
import { startWorkerRuntime } from './worker-command';

export interface UpOptions {
  workflow: string;
  input: Record<string, unknown>;
  definitions: string;
  serve: boolean;
}

type Engine = Awaited<ReturnType<(typeof import('../engine'))['startEngine']>>;

async function startEmbeddedEngine(config: Config, logger: Logger, pages: EngineViewer): Promise<Engine> {
  const { startEngine } = require('../engine') as typeof import('../engine');
  const opts = {
    host: config.engine.host,
    dataDir: config.engine.dataDir,
    logger: logger.child({ component: 'engine' }),
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

/** Paths under the working directory are shown relative to it; anything else as given. */
function relative(cwd: string, uri: string): string {
  if (!uri.startsWith('/')) return uri;
  const rel = path.relative(cwd, uri);
  return rel && !rel.startsWith('..') ? rel : uri;
}

/** Scalars as they are, lists and objects summarised (the full output is in the engine's API). */
function summarize(output: Record<string, unknown>): string[] {
  return Object.entries(output).map(([k, v]) => {
    if (v === null || typeof v !== 'object') return `  ${k}: ${JSON.stringify(v)}`;
    const n = Array.isArray(v) ? `${v.length} items` : `${Object.keys(v).length} keys`;
    return `  ${k}: ${JSON.stringify(v).length <= 80 ? JSON.stringify(v) : `(${n})`}`;
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
  const pages = await createEngineViewer(config, logger, io.cwd, () => engineUrl);
  let engine: Engine;
  try {
    engine = await startEmbeddedEngine(config, logger, pages);
  } catch (err) {
    await pages.close();
    throw err;
  }
  engineUrl = engine.url;
  const target = { serverUrl: engine.url, keyId: null, keySecret: null };
  let runtime: Awaited<ReturnType<typeof startWorkerRuntime>> | undefined;
  try {
    out(`nbconductor engine: ${engine.url}/api (data in ${relative(io.cwd, config.engine.dataDir)})`);
    runtime = await startWorkerRuntime(config, logger, { conductorUrl: engine.url, cwd: io.cwd });
    out(
      `worker: ${config.worker.concurrency} concurrent notebooks, kernels via ${config.kernel.jupyterUrl ?? config.kernel.provider}`,
    );
    out((await registerDefinitions(target, o.definitions, logger)).replace(io.cwd + path.sep, ''));

    out(`\nstarting ${o.workflow} ${JSON.stringify(o.input)}`);
    const onTask = (t: TaskLine): void => {
      if (t.status === 'SCHEDULED' || t.status === 'IN_PROGRESS') return;
      const nb = t.outputNotebook ? `  ${relative(io.cwd, t.outputNotebook)}` : '';
      out(
        `  ${t.ref.padEnd(28)} ${t.status.padEnd(12)}${nb}${t.reason && t.status !== 'COMPLETED' ? `  (${t.reason})` : ''}`,
      );
    };
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

    const runUrl = `${engine.url}${pages.viewer.runPath(result.workflowId)}`;
    if (o.serve) {
      out(`\nserving: Conductor API ${engine.url}/api, pages ${engine.url}/ — press Ctrl-C to stop`);
      out(`this run: ${runUrl}`);
      if (!signal.aborted)
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
    } else {
      out('\nthe run page is served while `nbconductor up --serve` or `nbconductor server` runs:');
      out(`this run: ${runUrl}`);
    }
    return result.status === 'COMPLETED' ? EXIT_OK : EXIT_EXECUTION_FAILED;
  } finally {
    await runtime
      ?.stop()
      .catch((err: unknown) => logger.error({ err: errorMessage(err) }, 'worker shutdown failed'));
    await engine.stop();
    await pages.close();
  }
}
