/**
 * Connection files for locally launched kernels: five free TCP ports on 127.0.0.1 and a random HMAC key,
 * written to a private temporary directory that only our user can read (the key lets anyone run code).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ConnectionInfo {
  ip: string;
  transport: 'tcp';
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

/** Write a fresh connection file (new ports, new key) under `runtimeDir` (default: the OS temp dir). */
export async function writeConnectionFile(kernelName: string, runtimeDir?: string): Promise<ConnectionFile> {
  const [shell, iopub, stdin, control, hb] = (await pickFreePorts(5)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const info: ConnectionInfo = {
    ip: LOOPBACK,
    transport: 'tcp',
    signature_scheme: 'hmac-sha256',
    key: randomBytes(32).toString('hex'),
    kernel_name: kernelName,
    shell_port: shell,
    iopub_port: iopub,
    stdin_port: stdin,
    control_port: control,
    hb_port: hb,
  };
  // mkdtemp creates the directory with mode 0700.
  const dir = await mkdtemp(path.join(runtimeDir ?? os.tmpdir(), 'nbc-kernel-'));
  const file = path.join(dir, 'kernel.json');
  await writeFile(file, `${JSON.stringify(info, null, 1)}\n`, { mode: 0o600, flag: 'wx' });
  return { info, file, dir };
}

export async function removeConnectionFile(conn: ConnectionFile): Promise<void> {
  await rm(conn.dir, { recursive: true, force: true });
}

export function endpoint(info: ConnectionInfo, port: number): string {
  return `${info.transport}://${info.ip}:${port}`;
}
