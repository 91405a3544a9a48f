/**
 * Kernels run the workflow's code, so they never see nbconductor's own credentials (the worker's Conductor
 * key, the Jupyter token, the metrics token), whatever the provider: a notebook that dumps its whole
 * environment, run by workers on `local` and on `jupyter-server` kernels, finds none of them under any
 * name, while the variables a notebook needs (PATH, AWS settings) are there.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { KernelProviderKind } from '../../src/kernel/provider';
import { parseNotebook } from '../../src/notebook/io';
import type { CodeCell } from '../../src/notebook/types';
import {
  notebookRunTaskDef,
  startPipelineStack,
  type PipelineStack,
  type WorkflowRun,
} from '../helpers/pipeline';

let stack: PipelineStack;
let notebook: string;
let secrets: Record<string, string>;

beforeAll(async () => {
  stack = await startPipelineStack();
  await stack.registerTaskDefs([notebookRunTaskDef()]);
  notebook = path.join(stack.outputRoot, 'env-dump.ipynb');
  writeFileSync(
    notebook,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
      cells: [
        {
          cell_type: 'code',
          id: 'dump',
          metadata: {},
          outputs: [],
          execution_count: null,
          source: 'import os, json\nprint(json.dumps(dict(os.environ)))',
        },
      ],
    }),
  );
  const credentials = stack.engine.credentials;
  if (!credentials) throw new Error('the stack runs with token auth');
  secrets = {
    CONDUCTOR_AUTH_KEY: credentials.keyId,
    CONDUCTOR_AUTH_SECRET: credentials.keySecret,
    NBCONDUCTOR_JUPYTER_TOKEN: 'jupyter-token-5c1e77',
    JUPYTER_TOKEN: 'jupyter-token-5c1e77',
    NBCONDUCTOR_METRICS_TOKEN: 'metrics-token-a93f02',
  };
  // One worker per provider, each on its own task domain, so each workflow reaches the one meant.
  for (const provider of ['local', 'jupyter-server'] as const) {
    await stack.startWorker({ worker: { domain: provider, kernelPoolSize: 0 } }, provider, {
      env: { ...secrets, AWS_REGION: 'eu-west-3' },
    });
  }
});

afterAll(async () => {
  await stack?.stop();
});

async function runOn(provider: KernelProviderKind): Promise<WorkflowRun> {
  const name = `kernel_env_${provider.replace('-', '_')}`;
  await stack.registerWorkflow({
    name,
    version: 1,
    schemaVersion: 2,
    ownerEmail: 't@example.com',
    tasks: [{ name: 'notebook_run', taskReferenceName: 'nb', type: 'SIMPLE', inputParameters: { notebook } }],
  });
  const id = await new stack.sdk.WorkflowExecutor(stack.client).startWorkflow({
    name,
    version: 1,
    input: {},
    taskToDomain: { notebook_run: provider },
  });
  return stack.waitFor(id);
}

it.each(['local', 'jupyter-server'] as const)(
  "a %s kernel sees none of nbconductor's credentials",
  async (provider) => {
    const wf = await runOn(provider);
    expect(wf.status).toBe('COMPLETED');
    expect((wf.tasks[0] as { domain?: string }).domain).toBe(provider); // run by that provider's worker
    const uri = String(wf.tasks[0]?.outputData.outputNotebook);
    const nb = parseNotebook(readFileSync(uri), uri);
    const cell = nb.cells[0] as CodeCell;
    const env = JSON.parse(cell.outputs.map((o) => (o as { text?: string }).text ?? '').join('')) as Record<
      string,
      string
    >;
    expect(env.PATH).toEqual(expect.any(String));
    expect(env.AWS_REGION).toBe('eu-west-3');
    for (const name of Object.keys(secrets))
      expect({ name, value: env[name] }).toEqual({ name, value: undefined });
    const dump = JSON.stringify(env);
    for (const [name, value] of Object.entries(secrets))
      expect({ name, leaked: dump.includes(value) }).toEqual({ name, leaked: false });
    // nor does the output notebook carry them anywhere else
    const saved = readFileSync(uri, 'utf8');
    for (const value of Object.values(secrets)) expect(saved.includes(value)).toBe(false);
  },
);
