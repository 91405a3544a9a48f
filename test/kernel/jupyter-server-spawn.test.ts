/**
 * The jupyter-server provider starting its own Jupyter Server from .venv (`{ spawn }`): it serves kernels,
 * applies the nodelay config, and leaves no process or temp file behind after dispose().
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { NbcError } from '../../src/errors';
import { createJupyterServerKernelProvider } from '../../src/kernel/jupyter-server/provider';
import { findFreePort, startJupyterServer } from '../../src/kernel/jupyter-server/server-process';
import { NODELAY_LOG_TEXT, renderServerConfig } from '../../src/kernel/jupyter-server/server-config';
import { captureLogger, quietLogger } from '../helpers/logger';
import { testVenv } from '../helpers/python';

let rootDir: string;

beforeAll(async () => {
  rootDir = await mkdtemp(path.join(os.tmpdir(), 'nbc-test-spawn-'));
});

afterAll(async () => {
  await rm(rootDir, { recursive: true, force: true });
});

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function rejection(p: Promise<unknown>): Promise<NbcError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof NbcError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

test('a spawned server serves a kernel with TCP_NODELAY, then stops with its kernel and temp files', async () => {
  const { logger, lines } = captureLogger('debug');
  const provider = createJupyterServerKernelProvider({
    spawn: { python: testVenv().python, rootDir, baseEnv: process.env },
    logger,
  });
  let pid = -1;
  let kernelPid = -1;
  try {
    const info = await provider.server();
    pid = info.pid ?? -1;
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(info.token).toMatch(/^[0-9a-f]{48}$/);
    expect(processExists(pid)).toBe(true);

    const kernel = await provider.startKernel({ kernelName: 'python3', startTimeoutMs: 30_000, logger });
    const out: string[] = [];
    const reply = await kernel.execute(
      { code: 'import os\nprint(os.getpid())\nprint(os.getcwd())' },
      { onIOPub: (m) => m.header.msg_type === 'stream' && out.push((m.content as { text: string }).text) },
    );
    expect(reply.content.status).toBe('ok');
    const [kpid, cwd] = out.join('').trim().split('\n');
    kernelPid = Number(kpid);
    expect(cwd).toBe(rootDir);
    expect(processExists(kernelPid)).toBe(true);

    const messages = lines.map((l) => String(l.msg ?? ''));
    // The config file was loaded and patched the handler; the open websocket really has the option.
    expect(messages.some((m) => m.includes('TCP_NODELAY patch installed'))).toBe(true);
    // the 50 ms kernel nudge found jupyter_server's connection class (a server upgrade that moves it fails here)
    expect(messages.some((m) => m.includes('fast kernel nudge installed'))).toBe(true);
    expect(messages.some((m) => m.includes(`${NODELAY_LOG_TEXT}1`))).toBe(true);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]); // no warnings
    // The token never reaches the logs.
    expect(JSON.stringify(lines)).not.toContain(info.token);
  } finally {
    await provider.dispose();
  }
  expect(processExists(pid)).toBe(false);
  expect(processExists(kernelPid)).toBe(false); // dispose() shut the kernel down before the server
  const tempDirs = lines.map((l) => l.args).find(Array.isArray) as string[] | undefined;
  const configArg = tempDirs?.find((a) => a.startsWith('--config='));
  expect(configArg).toBeDefined();
  expect(existsSync(path.dirname(configArg!.slice('--config='.length)))).toBe(false);
  // A disposed provider starts no new server (the contract: E_ABORTED after dispose).
  expect((await rejection(provider.server())).code).toBe('E_ABORTED');
});

test('a server that cannot start fails with E_KERNEL_START and its stderr', async () => {
  const err = await rejection(
    startJupyterServer({
      python: testVenv().python,
      rootDir,
      baseEnv: process.env,
      logger: quietLogger(),
      // An unknown kernel manager class: jupyter_server exits during initialisation.
      extraArgs: ['--ServerApp.kernel_manager_class=no.such.Manager'],
    }),
  );
  expect(err.code).toBe('E_KERNEL_START');
  expect(err.message).toMatch(/Jupyter Server exited with code \d+ before it was ready/);
  expect(err.message).toContain('no.such');
});

test('a missing interpreter fails with E_KERNEL_START naming it', async () => {
  const err = await rejection(
    startJupyterServer({
      python: '/nonexistent/python3',
      rootDir,
      baseEnv: process.env,
      logger: quietLogger(),
    }),
  );
  expect(err.code).toBe('E_KERNEL_START');
  expect(err.message).toContain('could not be started');
  expect(err.message).toContain('/nonexistent/python3');
});

test('a missing root_dir is E_CONFIG', async () => {
  const err = await rejection(
    startJupyterServer({
      python: testVenv().python,
      rootDir: path.join(rootDir, 'missing'),
      baseEnv: process.env,
      logger: quietLogger(),
    }),
  );
  expect(err.code).toBe('E_CONFIG');
  expect(err.message).toContain('missing');
});

test('a server whose parent dies without stopping it stops itself', async () => {
  // A stand-in parent process (node) starts the server with our config naming it as the parent, then is
  // SIGKILLed, as a crashed CLI would be.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nbc-test-orphan-'));
  const token = 'orphan-test-token';
  const port = await findFreePort();
  const configFile = path.join(dir, 'config.py');
  const PLACEHOLDER = 987654321;
  await writeFile(
    configFile,
    renderServerConfig({
      token,
      nodelay: true,
      kernelEnv: false,
      deathPollSeconds: 1,
      autorestart: false,
      parentPid: PLACEHOLDER,
    }),
  );
  const script = `
    const { spawn } = require('node:child_process');
    const fs = require('node:fs');
    const [python, configFile, port, root] = process.argv.slice(1);
    fs.writeFileSync(configFile, fs.readFileSync(configFile, 'utf8').replace('${PLACEHOLDER}', String(process.pid)));
    const server = spawn(python, ['-m', 'jupyter_server', '--ip=127.0.0.1', '--port=' + port, '--no-browser',
      '--allow-root', '--ServerApp.root_dir=' + root, '--config=' + configFile], { stdio: 'ignore', detached: true });
    console.log(server.pid);
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['-e', script, testVenv().python, configFile, String(port), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let serverPid = 0;
  try {
    serverPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      parent.once('exit', (code) => reject(new Error(`stand-in parent exited early (${code})`)));
    });
    while (
      (await fetch(`http://127.0.0.1:${port}/api/status`, {
        headers: { Authorization: `token ${token}` },
      }).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(processExists(serverPid)).toBe(true);
    parent.kill('SIGKILL');
    while (processExists(serverPid)) await new Promise((r) => setTimeout(r, 100));
    expect(processExists(serverPid)).toBe(false);
  } finally {
    parent.kill('SIGKILL');
    if (serverPid > 0 && processExists(serverPid)) process.kill(serverPid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
