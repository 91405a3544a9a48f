/** Set-up and measures shared by the benchmarks that run notebooks through the engine and the worker. */
import { readFileSync } from 'node:fs';

type Sdk = typeof import('@io-orkes/conductor-javascript');
type Metadata = InstanceType<Sdk['MetadataClient']>;

/** `--name value` from the arguments, or the fallback. */
export function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
}

/** notebook_run (no retries) and a workflow `name` of one notebook_run task, ref `nb`. */
export async function registerNotebookWorkflow(
  metadata: Metadata,
  name: string,
  notebook: string,
  parameters: Record<string, unknown>,
): Promise<void> {
  await metadata.registerTasks([
    { name: 'notebook_run', retryCount: 0, responseTimeoutSeconds: 120, timeoutSeconds: 600 },
  ] as never);
  await metadata.registerWorkflowDef(
    {
      name,
      version: 1,
      schemaVersion: 2,
      tasks: [
        {
          name: 'notebook_run',
          taskReferenceName: 'nb',
          type: 'SIMPLE',
          inputParameters: { notebook, parameters },
        },
      ],
    } as never,
    true,
  );
}

/** When the first code cell started (ms since the epoch), from the output notebook's papermill record. */
export function firstCellStart(outputNotebook: string): number {
  const nb = JSON.parse(readFileSync(outputNotebook, 'utf8')) as {
    cells: { metadata: { papermill?: { start_time?: string | null } } }[];
  };
  const start = nb.cells.map((c) => c.metadata.papermill?.start_time).find((t) => typeof t === 'string');
  return Date.parse(String(start).replace(/(\.\d{3})\d*/, '$1'));
}
