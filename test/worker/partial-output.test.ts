/**
 * "Output notebook written in every case where execution started", through the engine and the SDK: a
 * kernel shut down behind the worker's back mid-run, and a final save that fails, still end in a FAILED
 * task that reports what there is (the output notebook URI, the error) instead of "failed before execution".
 */
import { readFileSync } from 'node:fs';

import type { KernelProvider, KernelSession } from '../../src/kernel/provider';
import { parseNotebook } from '../../src/notebook/io';
import { createStorage, type Storage } from '../../src/storage';
import { fixturePath } from '../helpers/fixtures';
import { quietLogger } from '../helpers/logger';
import {
  notebookRunTaskDef,
  runNotebookTaskWorkflow,
  startPipelineStack,
  testConfig,
  type PipelineStack,
  type TaskRun,
} from '../helpers/pipeline';
import { startTestProvider, type TestProvider } from '../helpers/providers';
import type { JsonObject } from '../../src/json';

const logger = quietLogger();
let stack: PipelineStack;
let tp: TestProvider;
let base: Storage;
/** Set by a test: the provider shuts its kernels down when a cell prints "step 2". */
let shutDownAtStep2 = false;
/** Set by a test: writes of a finished record (notebook-level end_time set) fail. */
let failFinalSaves = false;

// One worker for the file (a stopped worker's last poll could still take the next test's task).
beforeAll(async () => {
  stack = await startPipelineStack();
  await stack.registerTaskDefs([notebookRunTaskDef()]);
  tp = await startTestProvider('local', logger);
  const config = testConfig(stack.outputRoot, { serverUrl: stack.engine.url, keyId: null, keySecret: null });
  base = createStorage({ cwd: stack.outputRoot, s3: config.s3, logger });
  const storage: Storage = {
    ...base,
    write: async (uri, body, opts) => {
      const text = typeof body === 'string' || Buffer.isBuffer(body) ? body.toString() : [...body].join('');
      const meta = (JSON.parse(text) as { metadata?: { papermill?: { end_time?: unknown } } }).metadata;
      if (failFinalSaves && typeof meta?.papermill?.end_time === 'string') throw new Error('disk on fire');
      return base.write(uri, text, opts);
    },
  };
  const provider = watchingProvider(tp.provider, 'step 2', () => {
    if (shutDownAtStep2) void tp.provider.dispose();
  });
  await stack.startWorker({ worker: { kernelPoolSize: 0 } }, 'local', { provider, storage });
});

afterAll(async () => {
  await stack?.stop();
  await tp?.stop();
  await base?.close();
});

/** `inner`'s kernels, calling `onText` when a cell prints `text`. */
function watchingProvider(inner: KernelProvider, text: string, onText: () => void): KernelProvider {
  const watch = (session: KernelSession): KernelSession => {
    const execute = session.execute.bind(session);
    Object.assign(session, {
      execute: ((content, handlers = {}, signal) =>
        execute(
          content,
          {
            ...handlers,
            onIOPub: (msg) => {
              handlers.onIOPub?.(msg);
              if (msg.header.msg_type === 'stream' && String(msg.content.text).includes(text)) onText();
            },
          },
          signal,
        )) satisfies KernelSession['execute'],
    });
    return session;
  };
  return {
    kind: inner.kind,
    startKernel: async (o) => watch(await inner.startKernel(o)),
    listKernelSpecs: () => inner.listKernelSpecs(),
    dispose: () => inner.dispose(),
  };
}

function onlyAttempt(tasks: TaskRun[]): TaskRun {
  const attempts = tasks.filter((t) => t.referenceTaskName === 'nb');
  expect(attempts).toHaveLength(1);
  return attempts[0] as TaskRun;
}

it('reports a failed final save (retryable), with the earlier autosave it left', async () => {
  failFinalSaves = true;
  try {
    const wf = await runNotebookTaskWorkflow(
      stack,
      'partial_final_save',
      { notebook: fixturePath('simple'), parameters: { msg: 'unsaved' } },
      {},
    );
    const task = onlyAttempt(wf.tasks);
    expect(task.status).toBe('FAILED');
    expect(task.outputData.error).toMatchObject({ code: 'E_STORAGE' });
    const uri = String(task.outputData.outputNotebook);
    expect(task.reasonForIncompletion).toMatch(
      /could not save the output notebook .*: disk on fire \(the run itself completed; an earlier autosave is at /,
    );
    const nb = parseNotebook(readFileSync(uri), uri);
    expect((nb.metadata.papermill as JsonObject).end_time).toBeNull(); // the autosave, not a final record
  } finally {
    failFinalSaves = false;
  }
});

// Last: it disposes the worker's kernel provider.
it('reports the partial output notebook when the kernel provider shuts the kernel down mid-run', async () => {
  shutDownAtStep2 = true;
  const wf = await runNotebookTaskWorkflow(
    stack,
    'partial_provider_shutdown',
    { notebook: fixturePath('long-cell'), parameters: { steps: 240, delay: 0.25 } },
    {},
  );
  const task = onlyAttempt(wf.tasks);
  expect(task.status).toBe('FAILED'); // retryable: not the workflow's fault
  const uri = task.outputData.outputNotebook;
  expect(typeof uri).toBe('string');
  expect(task.outputData.error).toMatchObject({ code: 'E_ABORTED', ename: 'ExecutionAborted' });
  expect(task.reasonForIncompletion).toContain('has been shut down');
  expect(task.reasonForIncompletion).toContain(`output notebook: ${String(uri)}`);
  const nb = parseNotebook(readFileSync(String(uri)), String(uri));
  expect((nb.metadata.papermill as JsonObject).exception).toBe(true);
  expect(JSON.stringify(nb.cells)).toContain('step 2');
});
