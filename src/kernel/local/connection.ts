/**
 * Connection files for locally launched kernels: a random HMAC key and the kernel's five sockets, written to
 * a private temporary directory that only our user can read (the key lets anyone run code). The sockets are
 * five free TCP ports on 127.0.0.1, or (`ipc`) Unix sockets inside that directory: cheaper per message than
 * loopback TCP, and unreachable by other local users (a TCP iopub port lets any of them read the outputs).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type KernelTransport = 'tcp' | 'ipc';

export interface ConnectionInfo {
  /** tcp: the address; ipc: the sockets' path prefix (`<ip>-<port>`, as jupyter_client names them). */
  ip: string;
  transport: KernelTransport;
  signature_scheme: 'hmac-sha256';
  key: string;
  kernel_name: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
}

export interface ConnectionFile {
  info: ConnectionInfo;
  /** Absolute path of the JSON file handed to the kernel. */
  file: string;
  /** The private directory holding it; removed with the file. */
  dir: string;
}

const LOOPBACK = '127.0.0.1';
/** Longest Unix socket path we use (sun_path holds 108 bytes on Linux, 104 on macOS, with the NUL). */
const MAX_IPC_PATH = 103;

/**
 * Ports we handed out recently. Bind-and-close cannot stop the OS from giving the same port to two
 * kernels started at once from this process; remembering them for a while removes that collision (races
 * with other processes remain; the launcher retries on "Address already in use").
 */
const recentPorts = new Map<number, number>();
const RECENT_PORT_MS = 60_000;

function forgetOldPorts(now: number): void {
  for (const [port, at] of recentPorts) if (now - at > RECENT_PORT_MS) recentPorts.delete(port);
}

function bindEphemeral(): Promise<{ server: net.Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the bound port'));
        return;
      }
      resolve({ server, port: address.port });
    });
  });
}

/** `count` distinct free ports on 127.0.0.1 (all held open together, then released). */
export async function pickFreePorts(count: number): Promise<number[]> {
  const held: net.Server[] = [];
  const ports: number[] = [];
  try {
    const now = Date.now();
    forgetOldPorts(now);
    for (let tries = 0; ports.length < count; tries++) {
      if (tries > count * 20) throw new Error(`could not find ${count} free ports on ${LOOPBACK}`);
      const { server, port } = await bindEphemeral();
      held.push(server);
      if (recentPorts.has(port)) continue;
      ports.push(port);
    }
    for (const port of ports) recentPorts.set(port, now);
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

export interface ConnectionFileOptions {
  /** Where the private directory goes (default: the OS temp dir). */
  runtimeDir?: string;
  /** Default tcp; ipc falls back to tcp when the socket paths would be too long for the OS. */
  transport?: KernelTransport;
}

/** Write a fresh connection file (new sockets, new key) in a new private directory. */
export async function writeConnectionFile(
  kernelName: string,
  options: ConnectionFileOptions = {},
): Promise<ConnectionFile> {
  // mkdtemp creates the directory with mode 0700.
  const dir = await mkdtemp(path.join(options.runtimeDir ?? os.tmpdir(), 'nbc-kernel-'));
  try {
    const ipcPrefix = path.join(dir, 'kernel');
    const ipc = options.transport === 'ipc' && `${ipcPrefix}-5`.length <= MAX_IPC_PATH;
    const [shell, iopub, stdin, control, hb] = (ipc ? [1, 2, 3, 4, 5] : await pickFreePorts(5)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const info: ConnectionInfo = {
      ip: ipc ? ipcPrefix : LOOPBACK,
      transport: ipc ? 'ipc' : 'tcp',
      signature_scheme: 'hmac-sha256',
      key: randomBytes(32).toString('hex'),
      kernel_name: kernelName,
      shell_port: shell,
      iopub_port: iopub,
      stdin_port: stdin,
      control_port: control,
      hb_port: hb,
    };
    const file = path.join(dir, 'kernel.json');
    await writeFile(file, `${JSON.stringify(info, null, 1)}\n`, { mode: 0o600, flag: 'wx' });
    return { info, file, dir };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export async function removeConnectionFile(conn: ConnectionFile): Promise<void> {
  await rm(conn.dir, { recursive: true, force: true });
}

export function endpoint(info: ConnectionInfo, port: number): string {
  return info.transport === 'ipc' ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`;
}
