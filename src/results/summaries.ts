/**
 * Summaries across runs: one row per output notebook under a prefix (parameters, scraps, outcome), the
 * table one builds from scrapbook's `read_notebooks` by hand. Offload folders (`*.scraps/`, `*.outputs/`)
 * hold JSON, not notebooks, so they are not listed.
 */
import { errorMessage } from '../errors';
import { isPlainObject, type JsonObject, type JsonValue } from '../json';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { parseNotebook } from '../notebook/io';
import type { Notebook } from '../notebook/types';
import type { Storage } from '../storage';
import { extractScraps, scrapData } from './scraps';

/**
 * completed: ran to the end without an error · failed: stopped at an error (papermill `exception`) ·
 * running: started, no end time yet (an autosave of a run in progress, or a run that was killed) ·
 * pending: never started (prepared only) · unreadable: not a notebook we could parse (see `error`).
 */
export type RunStatus = 'completed' | 'failed' | 'running' | 'pending' | 'unreadable';

export interface RunSummary {
  uri: string;
  parameters: JsonObject;
  /** Glued values (data only, as in the task output). */
  scraps: Record<string, JsonValue>;
  status: RunStatus;
  /** Seconds, from `metadata.papermill.duration`; null while running. */
  duration: number | null;
  /** papermill's `metadata.papermill.exception` (true when the run failed). */
  exception: boolean | null;
  startTime: string | null;
  endTime: string | null;
  /** Why the notebook could not be read (status "unreadable"). */
  error?: string;
}

export interface SummarizeRunsOptions {
  signal?: AbortSignal;
  logger?: Logger;
  /** Notebooks read at once (default 4). */
  concurrency?: number;
}

function str(v: JsonValue | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

/** The row of a notebook that could not be read. */
export function unreadableSummary(uri: string, err: unknown): RunSummary {
  return {
    uri,
    parameters: {},
    scraps: {},
    status: 'unreadable',
    duration: null,
    exception: null,
    startTime: null,
    endTime: null,
    error: errorMessage(err),
  };
}

/** One notebook's row. */
export function summarizeNotebook(uri: string, nb: Notebook, logger?: Logger): RunSummary {
  const pm: JsonObject = isPlainObject(nb.metadata.papermill) ? nb.metadata.papermill : {};
  const exception = typeof pm.exception === 'boolean' ? pm.exception : null;
  const startTime = str(pm.start_time);
  const endTime = str(pm.end_time);
  const status: RunStatus =
    exception === true
      ? 'failed'
      : endTime !== null
        ? 'completed'
        : startTime !== null
          ? 'running'
          : 'pending';
  return {
    uri,
    parameters: isPlainObject(pm.parameters) ? pm.parameters : {},
    scraps: scrapData(extractScraps(nb, { logger, source: uri })),
    status,
    duration: typeof pm.duration === 'number' ? pm.duration : null,
    exception,
    startTime,
    endTime,
  };
}

/** Rows for every `.ipynb` under `prefixUri` (recursively), sorted by URI. */
export async function summarizeRuns(
  storage: Storage,
  prefixUri: string,
  options: SummarizeRunsOptions = {},
): Promise<RunSummary[]> {
  const logger = options.logger ?? silentLogger();
  const listed = await storage.list(prefixUri, { recursive: true, signal: options.signal });
  const uris = listed
    .filter((s) => !s.isPrefix && /\.ipynb$/i.test(s.uri))
    .map((s) => s.uri)
    .sort();
  const rows: RunSummary[] = new Array<RunSummary>(uris.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < uris.length) {
      const i = next++;
      const uri = uris[i] as string;
      try {
        const nb = parseNotebook(await storage.read(uri, { signal: options.signal }), uri);
        rows[i] = summarizeNotebook(uri, nb, logger);
      } catch (err) {
        if (options.signal?.aborted) throw err;
        logger.warn({ uri, err: errorMessage(err) }, 'could not read a run notebook');
        rows[i] = unreadableSummary(uri, err);
      }
    }
  };
  const n = Math.max(1, Math.min(options.concurrency ?? 4, uris.length));
  await Promise.all(Array.from({ length: n }, worker));
  return rows;
}
