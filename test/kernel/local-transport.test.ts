/**
 * How local kernels are reached: Unix sockets (ipc) inside the connection file's private directory for
 * ipykernel, TCP for every other kernel, `kernel.transport` to force either.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { compileConfig } from '../../src/config';
import type { KernelSpec } from '../../src/kernel/kernelspec';
import {
  endpoint,
  removeConnectionFile,
  writeConnectionFile,
  type ConnectionInfo,
} from '../../src/kernel/local/connection';
import { transportFor } from '../../src/kernel/local/start';
import { quietLogger } from '../helpers/logger';
import { IOPubLog } from '../helpers/iopub-log';
import { ipykernelArgv, localProvider, removeTempDirs, tempDir } from './local-support';

afterAll(removeTempDirs);

const posix = process.platform !== 'win32';

function spec(argv: string[]): KernelSpec {
  return {
    name: 'k',
    displayName: 'k',
    language: 'python',
    argv,
    env: {},
    interruptMode: 'signal',
    metadata: {},
    resourceDir: '/nowhere',
  };
}

describe('transportFor', () => {
  (posix ? test : test.skip)('auto: Unix sockets for ipykernel, TCP for any other kernel', () => {
    expect(transportFor(spec(ipykernelArgv()), 'auto')).toBe('ipc');
    expect(transportFor(spec(['python3', '-m', 'ipykernel', '-f', '{connection_file}']), 'auto')).toBe('ipc');
    // IRkernel and IJulia format their endpoints as host:port whatever the transport says.
    expect(
      transportFor(spec(['R', '--slave', '-e', 'IRkernel::main()', '--args', '{connection_file}']), 'auto'),
    ).toBe('tcp');
    expect(transportFor(spec(['julia', '-i', 'kernel.jl', '{connection_file}']), 'auto')).toBe('tcp');
    expect(transportFor(spec(['python3', '-m', 'other_kernel', '-f', '{connection_file}']), 'auto')).toBe(
      'tcp',
    );
  });

  test('an explicit choice wins for every kernel', () => {
    expect(transportFor(spec(ipykernelArgv()), 'tcp')).toBe('tcp');
    expect(transportFor(spec(['R', '{connection_file}']), 'ipc')).toBe('ipc');
  });
});

describe('connection files', () => {
  test('ipc: the five sockets are inside the private directory, named as jupyter_client names them', async () => {
    const conn = await writeConnectionFile('python3', { runtimeDir: tempDir('nbc-rt-'), transport: 'ipc' });
    try {
      const info = JSON.parse(readFileSync(conn.file, 'utf8')) as ConnectionInfo;
      expect(info).toMatchObject({ transport: 'ipc', ip: path.join(conn.dir, 'kernel') });
      expect([info.shell_port, info.iopub_port, info.stdin_port, info.control_port, info.hb_port]).toEqual([
        1, 2, 3, 4, 5,
      ]);
      expect(endpoint(info, info.iopub_port)).toBe(`ipc://${path.join(conn.dir, 'kernel')}-2`);
      expect(statSync(conn.dir).mode & 0o777).toBe(0o700);
      expect(statSync(conn.file).mode & 0o777).toBe(0o600);
    } finally {
      await removeConnectionFile(conn);
    }
  });

  test('ipc falls back to TCP when the socket paths would be too long for the OS', async () => {
    const deep = path.join(tempDir('nbc-rt-'), 'x'.repeat(60), 'y'.repeat(60));
    mkdirSync(deep, { recursive: true });
    const conn = await writeConnectionFile('python3', { runtimeDir: deep, transport: 'ipc' });
    try {
      expect(conn.info).toMatchObject({ transport: 'tcp', ip: '127.0.0.1' });
      expect(new Set([conn.info.shell_port, conn.info.iopub_port, conn.info.hb_port]).size).toBe(3);
      expect(endpoint(conn.info, conn.info.shell_port)).toBe(`tcp://127.0.0.1:${conn.info.shell_port}`);
    } finally {
      await removeConnectionFile(conn);
    }
  });
});

describe('real ipykernel', () => {
  const logger = quietLogger();

  test.each(posix ? (['auto', 'tcp'] as const) : (['tcp'] as const))(
    'transport %s: the kernel runs code and its sockets go with its directory',
    async (transport) => {
      const provider = localProvider({ transport });
      try {
        const session = await provider.startKernel({ kernelName: 'python3', startTimeoutMs: 60_000, logger });
        const info = JSON.parse(readFileSync(session.connectionFile, 'utf8')) as ConnectionInfo;
        expect(info.transport).toBe(transport === 'auto' ? 'ipc' : 'tcp');
        const log = new IOPubLog();
        await session.execute({ code: 'print("over " + "the wire")' }, log);
        expect(log.stdout()).toBe('over the wire\n');
        const dir = path.dirname(session.connectionFile);
        await session.shutdown();
        expect(() => statSync(dir)).toThrow();
      } finally {
        await provider.dispose();
      }
    },
  );
});

describe('kernel.transport', () => {
  test('is auto unless set; NBCONDUCTOR_KERNEL_TRANSPORT sets it; a bad value names the variable', () => {
    expect(compileConfig({ env: {} }).kernel.transport).toBe('auto');
    expect(compileConfig({ env: { NBCONDUCTOR_KERNEL_TRANSPORT: 'tcp' } }).kernel.transport).toBe('tcp');
    expect(() => compileConfig({ env: { NBCONDUCTOR_KERNEL_TRANSPORT: 'udp' } })).toThrow(
      /kernel\.transport must be one of "auto", "tcp", "ipc", got "udp" \(environment variable NBCONDUCTOR_KERNEL_TRANSPORT\)/,
    );
  });
});
