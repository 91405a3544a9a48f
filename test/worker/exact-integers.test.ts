/**
 * Integers beyond 2^53 on the worker's wire (issue 8): Conductor keeps them exact (Java longs), so the
 * worker reads task data and writes task results with their exact digits. The embedded engine does not
 * keep them exact yet, so a small node:http server stands in for a Conductor server here; it answers
 * the two calls the test makes and records what the SDK sent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { parseJsonExact, stringifyJsonExact } from '../../src/json';
import { connectConductor } from '../../src/worker/conductor-client';
import { asJsonData } from '../../src/worker/templates';
import { quietLogger } from '../helpers/logger';

describe('json-exact', () => {
  it('reads and writes ints beyond 2^53 exactly, and everything else as JSON does', () => {
    const text =
      '{"big":18446744073709551617,"neg":-9223372036854775809,"safe":9007199254740991,"f":1.5e+300,"s":"12345678901234567890"}';
    const v = parseJsonExact(text) as Record<string, unknown>;
    expect(v).toEqual({
      big: 18446744073709551617n,
      neg: -9223372036854775809n,
      safe: 9007199254740991,
      f: 1.5e300,
      s: '12345678901234567890',
    });
    expect(stringifyJsonExact(v)).toBe(text);
    expect(parseJsonExact('{"a":1}')).toEqual({ a: 1 });
  });

  it('behaves like JSON.parse on repeated keys, "__proto__" and errors', () => {
    const dup = parseJsonExact('{"a":12345678901234567890,"a":2}') as Record<string, unknown>;
    expect(dup.a).toBe(2);
    const proto = parseJsonExact('{"__proto__":{"x":12345678901234567890}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__']);
    const bad = '{"a": 12345678901234567890,}';
    expect(() => parseJsonExact(bad)).toThrow(
      (() => {
        try {
          JSON.parse(bad);
        } catch (e) {
          return (e as Error).message;
        }
        return 'unreachable';
      })(),
    );
  });

  it('task data copies keep bigints', () => {
    expect(asJsonData({ a: [1n << 70n], d: new Date(0), u: undefined })).toEqual({
      a: [1n << 70n],
      d: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('the SDK client of the worker', () => {
  let server: http.Server;
  let url: string;
  const bodies: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        const answer = req.method === 'GET' ? '{"workflowId":"wf","input":{"n":18446744073709551617}}' : '{}';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(answer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads ints beyond 2^53 exactly and sends them as JSON numbers', async () => {
    const { sdk, client } = await connectConductor(
      { serverUrl: url, keyId: null, keySecret: null },
      quietLogger(),
    );
    const wf = (await new sdk.WorkflowExecutor(client).getWorkflow('wf', false)) as { input: { n: unknown } };
    expect(wf.input.n).toBe(18446744073709551617n);
    await new sdk.TaskClient(client).updateTaskResult('wf', 'ref', 'COMPLETED', { n: wf.input.n } as never);
    expect(bodies.at(-1)).toContain('"n":18446744073709551617');
  });
});
