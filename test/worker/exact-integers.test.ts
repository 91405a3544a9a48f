/**
 * Integers beyond 2^53 on the worker's wire and end to end (issue 8): Conductor keeps them exact (Java
 * longs), so the worker reads task data and writes task results with their exact digits. A small
 * node:http server stands in for a Conductor server to record what the SDK sends; then the embedded
 * engine, the real worker and a real kernel carry one from a workflow's input to the notebook's recorded
 * parameters, its scraps, the task output and the workflow output.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { loadDefinitions, parseInputPairs } from '../../src/cli/conductor-commands';
import { jsonRoundTrip, parseJsonExact, stringifyJsonExact } from '../../src/json';
import { connectConductor, forTaskRunner } from '../../src/worker/conductor-client';
import { asJsonData } from '../../src/worker/templates';
import { parseNotebook } from '../../src/notebook/io';
import { PYTHON_GLUE_HELPER } from '../../src/results';
import { quietLogger } from '../helpers/logger';
import { codeCell, notebookOf } from '../helpers/param-notebooks';
import { startPipelineStack, type PipelineStack } from '../helpers/pipeline';

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

  it('finds an int beyond 2^53 wherever JSON puts a number, and leaves long float digits to JSON.parse', () => {
    for (const text of [
      '18446744073709551617',
      ' -18446744073709551617',
      '[\n 9007199254740993]',
      '{"a":\t12345678901234567890}',
      '[1,18446744073709551617]',
    ])
      expect(stringifyJsonExact(parseJsonExact(text))).toBe(text.replace(/\s/g, ''));
    const floats = '[0.30000000000000004,1.2345678901234567e+30,12345678901234567.5,"x 12345678901234567"]';
    expect(parseJsonExact(floats)).toEqual(JSON.parse(floats));
  });

  it('writes with JSON.stringify unless there is a bigint, and copies keep bigints', () => {
    expect(stringifyJsonExact({ a: [1, 'x'], u: undefined })).toBe('{"a":[1,"x"]}');
    expect(stringifyJsonExact({ a: [2n ** 64n] }, 1)).toBe('{\n "a": [\n  18446744073709551616\n ]\n}');
    expect(() => stringifyJsonExact({ f: () => 1, c: 1n, self: null as unknown })).not.toThrow();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => stringifyJsonExact(cyclic)).toThrow(/circular/i);
    const data = { n: 2n ** 64n, d: new Date(0), u: undefined, l: [1] };
    expect(jsonRoundTrip(data)).toEqual({ n: 2n ** 64n, d: '1970-01-01T00:00:00.000Z', l: [1] });
  });

  it('task data copies keep bigints', () => {
    expect(asJsonData({ a: [1n << 70n], d: new Date(0), u: undefined })).toEqual({
      a: [1n << 70n],
      d: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('the CLI', () => {
  it('`start -i` and `register` keep them exact', async () => {
    expect(parseInputPairs(['n=18446744073709551617', 'l=[1,-9223372036854775809]', 's=x y'])).toEqual({
      n: 18446744073709551617n,
      l: [1, -9223372036854775809n],
      s: 'x y',
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'nbc-defs-'));
    try {
      writeFileSync(
        path.join(dir, 'wf.json'),
        '{"name":"w","tasks":[],"inputTemplate":{"seed":18446744073709551617}}',
      );
      const defs = await loadDefinitions(dir);
      expect(defs.workflows[0]?.def.inputTemplate).toEqual({ seed: 18446744073709551617n });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

  it('hands the TaskRunner results it can measure with JSON.stringify, and still sends their digits', async () => {
    const { sdk, client } = await connectConductor(
      { serverUrl: url, keyId: null, keySecret: null },
      quietLogger(),
    );
    const result = forTaskRunner({
      status: 'COMPLETED',
      outputData: { n: 2n ** 64n + 1n, l: [1n << 70n, 2] },
    });
    expect(() => JSON.stringify(result.outputData)).not.toThrow(); // what the SDK's TaskRunner does first
    await new sdk.TaskClient(client).updateTaskResult('wf', 'ref', 'COMPLETED', result.outputData as never);
    expect(bodies.at(-1)).toContain('{"n":18446744073709551617,"l":[1180591620717411303424,2]}');
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

describe('end to end: the embedded engine, the worker and a kernel', () => {
  const BIG = 18446744073709551617n; // 2^64 + 1
  let stack: PipelineStack;

  beforeAll(async () => {
    stack = await startPipelineStack();
    const notebook = path.join(stack.outputRoot, 'big.ipynb');
    const nb = notebookOf([
      codeCell('n = 0\nids = []', ['parameters']),
      codeCell(
        `${PYTHON_GLUE_HELPER}\nglue("n", n)\nglue("next", n + 1)\nglue("ids", ids)\nglue("is_int", type(n) is int)`,
      ),
    ]);
    writeFileSync(notebook, JSON.stringify(nb));
    await stack.registerTaskDefs([{ name: 'notebook_run', retryCount: 0, responseTimeoutSeconds: 120 }]);
    await stack.registerWorkflow({
      name: 'nb_big_ints',
      version: 1,
      tasks: [
        {
          name: 'notebook_run',
          taskReferenceName: 'big',
          type: 'SIMPLE',
          inputParameters: {
            notebook,
            parameters: {
              n: '${workflow.input.n}',
              ids: '${workflow.input.ids}',
              label: 'n=${workflow.input.n}',
            },
          },
        },
      ],
      outputParameters: {
        n: '${big.output.scraps.n}',
        next: '${big.output.scraps.next}',
        ids: '${big.output.scraps.ids}',
        text: '${big.output.scraps.next} is next',
      },
    });
    await stack.startWorker();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps them exact from the workflow input to the recorded parameters, the scraps and the outputs', async () => {
    const ids = [9223372036854775807n, -(2n ** 70n), 7];
    const id = await stack.start('nb_big_ints', { n: BIG, ids });
    const wf = await stack.waitFor(id);
    const task = wf.tasks.find((t) => t.referenceTaskName === 'big');
    expect([wf.status, task?.reasonForIncompletion]).toEqual(['COMPLETED', undefined]);
    expect(task?.inputData.parameters).toEqual({ n: BIG, ids, label: 'n=18446744073709551617' });
    expect(task?.outputData.parameters).toEqual({ n: BIG, ids, label: 'n=18446744073709551617' });
    expect(task?.outputData.scraps).toEqual({ n: BIG, next: BIG + 1n, ids, is_int: true });
    expect(wf.output).toEqual({ n: BIG, next: BIG + 1n, ids, text: '18446744073709551618 is next' });

    // The output notebook records the exact JSON number, as papermill does, and injects a Python int.
    const file = String(task?.outputData.outputNotebook);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/"n": 18446744073709551617\b/);
    const saved = parseNotebook(readFileSync(file), file);
    expect((saved.metadata.papermill as Record<string, unknown>).parameters).toEqual({
      n: BIG,
      ids,
      label: 'n=18446744073709551617',
    });
    expect(saved.cells[1]?.source).toContain('n = 18446744073709551617\n');

    // What any Conductor client reads from the engine: the digits.
    const wire = await (await stack.api(`/api/workflow/${id}?includeTasks=true`)).text();
    expect(wire).toContain('"next":18446744073709551618');
    expect(wire).not.toMatch(/1844674407370955\d{4}(\.0|e)/);
  });
});
