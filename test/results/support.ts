/** Shared set-up for results tests: notebooks built from cell sources, run through runNotebook. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { S3Config } from '../../src/config';
import type { Logger } from '../../src/log';
import { newCodeCell } from '../../src/notebook/cells';
import { parseNotebook, serializeNotebook } from '../../src/notebook/io';
import type { Notebook } from '../../src/notebook/types';
import type { Parameters } from '../../src/notebook/values';
import { runNotebook, type RunNotebookOutcome, type RunNotebookRequest } from '../../src/runner/run-notebook';
import { createStorage, type Storage } from '../../src/storage';
import type { TestProvider } from '../helpers/providers';

export const NO_S3: S3Config = {
  endpoint: null,
  region: 'us-east-1',
  forcePathStyle: true,
  accessKeyId: null,
  secretAccessKey: null,
  sessionToken: null,
  maxAttempts: 1,
  multipartThresholdBytes: 16 << 20,
};

export function fileStorage(dir: string, logger: Logger, s3: S3Config = NO_S3): Storage {
  return createStorage({ cwd: dir, s3, logger });
}

/** A Python notebook: a `parameters` cell (when given) and one code cell per source. */
export function pythonNotebook(cells: string[], parametersCell?: string): Notebook {
  const nb: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python' },
    },
    cells: [],
  };
  if (parametersCell !== undefined) nb.cells.push(newCodeCell(parametersCell, { tags: ['parameters'] }, nb));
  for (const source of cells) nb.cells.push(newCodeCell(source, {}, nb));
  return nb;
}

export interface RunCellsOptions {
  provider: TestProvider;
  storage: Storage;
  dir: string;
  logger: Logger;
  /** Input file name stem (written into `dir`). */
  name: string;
  output: string;
  parameters?: Parameters;
  extra?: Partial<RunNotebookRequest>;
}

/** Writes the notebook, runs it on a real kernel, and reads the saved output back from storage. */
export async function runCells(
  nb: Notebook,
  o: RunCellsOptions,
): Promise<RunNotebookOutcome & { saved: Notebook }> {
  const input = path.join(o.dir, `${o.name}.input.ipynb`);
  await writeFile(input, serializeNotebook(nb));
  const outcome = await runNotebook(
    {
      input,
      output: o.output,
      parameters: o.parameters ?? {},
      overwrite: false,
      startTimeoutMs: 60_000,
      cellTimeoutMs: null,
      totalTimeoutMs: null,
      autosaveCellEverySec: 30,
      cwd: o.dir,
      ...o.extra,
    },
    {
      storage: o.storage,
      startKernel: (kernelName, so) => o.provider.provider.startKernel({ kernelName, ...so }),
      logger: o.logger,
      version: 'test',
    },
  );
  const saved = parseNotebook(await o.storage.read(o.output), o.output);
  return { ...outcome, saved };
}
