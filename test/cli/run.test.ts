/** `nbconductor run` and `inspect` as a user drives them: flags, exit codes, files written. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { JsonObject } from '../../src/json';
import { parseNotebook } from '../../src/notebook/io';
import type { CodeCell, Notebook } from '../../src/notebook/types';
import { runBin, runCli } from '../helpers/cli';
import { fixturePath } from '../helpers/fixtures';
import { startTestJupyterServer, type TestJupyterServer } from '../helpers/jupyter-server';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nbc-cli-'));
});

afterAll(async () => {
  // no temp file from an atomic write may be left behind
  expect(readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.nbc-tmp'))).toBe(false);
  await rm(dir, { recursive: true, force: true });
});

async function readNb(p: string): Promise<Notebook> {
  return parseNotebook(await readFile(path.resolve(dir, p)), p);
}

function injected(nb: Notebook): string {
  return (
    nb.cells.find((c) => (c.metadata.tags as string[] | undefined)?.includes('injected-parameters'))
      ?.source ?? ''
  );
}

describe('nbconductor run', () => {
  it('runs a notebook with typed -p/-r parameters and prints the output path', async () => {
    const r = await runCli(
      [
        'run',
        fixturePath('typed-params'),
        'typed.ipynb',
        '-p',
        'a',
        '12',
        '-p',
        'b',
        '2.0',
        '-p',
        'g',
        'False',
        '-p',
        'd',
        'None',
        '-p',
        'c',
        'text',
        '-r',
        'e',
        '42',
      ],
      { cwd: dir },
    );
    expect(r).toMatchObject({ code: 0, stdout: 'typed.ipynb\n' });
    expect(statSync(path.join(dir, 'typed.ipynb')).mode & 0o777).toBe(0o600); // security.outputFileMode
    const nb = await readNb('typed.ipynb');
    expect(injected(nb)).toBe('# Parameters\na = 12\nb = 2.0\ng = False\nd = None\nc = "text"\ne = "42"\n');
  });

  it('records ints beyond 2^53 exactly, and a re-run with no parameters keeps the injected cell and the recorded parameters (papermill)', async () => {
    const first = await runCli(
      ['run', fixturePath('simple'), 'big.ipynb', '-p', 'msg', '18446744073709551617'],
      {
        cwd: dir,
      },
    );
    expect(first.code).toBe(0);
    const raw = await readFile(path.join(dir, 'big.ipynb'), 'utf8');
    expect(raw).toMatch(/"parameters": \{\n\s+"msg": 18446744073709551617\n/);
    expect(injected(await readNb('big.ipynb'))).toBe('# Parameters\nmsg = 18446744073709551617\n');

    const again = await runCli(['run', 'big.ipynb', 'again.ipynb'], { cwd: dir });
    expect(again.code).toBe(0);
    const rerun = await readFile(path.join(dir, 'again.ipynb'), 'utf8');
    expect(rerun).toMatch(/"parameters": \{\n\s+"msg": 18446744073709551617\n/);
    const nb = await readNb('again.ipynb');
    expect(injected(nb)).toBe('# Parameters\nmsg = 18446744073709551617\n');
    const printed = nb.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : []));
    expect(JSON.stringify(printed)).toContain('18446744073709551617\\n');
  });

  it('merges -b, -f, -y, -p and -r with papermill precedence', async () => {
    await writeFile(path.join(dir, 'params.yaml'), 'c: from-file\na: 2\nf: {k: 1}\n');
    const b64 = Buffer.from('c: from-b64\na: 1\nd: kept\n').toString('base64');
    const r = await runCli(
      [
        'run',
        fixturePath('typed-params'),
        'merged.ipynb',
        '-b',
        b64,
        '-f',
        'params.yaml',
        '-y',
        'a: 3\ne: [1, 2]\ndate: 2019-01-01',
        '-p',
        'a',
        '4',
        '-r',
        'a',
        '5',
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    const nb = await readNb('merged.ipynb');
    expect((nb.metadata.papermill as JsonObject).parameters).toEqual({
      c: 'from-file',
      a: '5',
      d: 'kept',
      f: { k: 1 },
      e: [1, 2],
      date: '2019-01-01',
    });
  });

  it('renders a nunjucks output template over parameters and run facts', async () => {
    const r = await runCli(
      ['run', fixturePath('simple'), 'out/{{ msg | slug }}-{{ run_id }}.ipynb', '-p', 'msg', 'Hello World'],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    const written = r.stdout.trim();
    expect(written).toMatch(/^out\/hello-world-\d{8}T\d{6}Z-[0-9a-f]{6}\.ipynb$/);
    expect(existsSync(path.join(dir, written))).toBe(true);
  });

  it('writes to a default location when OUTPUT is omitted, and to stdout with "-"', async () => {
    const root = path.join(dir, 'default-root');
    const r = await runCli(['run', fixturePath('trivial'), '-p', 'n', '5'], {
      cwd: dir,
      env: { NBCONDUCTOR_OUTPUT_ROOT: root },
    });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().startsWith(path.join(root, 'trivial'))).toBe(true);
    const piped = await runCli(['run', fixturePath('trivial'), '-', '-p', 'n', '5'], { cwd: dir });
    expect(piped.code).toBe(0);
    const nb = parseNotebook(piped.stdout, 'stdout');
    expect(((nb.cells[3] as CodeCell).outputs[0] as { text: string }).text).toBe('10\n');
  });

  it.each([
    ['cell-error', [], 1],
    ['kernel-death', [], 138],
    ['timeout', ['--execution-timeout', '1'], 1],
    ['sysexit0', [], 0],
    ['sysexit1', [], 1],
  ])('exits with papermill codes: %s → %i, output written', async (fixture, extra, code) => {
    const out = `exit-${fixture}.ipynb`;
    const r = await runCli(['run', fixturePath(fixture), out, ...extra], { cwd: dir });
    expect(r.code).toBe(code);
    expect(existsSync(path.join(dir, out))).toBe(true);
  });

  it.each([
    [
      ['run', fixturePath('invalid-json'), 'x1.ipynb'],
      /invalid-json\.ipynb is not valid JSON: .* at line 3, column \d+/,
    ],
    [
      ['run', fixturePath('invalid-schema'), 'x2.ipynb'],
      /cells\[0\]\.outputs\[0\]: must have required property 'name'/,
    ],
    [['run', 'missing.ipynb', 'x3.ipynb'], /missing\.ipynb.*no such file/],
    [
      ['run', fixturePath('simple'), 'x4.ipynb', '-k', 'nosuchkernel'],
      /no kernel named \\"nosuchkernel\\".*available: python3/,
    ],
    [
      ['run', fixturePath('simple'), 'x5.ipynb', '-k', 'cobol', '-l', 'cobol', '-p', 'msg', 'x'],
      /translator.*cobol/i,
    ],
    [['run', fixturePath('simple'), 'x6.ipynb', '-p', 'msg'], /needs two values/],
    [['run', fixturePath('simple'), 'x7.ipynb', '-y', 'a: [1'], /-y/],
    [
      ['run', fixturePath('simple'), 'x8.ipynb', '--execution-timeout', 'soon'],
      /--execution-timeout must be a number/,
    ],
    [
      ['run', fixturePath('simple'), 'x9.ipynb', '-p', 'msg', 'x', '-p', 'None', '1'],
      /parameter None for Python: .{0,4}None.{0,4} is reserved in Python/,
    ],
  ])('exits 2 on bad usage or input, writing nothing: %j', async (args, message) => {
    const r = await runCli(args, { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    const out = args[2] as string;
    expect(existsSync(path.join(dir, out))).toBe(false);
  });

  it('refuses to replace an existing output with --no-overwrite', async () => {
    await writeFile(path.join(dir, 'keep.ipynb'), 'precious');
    const r = await runCli(['run', fixturePath('simple'), 'keep.ipynb', '--no-overwrite'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/exists/);
    expect(await readFile(path.join(dir, 'keep.ipynb'), 'utf8')).toBe('precious');
    const replaced = await runCli(['run', fixturePath('simple'), 'keep.ipynb'], { cwd: dir });
    expect(replaced.code).toBe(0);
  });

  it('only injects with --prepare-only, and hides inputs with --report-mode', async () => {
    const r = await runCli(
      ['run', fixturePath('report-mode'), 'prep.ipynb', '--prepare-only', '--report-mode', '-p', 'a', '3'],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    const nb = await readNb('prep.ipynb');
    expect(injected(nb)).toBe('# Parameters\na = 3\n');
    expect((nb.cells[2] as CodeCell).execution_count).toBeNull();
    expect(((nb.cells[2] as CodeCell).metadata.jupyter as JsonObject).source_hidden).toBe(true);
  });

  it('streams cell output to the log with --log-output', async () => {
    const r = await runCli(
      ['run', fixturePath('simple'), 'logged.ipynb', '--log-output', '-p', 'msg', 'visible-in-log'],
      {
        cwd: dir,
        env: { NBCONDUCTOR_LOG_LEVEL: 'info' },
      },
    );
    expect(r.code).toBe(0);
    const lines = r.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; cell?: number });
    expect(lines.some((l) => l.msg === 'visible-in-log\n' && l.cell === 2)).toBe(true);
    expect(lines.some((l) => l.msg.startsWith('Executing Cell 3---'))).toBe(true);
  });

  it('stops on abort (SIGINT), saving the partial output', async () => {
    const controller = new AbortController();
    const pending = runCli(['run', fixturePath('timeout'), 'aborted.ipynb', '--autosave-cell-every', '0.2'], {
      cwd: dir,
      signal: controller.signal,
    });
    // wait until the long cell has started (its output has been autosaved), then "press Ctrl-C"
    const target = path.join(dir, 'aborted.ipynb');
    for (
      let i = 0;
      i < 300 && !(existsSync(target) && (await readFile(target, 'utf8')).includes('sleeping'));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    controller.abort();
    const r = await pending;
    expect(r.code).toBe(130);
    const nb = await readNb('aborted.ipynb');
    expect(JSON.stringify(nb)).toContain('ExecutionAborted');
  });

  it('runs on kernels from a Jupyter Server given by --jupyter-url and --jupyter-token', async () => {
    const server: TestJupyterServer = await startTestJupyterServer({ rootDir: '/' });
    try {
      const r = await runCli(
        [
          'run',
          fixturePath('simple'),
          'remote.ipynb',
          '-p',
          'msg',
          'via-server',
          '--jupyter-url',
          server.url,
          '--jupyter-token',
          server.token,
        ],
        { cwd: dir },
      );
      expect(r.code).toBe(0);
      expect(JSON.stringify(await readNb('remote.ipynb'))).toContain('via-server');
      const bad = await runCli(
        [
          'run',
          fixturePath('simple'),
          'remote-bad.ipynb',
          '--jupyter-url',
          server.url,
          '--jupyter-token',
          'wrong',
        ],
        { cwd: dir },
      );
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).not.toContain(server.token);
    } finally {
      await server.stop();
    }
  });

  it('starts its own Jupyter Server with --kernel-provider jupyter-server, and stops it', async () => {
    const r = await runCli(
      [
        'run',
        fixturePath('trivial'),
        'own-server.ipynb',
        '--kernel-provider',
        'jupyter-server',
        '-p',
        'n',
        '21',
      ],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(JSON.stringify(await readNb('own-server.ipynb'))).toContain('42');
  });

  it("keeps nbconductor's own credentials out of the kernel's environment", async () => {
    const r = await runCli(
      [
        'run',
        fixturePath('env-probe'),
        'env.ipynb',
        '-y',
        'names: [CONDUCTOR_AUTH_SECRET, NBCONDUCTOR_JUPYTER_TOKEN, AWS_ACCESS_KEY_ID]',
      ],
      {
        cwd: dir,
        env: {
          CONDUCTOR_AUTH_SECRET: 'conductor-secret-value',
          NBCONDUCTOR_JUPYTER_TOKEN: 'jupyter-token-value',
          AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        },
      },
    );
    expect(r.code).toBe(0);
    const printed = JSON.parse(
      ((await readNb('env.ipynb')).cells[2] as CodeCell).outputs
        .map((o) => (o as { text: string }).text)
        .join(''),
    );
    expect(printed).toEqual({
      CONDUCTOR_AUTH_SECRET: null,
      NBCONDUCTOR_JUPYTER_TOKEN: null,
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    });
  });

  it('works as an installed binary (bin/nbconductor.js)', async () => {
    const r = await runBin(
      ['run', fixturePath('trivial'), 'bin.ipynb', '-p', 'n', '4', '--no-progress-bar'],
      { cwd: dir },
    );
    expect(r).toMatchObject({ code: 0, stdout: 'bin.ipynb\n' });
    const usage = await runBin(['run'], { cwd: dir });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing required argument 'input'/);
  });
});

describe('nbconductor inspect', () => {
  it('lists parameters in papermill --help-notebook style', async () => {
    const r = await runCli(['inspect', fixturePath('inspect-complex-parameters')], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Parameters inferred for notebook '");
    expect(r.stdout).toMatch(/ {2}a: float \(default 2\.25\) +Variable a/);
  });

  it('prints JSON with --json, for Python and R notebooks', async () => {
    const py = await runCli(['inspect', '--json', fixturePath('simple')], { cwd: dir });
    expect(JSON.parse(py.stdout)).toMatchObject({
      hasParametersCell: true,
      parameters: [{ name: 'msg', default: 'None' }],
    });
    const r = await runCli(['inspect', '--json', fixturePath('inspect-r')], { cwd: dir });
    const parsed = JSON.parse(r.stdout) as { supported: boolean; parameters: { name: string }[] };
    expect(parsed.supported).toBe(true);
    expect(parsed.parameters.length).toBeGreaterThan(0);
  });

  it('says so when there is no parameters cell', async () => {
    const r = await runCli(['inspect', fixturePath('no-parameters')], { cwd: dir });
    expect(r.stdout).toContain("No cell tagged 'parameters'");
  });
});
