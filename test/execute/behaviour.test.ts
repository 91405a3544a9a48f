/**
 * Notebook execution behaviour, identical for both kernel providers: real ipykernel kernels, launched
 * directly (local) or through a real Jupyter Server (jupyter-server), driven through runNotebook with
 * file storage in a temp dir.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { isNbcError } from '../../src/errors';
import type { JsonObject } from '../../src/json';
import { parseNotebook } from '../../src/notebook/io';
import type { KernelSession } from '../../src/kernel/provider';
import type { CodeCell, Notebook, StreamOutput } from '../../src/notebook/types';
import type { Parameters } from '../../src/notebook/values';
import {
  runNotebook,
  type RunNotebookDeps,
  type RunNotebookOutcome,
  type RunNotebookRequest,
} from '../../src/runner/run-notebook';
import { createStorage, type Storage } from '../../src/storage';
import { fixturePath } from '../helpers/fixtures';
import { quietLogger } from '../helpers/logger';
import { validateWithNbformat } from '../helpers/nbformat';
import { PROVIDER_KINDS, startTestProvider, type TestProvider } from '../helpers/providers';

const logger = quietLogger();

function code(nb: Notebook, index: number): CodeCell {
  const cell = nb.cells[index];
  if (!cell || cell.cell_type !== 'code') throw new Error(`cell ${index} is not a code cell`);
  return cell;
}

function stdout(cell: CodeCell): string {
  return cell.outputs
    .filter((o): o is StreamOutput => o.output_type === 'stream' && o.name === 'stdout')
    .map((o) => o.text)
    .join('');
}

function status(nb: Notebook, index: number): unknown {
  return (nb.cells[index]?.metadata.papermill as JsonObject | undefined)?.status;
}

describe.each(PROVIDER_KINDS)('notebook execution with the %s provider', (kind) => {
  let provider: TestProvider;
  let dir: string;
  let storage: Storage;
  const written: string[] = [];

  beforeAll(async () => {
    provider = await startTestProvider(kind, logger);
    dir = await mkdtemp(path.join(os.tmpdir(), `nbc-exec-${kind}-`));
    storage = createStorage({
      cwd: dir,
      s3: {
        endpoint: null,
        region: 'us-east-1',
        forcePathStyle: true,
        accessKeyId: null,
        secretAccessKey: null,
        sessionToken: null,
        maxAttempts: 1,
        multipartThresholdBytes: 16 << 20,
      },
      logger,
    });
  });

  afterAll(async () => {
    await provider?.stop();
    await storage?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A run request with the test defaults (overwrite, 60 s start, no cell/total timeouts, 30 s autosave). */
  function request(
    fixture: string,
    output: string,
    parameters: Parameters = {},
    extra: Partial<RunNotebookRequest> = {},
  ): RunNotebookRequest {
    return {
      input: fixturePath(fixture),
      output,
      parameters,
      overwrite: true,
      startTimeoutMs: 60_000,
      cellTimeoutMs: null,
      totalTimeoutMs: null,
      autosaveCellEverySec: 30,
      cwd: dir,
      ...extra,
    };
  }

  /** File storage in the temp dir and kernels from the provider under test, unless overridden. */
  function deps(extra: Partial<RunNotebookDeps> = {}): RunNotebookDeps {
    return {
      storage,
      startKernel: (name, o) => provider.provider.startKernel({ kernelName: name, ...o }),
      logger,
      version: 'test',
      ...extra,
    };
  }

  async function run(
    fixture: string,
    parameters: Parameters = {},
    extra: Partial<RunNotebookRequest> = {},
    signal?: AbortSignal,
  ): Promise<RunNotebookOutcome & { saved: Notebook }> {
    const output = path.join(dir, `${fixture}-${written.length}.ipynb`);
    written.push(output);
    const outcome = await runNotebook(request(fixture, output, parameters, extra), deps({ signal }));
    const saved = parseNotebook(await readFile(extra.output ?? output), output);
    return { ...outcome, saved };
  }

  it('injects parameters after the parameters cell, runs every cell and records papermill metadata', async () => {
    const r = await run('simple', { msg: 'Hello' });
    expect(r.status).toBe('completed');
    const nb = r.saved;
    expect(nb.cells[1]?.source).toBe('# Parameters\nmsg = "Hello"\n');
    expect(nb.cells[1]?.metadata.tags).toEqual(['injected-parameters']);
    expect(stdout(code(nb, 2))).toBe('Hello\n');
    expect(nb.cells.map((_, i) => status(nb, i))).toEqual([
      'completed',
      'completed',
      'completed',
      'completed',
    ]);
    const meta = nb.metadata.papermill as JsonObject;
    expect(meta.parameters).toEqual({ msg: 'Hello' });
    expect(meta.exception).toBeNull();
    expect(typeof meta.duration).toBe('number');
    expect(meta.input_path).toBe(fixturePath('simple'));
    expect((nb.metadata.language_info as JsonObject).name).toBe('python');
    expect(code(nb, 2).execution_count).toBeGreaterThan(0);
  });

  it('keeps parameter types (int, float, str, None, list, dict, bool) in the kernel', async () => {
    const r = await run('typed-params', {
      a: 7,
      b: 1.5,
      c: 'it\'s "quoted"\n',
      d: null,
      e: [1, 'x'],
      f: { k: [true] },
      g: false,
    });
    const printed = JSON.parse(stdout(code(r.saved, 2))) as Record<string, [string, unknown]>;
    expect(printed).toEqual({
      a: ['int', 7],
      b: ['float', 1.5],
      c: ['str', 'it\'s "quoted"\n'],
      d: ['NoneType', null],
      e: ['list', [1, 'x']],
      f: ['dict', { k: [true] }],
      g: ['bool', false],
    });
  });

  it('stops at a cell error, keeps earlier outputs and marks the failure as papermill does', async () => {
    const r = await run('cell-error');
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('E_CELL_ERROR');
    expect(r.execution?.failure).toMatchObject({ ename: 'ZeroDivisionError', evalue: 'division by zero' });
    const nb = r.saved;
    // banner first, anchor right before the failing cell, both tagged
    expect(nb.cells[0]?.cell_type).toBe('markdown');
    expect(nb.cells[0]?.source).toMatch(
      /An Exception was encountered at '<a href="#papermill-error-cell">In \[3\]<\/a>'/,
    );
    const failing = r.execution?.failure?.cellIndex as number;
    expect(nb.cells[failing - 1]?.source).toContain('id="papermill-error-cell"');
    // The message counts cells from 1, as the viewer does: the failing cell is the (failing + 1)th.
    expect(r.error?.message).toContain(`at cell ${failing + 1} (In [3])`);
    expect(
      nb.cells.filter((c) => (c.metadata.tags as string[]).includes('papermill-error-cell-tag')),
    ).toHaveLength(2);
    const cell = code(nb, failing);
    expect(stdout(cell)).toBe('in the failing cell\n');
    expect(cell.outputs.at(-1)).toMatchObject({ output_type: 'error', ename: 'ZeroDivisionError' });
    expect(status(nb, failing)).toBe('failed');
    expect(code(nb, failing + 1).execution_count).toBeNull();
    expect(status(nb, failing + 1)).toBe('pending');
    expect((nb.metadata.papermill as JsonObject).exception).toBe(true);
  });

  it('reports a dead kernel quickly and still writes the output notebook', async () => {
    const started = Date.now();
    const r = await run('kernel-death');
    expect(r.error?.code).toBe('E_KERNEL_DIED');
    expect(Date.now() - started).toBeLessThan(20_000); // a dead kernel must not wait for a timeout
    const failing = r.execution?.failure?.cellIndex as number;
    expect(code(r.saved, failing).outputs.at(-1)).toMatchObject({
      output_type: 'error',
      ename: 'DeadKernelError',
    });
    expect(stdout(code(r.saved, failing - 2))).toBe('alive\n');
    expect(code(r.saved, failing + 1).execution_count).toBeNull();
  });

  it('interrupts a cell that exceeds the execution timeout', async () => {
    const r = await run('timeout', {}, { cellTimeoutMs: 1500 });
    expect(r.error?.code).toBe('E_CELL_TIMEOUT');
    const failing = r.execution?.failure?.cellIndex as number;
    const outputs = code(r.saved, failing).outputs;
    expect(outputs.some((o) => o.output_type === 'error' && o.ename === 'KeyboardInterrupt')).toBe(true);
    expect(outputs.at(-1)).toMatchObject({ output_type: 'error', ename: 'CellTimeoutError' });
    expect(stdout(code(r.saved, failing))).toContain('sleeping');
    expect(status(r.saved, failing)).toBe('failed');
    expect(code(r.saved, failing + 1).execution_count).toBeNull();
  });

  it('enforces a total timeout across cells', async () => {
    const r = await run('timeout', {}, { totalTimeoutMs: 2000 });
    expect(r.error?.code).toBe('E_TOTAL_TIMEOUT');
    expect(r.error?.message).toContain('total timeout');
  });

  it('fails a cell that asks for input instead of hanging', async () => {
    const r = await run('stdin', {}, { cellTimeoutMs: 30_000 });
    expect(r.status).toBe('failed');
    expect(r.execution?.failure?.ename).toBe('StdinNotImplementedError');
  });

  it('treats sys.exit(0) as success without running later cells, and sys.exit(1) as failure', async () => {
    const ok = await run('sysexit0');
    expect(ok.status).toBe('completed');
    expect(code(ok.saved, 2).execution_count).toBeNull();
    // IPython 9 reports SystemExit on stderr (older versions as an error output); either way it ran
    expect(code(ok.saved, 1).execution_count).toBe(2);
    const bad = await run('sysexit1');
    expect(bad.status).toBe('failed');
    expect(bad.execution?.failure).toMatchObject({ ename: 'SystemExit', evalue: '1' });
  });

  it('honours raises-exception and skip-execution tags', async () => {
    const raises = await run('raises-exception');
    expect(raises.status).toBe('completed');
    expect(code(raises.saved, 0).outputs[0]).toMatchObject({ output_type: 'error', ename: 'ValueError' });
    expect(stdout(code(raises.saved, 1))).toBe('still running\n');
    const skip = await run('skip-execution');
    expect(skip.status).toBe('completed');
    expect(code(skip.saved, 0).outputs).toEqual([]);
    expect(code(skip.saved, 0).execution_count).toBeNull();
    expect(stdout(code(skip.saved, 1))).toBe('ran\n');
  });

  it('collects outputs as nbclient does: merged streams, \\r, display updates, clear_output(wait)', async () => {
    const r = await run('outputs');
    const nb = r.saved;
    expect(code(nb, 0).outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'a\nb\n' },
      { output_type: 'stream', name: 'stderr', text: 'err\n' },
      { output_type: 'stream', name: 'stdout', text: 'c\n' },
    ]);
    // update_display in cell 2 changed the display created in cell 1
    expect(code(nb, 1).outputs[0]).toMatchObject({
      output_type: 'display_data',
      data: { 'text/plain': "'updated'" },
    });
    expect(stdout(code(nb, 2))).toBe('progress 100%\n');
    expect(code(nb, 3).outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: 'after clear\n' }]);
    expect(code(nb, 4).outputs[0]).toMatchObject({
      output_type: 'execute_result',
      data: { 'text/plain': '42' },
    });
    expect(code(nb, 5).outputs[0]).toMatchObject({
      output_type: 'display_data',
      data: { 'text/html': '<b>bold</b>' },
    });
  });

  it('handles unicode in parameters, sources and outputs', async () => {
    const r = await run('unicode', { greeting: 'héllo ✓ 😀\n"quoted"' });
    expect(stdout(code(r.saved, 2))).toBe('héllo ✓ 😀\n"quoted"\nnaïve café — ✓ 😀 日本語\n');
  });

  it('keeps a multi-megabyte output intact', async () => {
    const r = await run('huge-output', { size_mb: 3 });
    expect(r.status).toBe('completed');
    expect(stdout(code(r.saved, 2)).length).toBe(3 * 1024 * 1024);
    expect(stdout(code(r.saved, 3))).toBe('done\n');
  });

  it('removes stale error markers from an earlier failed run', async () => {
    const r = await run('stale-error-markers');
    expect(r.status).toBe('completed');
    expect(
      r.saved.cells.some((c) => (c.metadata.tags as string[]).includes('papermill-error-cell-tag')),
    ).toBe(false);
  });

  it('hides inputs in report mode and only injects with prepare-only', async () => {
    const report = await run('report-mode', { a: 2 }, { reportMode: true });
    for (const c of report.saved.cells.filter((x) => x.cell_type === 'code')) {
      expect((c.metadata.jupyter as JsonObject).source_hidden).toBe(true);
    }
    const prepared = await run('report-mode', { a: 2 }, { prepareOnly: true });
    expect(prepared.status).toBe('prepared');
    expect(prepared.saved.cells[1]?.source).toBe('# Parameters\na = 2\n');
    expect(code(prepared.saved, 3).execution_count).toBeNull();
    expect((prepared.saved.metadata.papermill as JsonObject).start_time).toBeUndefined();
  });

  it('reads variables back from the kernel after the run', async () => {
    const r = await run('variables', { n: 4 }, { userExpressions: { total: 'total', summary: 'summary' } });
    const exprs = r.execution?.userExpressions ?? {};
    expect(exprs.total?.status).toBe('ok');
    expect(exprs.total?.data?.['text/plain']).toBe('6');
    expect(exprs.summary?.data?.['text/plain']).toBe("{'n': 4, 'total': 6}");
  });

  it('runs the kernel in the requested working directory', async () => {
    await writeFile(path.join(dir, 'check.txt'), 'here');
    const r = await run('simple', { msg: 'x' }, { cwd: dir });
    expect(r.status).toBe('completed');
    const probe = await run(
      'typed-params',
      {},
      { cwd: dir, userExpressions: { cwd: '__import__("os").getcwd()' } },
    );
    expect(probe.execution?.userExpressions?.cwd?.data?.['text/plain']).toBe(`'${dir}'`);
  });

  it('refuses to overwrite with overwrite=false before running, leaving the target untouched', async () => {
    const target = path.join(dir, 'existing.ipynb');
    await writeFile(target, 'precious');
    const err = await run('simple', {}, { output: target, overwrite: false }).catch((e: unknown) => e);
    expect(isNbcError(err, 'E_STORAGE_EXISTS')).toBe(true);
    expect(await readFile(target, 'utf8')).toBe('precious');
  });

  it('saves during a long cell (autosave) and stops cleanly on abort, keeping partial output', async () => {
    const saves: string[] = [];
    const controller = new AbortController();
    // Abort once step 6 has printed and a save has happened mid-cell (both events: on a loaded machine the
    // steps can arrive in one burst before the first autosave tick).
    let sawStep6 = false;
    const savedMidCell = (): boolean =>
      saves.some((s) => s.includes('step 2') && s.includes('"status": "running"'));
    const maybeAbort = (): void => {
      if (sawStep6 && savedMidCell()) controller.abort();
    };
    const recording: Storage = {
      ...storage,
      write: async (uri, body, opts) => {
        saves.push(
          typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString() : [...body].join(''),
        );
        const written = await storage.write(uri, body, opts);
        maybeAbort();
        return written;
      },
    };
    const output = path.join(dir, 'long.ipynb');
    const pending = runNotebook(
      request('long-cell', output, { steps: 40, delay: 0.25 }, { autosaveCellEverySec: 0.5 }),
      deps({
        storage: recording,
        signal: controller.signal,
        events: () => ({
          output: (_i, _c, change) => {
            if (change.kind === 'stream' && change.output.text.includes('step 6')) sawStep6 = true;
            maybeAbort();
          },
        }),
      }),
    );
    const r = await pending;
    expect(r.error?.code).toBe('E_ABORTED');
    // at least one save happened mid-cell, before the cell (and the run) ended
    expect(savedMidCell()).toBe(true);
    const final = parseNotebook(await readFile(output), output);
    const failing = r.execution?.failure?.cellIndex as number;
    expect(stdout(code(final, failing))).toContain('step 6');
    expect(status(final, failing)).toBe('failed');
    expect(code(final, failing).outputs.at(-1)).toMatchObject({
      output_type: 'error',
      ename: 'ExecutionAborted',
    });
  });

  /**
   * The long-cell notebook on a kernel from `start`; `onStep(session)` runs once, when "step 2" has been
   * printed, i.e. mid-cell.
   */
  async function runInterrupted(
    name: string,
    start: RunNotebookDeps['startKernel'],
    onStep: (session: KernelSession) => void,
  ): Promise<RunNotebookOutcome & { saved: Notebook; output: string }> {
    const output = path.join(dir, `${name}.ipynb`);
    written.push(output);
    let session: KernelSession | undefined;
    let fired = false;
    const outcome = await runNotebook(
      request('long-cell', output, { steps: 240, delay: 0.25 }),
      deps({
        startKernel: async (kernelName, o) => (session = await start(kernelName, o)),
        events: () => ({
          output: (_i, _c, change) => {
            if (fired || change.kind !== 'stream' || !change.output.text.includes('step 2')) return;
            fired = true;
            if (session) onStep(session);
          },
        }),
      }),
    );
    return { ...outcome, output, saved: parseNotebook(await readFile(output), output) };
  }

  function expectPartialRecord(r: RunNotebookOutcome & { saved: Notebook }): void {
    const failing = r.execution?.failure?.cellIndex as number;
    expect(failing).toEqual(expect.any(Number));
    expect(stdout(code(r.saved, failing))).toContain('step 2');
    expect(status(r.saved, failing)).toBe('failed');
    expect(code(r.saved, failing + 1).execution_count).toBeNull();
    expect(status(r.saved, failing + 1)).toBe('pending');
    const meta = r.saved.metadata.papermill as JsonObject;
    expect(meta.exception).toBe(true);
    expect(typeof meta.end_time).toBe('string');
    expect(r.saved.cells[0]?.source).toContain('An Exception was encountered');
  }

  it('saves the partial output when the provider shuts the kernel down mid-cell (not our own stop)', async () => {
    const other = provider.fresh();
    try {
      const r = await runInterrupted(
        'provider-shutdown',
        (kernelName, o) => other.startKernel({ kernelName, ...o }),
        () => void other.dispose(),
      );
      expect(r.status).toBe('failed');
      expect(r.error?.code).toBe('E_ABORTED');
      expect(r.error?.message).toContain('has been shut down');
      expectPartialRecord(r);
      const failing = r.execution?.failure?.cellIndex as number;
      expect(code(r.saved, failing).outputs.at(-1)).toMatchObject({
        output_type: 'error',
        ename: 'ExecutionAborted',
      });
    } finally {
      await other.dispose();
    }
  });

  it('saves the partial output when another process shuts the kernel down mid-cell', async () => {
    const r = await runInterrupted(
      'shutdown-elsewhere',
      (kernelName, o) => provider.provider.startKernel({ kernelName, ...o }),
      (session) => void provider.shutDownElsewhere(session),
    );
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('E_KERNEL_DIED');
    expectPartialRecord(r);
  });

  it('reports a failed final save with the URI and the cause, keeping the run outcome', async () => {
    let failWrites = false;
    const failing: Storage = {
      ...storage,
      write: async (uri, body, opts) => {
        if (failWrites) throw new Error('disk on fire');
        return storage.write(uri, body, opts);
      },
    };
    const output = path.join(dir, 'final-save-fails.ipynb');
    const r = await runNotebook(
      request('simple', output, { msg: 'saved?' }),
      deps({
        storage: failing,
        events: (nb) => ({
          cellEnd: (index) => void (index === nb.cells.length - 1 ? (failWrites = true) : undefined),
        }),
      }),
    );
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('E_STORAGE');
    expect(r.error?.message).toContain(output);
    expect(r.error?.message).toContain('disk on fire');
    expect(r.execution?.status).toBe('completed');
    expect(r.execution?.cells.executed).toBeGreaterThan(0);
    // an earlier autosave is on disk (stale, but it is what there is)
    expect(r.saves.saves).toBeGreaterThan(0);
    expect(existsSync(output)).toBe(true);
  });

  it('fails the run as aborted when the stop comes while reading output variables', async () => {
    const controller = new AbortController();
    const output = path.join(dir, 'abort-at-outputs.ipynb');
    written.push(output);
    const r = await runNotebook(
      request('variables', output, { n: 4 }, { userExpressions: { total: 'total' } }),
      deps({
        signal: controller.signal,
        events: (nb) => ({
          cellEnd: (index) => void (index === nb.cells.length - 1 ? controller.abort() : undefined),
        }),
      }),
    );
    expect(r.status).toBe('failed');
    expect(r.error?.code).toBe('E_ABORTED');
    const saved = parseNotebook(await readFile(output), output);
    expect((saved.metadata.papermill as JsonObject).exception).toBe(true);
  });

  it('writes notebooks that nbformat validates', async () => {
    const results = validateWithNbformat(...written.filter((p) => existsSync(p)));
    expect(results.length).toBeGreaterThan(15);
    expect(results.filter((x) => !x.ok)).toEqual([]);
  });
});
