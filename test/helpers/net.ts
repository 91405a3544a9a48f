/** Ports for tests of unreachable servers. */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A 127.0.0.1 port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}
