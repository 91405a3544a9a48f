/** Kernelspec discovery over real directories (no kernels are started here). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { NbcError } from '../../src/errors';
import {
  expandArgv,
  expandSpecEnv,
  findKernelSpecs,
  getKernelSpec,
  kernelSearchPaths,
  type KernelSpecSearchOptions,
} from '../../src/kernel/kernelspec';
import { captureLogger } from '../helpers/logger';
import { testVenv } from '../helpers/python';
import { removeTempDirs, tempDir } from './local-support';

const tmp = tempDir;

afterAll(removeTempDirs);

/** Write `kernels/<name>/kernel.json` under `dataDir`. */
async function writeSpec(dataDir: string, name: string, spec: unknown): Promise<string> {
  const dir = path.join(dataDir, 'kernels', name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'kernel.json'), typeof spec === 'string' ? spec : JSON.stringify(spec));
  return dir;
}

function spec(displayName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    argv: ['python', '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
    display_name: displayName,
    language: 'python',
    ...extra,
  };
}

function options(overrides: Partial<KernelSpecSearchOptions> = {}): KernelSpecSearchOptions {
  return { jupyterPath: [], userDataDir: tmp('nbc-user-'), envPrefixes: [], systemDirs: [], ...overrides };
}

describe('kernelspec discovery', () => {
  test('the project venv provides python3 running the venv interpreter', async () => {
    const venv = testVenv();
    const found = await getKernelSpec('python3', options({ envPrefixes: [venv.prefix] }));
    expect(found.argv).toEqual([venv.python, '-m', 'ipykernel_launcher', '-f', '{connection_file}']);
    expect(found.resourceDir).toBe(path.join(venv.prefix, 'share', 'jupyter', 'kernels', 'python3'));
    expect(found.language).toBe('python');
    expect(found.interruptMode).toBe('signal');
  });

  test('earlier directories win: JUPYTER_PATH, then user data dir, then env prefixes, then system dirs', async () => {
    const jp = tmp('nbc-jp-');
    const user = tmp('nbc-user-');
    const prefix = tmp('nbc-prefix-');
    const system = tmp('nbc-system-');
    await writeSpec(jp, 'alpha', spec('alpha from JUPYTER_PATH'));
    await writeSpec(user, 'alpha', spec('alpha from user'));
    await writeSpec(user, 'beta', spec('beta from user'));
    await writeSpec(path.join(prefix, 'share', 'jupyter'), 'beta', spec('beta from env'));
    await writeSpec(path.join(prefix, 'share', 'jupyter'), 'gamma', spec('gamma from env'));
    await writeSpec(system, 'gamma', spec('gamma from system'));
    await writeSpec(system, 'delta', spec('delta from system'));
    const opts = options({
      jupyterPath: [jp],
      userDataDir: user,
      envPrefixes: [prefix],
      systemDirs: [system],
    });
    const specs = await findKernelSpecs(opts);
    expect(specs.get('alpha')?.displayName).toBe('alpha from JUPYTER_PATH');
    expect(specs.get('beta')?.displayName).toBe('beta from user');
    expect(specs.get('gamma')?.displayName).toBe('gamma from env');
    expect(specs.get('delta')?.displayName).toBe('delta from system');
    expect(kernelSearchPaths(opts)).toEqual([
      path.join(jp, 'kernels'),
      path.join(user, 'kernels'),
      path.join(prefix, 'share', 'jupyter', 'kernels'),
      path.join(system, 'kernels'),
    ]);
  });

  test('python argv[0] means the env interpreter only for specs inside an env prefix', async () => {
    const jp = tmp('nbc-jp-');
    const prefix = tmp('nbc-prefix-');
    await writeSpec(
      jp,
      'plain',
      spec('plain', { argv: ['python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'] }),
    );
    await writeSpec(
      path.join(prefix, 'share', 'jupyter'),
      'inenv',
      spec('in env', { argv: ['python3.11', '-m', 'x'] }),
    );
    await writeSpec(
      path.join(prefix, 'share', 'jupyter'),
      'other',
      spec('not python', { argv: ['/opt/julia/bin/julia', '-i'] }),
    );
    const specs = await findKernelSpecs(options({ jupyterPath: [jp], envPrefixes: [prefix] }));
    expect(specs.get('plain')?.argv[0]).toBe('python3');
    expect(specs.get('inenv')?.argv[0]).toBe(path.join(prefix, 'bin', 'python'));
    expect(specs.get('other')?.argv[0]).toBe('/opt/julia/bin/julia');
  });

  test('names are matched case-insensitively', async () => {
    const jp = tmp('nbc-jp-');
    await writeSpec(jp, 'MyKernel', spec('Mixed case'));
    const found = await getKernelSpec('MYKERNEL', options({ jupyterPath: [jp] }));
    expect(found.name).toBe('mykernel');
    expect(found.displayName).toBe('Mixed case');
  });

  test('reads env, interrupt_mode and metadata', async () => {
    const jp = tmp('nbc-jp-');
    await writeSpec(
      jp,
      'rich',
      spec('rich', {
        env: { FOO: 'bar', PATHX: '${HOME}/bin:$MISSING' },
        interrupt_mode: 'message',
        metadata: { debugger: true },
      }),
    );
    const found = await getKernelSpec('rich', options({ jupyterPath: [jp] }));
    expect(found.interruptMode).toBe('message');
    expect(found.metadata).toEqual({ debugger: true });
    expect(expandSpecEnv(found, { HOME: '/home/u' })).toEqual({ FOO: 'bar', PATHX: '/home/u/bin:$MISSING' });
    expect(expandArgv(found, '/tmp/c.json')).toEqual([
      'python',
      '-m',
      'ipykernel_launcher',
      '-f',
      '/tmp/c.json',
    ]);
  });

  test('a broken kernel.json is skipped with a warning, the rest still load', async () => {
    const jp = tmp('nbc-jp-');
    await writeSpec(jp, 'good', spec('good'));
    await writeSpec(jp, 'notjson', '{ "argv": [');
    await writeSpec(jp, 'noargv', { display_name: 'no argv', language: 'python' });
    await writeSpec(jp, 'badmode', spec('bad mode', { interrupt_mode: 'telepathy' }));
    const { logger, lines } = captureLogger('warn');
    const specs = await findKernelSpecs(options({ jupyterPath: [jp], logger }));
    expect([...specs.keys()]).toEqual(['good']);
    const warned = lines.map((l) => String(l.msg)).join('\n');
    expect(warned).toContain('notjson');
    expect(warned).toContain('noargv');
    expect(warned).toContain('badmode');
    expect(lines.find((l) => String(l.msg).includes('badmode'))?.err).toContain('interrupt_mode');
  });

  test('a fresh venv without an installed spec still has a built-in python3', async () => {
    const prefix = tmp('nbc-bare-venv-');
    const specs = await findKernelSpecs(options({ envPrefixes: [prefix] }));
    const py = specs.get('python3');
    expect(py?.argv).toEqual([
      path.join(prefix, 'bin', 'python'),
      '-m',
      'ipykernel_launcher',
      '-f',
      '{connection_file}',
    ]);
    expect(py?.resourceDir).toBe(`builtin:${prefix}`);
  });

  test('an unknown name → E_KERNEL_NOT_FOUND naming the available kernels and the searched paths', async () => {
    const jp = tmp('nbc-jp-');
    await writeSpec(jp, 'ir', spec('R', { language: 'R' }));
    const opts = options({ jupyterPath: [jp], envPrefixes: [testVenv().prefix] });
    const err: unknown = await getKernelSpec('julia-1.10', opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbcError);
    const e = err as NbcError;
    expect(e.code).toBe('E_KERNEL_NOT_FOUND');
    expect(e.message).toContain('"julia-1.10"');
    expect(e.message).toContain('available: ir, python3');
    expect(e.message).toContain(path.join(jp, 'kernels'));
    expect(e.details.available).toEqual(['ir', 'python3']);
  });

  test('missing directories are simply empty', async () => {
    const specs = await findKernelSpecs(
      options({ jupyterPath: ['/nonexistent/nbc/path'], systemDirs: ['/nonexistent/sys'] }),
    );
    expect(specs.size).toBe(0);
  });
});
