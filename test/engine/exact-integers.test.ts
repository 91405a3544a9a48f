/**
 * Integers beyond 2^53 in the embedded engine (issue 8): Conductor holds JSON integers as Java longs (or
 * BigIntegers) and writes them back with all their digits; so does the engine, from request body to
 * storage to responses, through `${}` substitution (whole values, and inside strings as Java prints a
 * long), task inputs and outputs, JOIN outputs, variables, workflow outputs, event payloads and the HTTP
 * task. The official SDK (through our adapter, which reads and writes such ints exactly) drives it; raw
 * HTTP checks the digits on the wire. Scripts and jq are documented to see the nearest double: they must
 * not fail.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ConductorWorker } from '@io-orkes/conductor-javascript';

import { parseJsonExact } from '../../src/json';
import { forTaskRunner } from '../../src/worker/conductor-client';
import {
  harness,
  raw,
  simpleTask,
  startInline,
  startWorkers,
  taskByRef,
  waitFor,
  waitForStatus,
  type Harness,
  type Json,
} from './support';

const BIG = 18446744073709551617n; // 2^64 + 1: beyond a long too
const NEG = -9223372036854775809n; // just below Long.MIN_VALUE
const LONG_MAX = 9223372036854775807n;
const SETTLED = ['COMPLETED', 'FAILED', 'TERMINATED', 'TIMED_OUT'];

let h: Harness;
let echo: http.Server;
let echoUrl: string;
const echoed: string[] = [];

/**
 * Adds one to an exact int: a rounded number would make the task fail. Its result goes through the
 * worker's adapter (the SDK's TaskRunner measures outputs with JSON.stringify, which refuses a bigint).
 */
const plusOne: ConductorWorker = {
  taskDefName: 'ei_plus',
  execute: async (task) => {
    const n = task.inputData?.n as unknown;
    if (typeof n !== 'bigint') return { status: 'FAILED', reasonForIncompletion: `n is a ${typeof n}` };
    return forTaskRunner({ status: 'COMPLETED' as const, outputData: { plus: n + 1n, got: task.inputData } });
  },
};

beforeAll(async () => {
  h = await harness();
  await h.metadata.registerTask({ name: 'ei_plus', retryCount: 0 } as never);
  startWorkers(h, [plusOne]);
  echo = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      echoed.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":12345678901234567890123,"small":1}');
    });
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await h.stop();
  echo.closeAllConnections();
  await new Promise((resolve) => echo.close(resolve));
});

async function run(tasks: Json[], input: Json, def: Json = {}): Promise<Json> {
  return waitForStatus(h, await startInline(h, 'ei', tasks, input, def), SETTLED);
}

it('keeps them exact through inputs, ${} (whole and in strings), task outputs, JOIN, variables and the workflow output', async () => {
  const wf = await run(
    [
      simpleTask('t1', 'ei_plus', {
        n: '${workflow.input.n}',
        text: 'n=${workflow.input.n}',
        list: '${workflow.input.list}',
        inText: 'list=${workflow.input.list}, map=${workflow.input.nested}',
        deep: { v: '${workflow.input.nested.v}' },
      }),
      {
        name: 'fork',
        taskReferenceName: 'fork',
        type: 'FORK_JOIN',
        forkTasks: [
          [simpleTask('a', 'ei_plus', { n: '${t1.output.plus}' })],
          [simpleTask('b', 'ei_plus', { n: '${workflow.input.neg}' })],
        ],
      },
      { name: 'join', taskReferenceName: 'join', type: 'JOIN', joinOn: ['a', 'b'] },
      {
        name: 'set',
        taskReferenceName: 'set',
        type: 'SET_VARIABLE',
        inputParameters: { v: '${a.output.plus}' },
      },
    ],
    { n: BIG, neg: NEG, list: [LONG_MAX, 1], nested: { v: BIG } },
    {
      outputParameters: {
        n: '${workflow.input.n}',
        plus: '${t1.output.plus}',
        fromJoin: '${join.output.b.plus}',
        variable: '${workflow.variables.v}',
        text: '${t1.output.plus} items',
      },
    },
  );
  expect(wf.status).toBe('COMPLETED');
  expect(wf.input).toEqual({ n: BIG, neg: NEG, list: [LONG_MAX, 1], nested: { v: BIG } });
  expect(taskByRef(wf, 't1').inputData).toEqual({
    n: BIG,
    text: 'n=18446744073709551617',
    list: [LONG_MAX, 1],
    inText: 'list=[9223372036854775807, 1], map={v=18446744073709551617}',
    deep: { v: BIG },
  });
  expect(taskByRef(wf, 't1').outputData.plus).toBe(BIG + 1n);
  expect(taskByRef(wf, 'join').outputData).toMatchObject({
    a: { plus: BIG + 2n },
    b: { plus: NEG + 1n },
  });
  expect(wf.variables).toEqual({ v: BIG + 2n });
  expect(wf.output).toEqual({
    n: BIG,
    plus: BIG + 1n,
    fromJoin: NEG + 1n,
    variable: BIG + 2n,
    text: '18446744073709551618 items',
  });
  // On the wire: the digits, as JSON numbers (what any Conductor client reads).
  const text = (await raw(h.url, 'GET', `/api/workflow/${wf.workflowId as string}`)).text;
  expect(text).toContain('"n":18446744073709551617');
  expect(text).toContain('"plus":18446744073709551618');
  expect(text).toContain('"neg":-9223372036854775809');
  // The search summary holds input and output as JSON text.
  const found = await raw(h.url, 'GET', `/api/workflow/search?query=workflowId%3D${wf.workflowId as string}`);
  const summary = (parseJsonExact(found.text) as Json).results[0] as Json;
  expect(summary.input).toContain('"n":18446744073709551617');
});

it('an event payload starts a workflow with them exact', async () => {
  const name = `ei_ev_${Math.random().toString(36).slice(2, 8)}`;
  await h.metadata.registerWorkflowDef({
    name,
    version: 1,
    tasks: [{ name: 'n', taskReferenceName: 'n', type: 'NOOP' }],
    outputParameters: { n: '${workflow.input.n}', text: '${workflow.input.text}' },
  } as never);
  const handler = `${name}_on`;
  const added = await raw(h.url, 'POST', '/api/event', {
    name: handler,
    event: `conductor:${name}`,
    active: true,
    condition: '$.n > 0',
    actions: [{ action: 'start_workflow', start_workflow: { name, input: { n: '${n}', text: 'n=${n}' } } }],
  });
  expect(added.status).toBe(200);
  const pub = await raw(
    h.url,
    'POST',
    `/api/event/publish/conductor:${name}`,
    undefined,
    '{"n":18446744073709551617}',
  );
  expect(pub.status).toBe(200);
  const started = await waitFor('the started workflow', async () => {
    const list = (await raw(h.url, 'GET', `/api/event/execution/${handler}`)).json as Json[];
    return list.find((e) => e.status === 'COMPLETED')?.output?.workflowId as string | undefined;
  });
  const wf = await waitForStatus(h, started, 'COMPLETED');
  expect(wf.output).toEqual({ n: BIG, text: 'n=18446744073709551617' });
});

it('the HTTP task sends and reads them exactly; SWITCH matches their digits', async () => {
  const wf = await run(
    [
      {
        name: 'call',
        taskReferenceName: 'call',
        type: 'HTTP',
        inputParameters: {
          http_request: { uri: echoUrl, method: 'POST', body: { n: '${workflow.input.n}' } },
        },
      },
      {
        name: 'route',
        taskReferenceName: 'route',
        type: 'SWITCH',
        evaluatorType: 'value-param',
        expression: 'id',
        inputParameters: { id: '${call.output.response.body.id}' },
        decisionCases: {
          '12345678901234567890123': [{ name: 'hit', taskReferenceName: 'hit', type: 'NOOP' }],
        },
        defaultCase: [{ name: 'miss', taskReferenceName: 'miss', type: 'NOOP' }],
      },
    ],
    { n: BIG },
    { outputParameters: { id: '${call.output.response.body.id}' } },
  );
  expect(wf.status).toBe('COMPLETED');
  expect(echoed.at(-1)).toBe('{"n":18446744073709551617}');
  expect(wf.output).toEqual({ id: 12345678901234567890123n });
  expect(wf.tasks.map((t: Json) => t.referenceTaskName)).toContain('hit');
});

it('scripts and jq see the nearest double (documented) and do not fail', async () => {
  const wf = await run(
    [
      {
        name: 'js',
        taskReferenceName: 'js',
        type: 'INLINE',
        inputParameters: { evaluatorType: 'javascript', expression: '$.n + 1', n: '${workflow.input.n}' },
      },
      {
        name: 'jq',
        taskReferenceName: 'jq',
        type: 'JSON_JQ_TRANSFORM',
        inputParameters: { queryExpression: '{n: .n, m: (.n + 1)}', n: '${workflow.input.n}' },
      },
    ],
    { n: BIG },
  );
  expect(wf.status).toBe('COMPLETED');
  // The nearest double, 2^64, comes back as JavaScript prints it (18446744073709552000).
  expect(Number(taskByRef(wf, 'js').outputData.result)).toBe(2 ** 64);
  expect(Number(taskByRef(wf, 'jq').outputData.result.m)).toBe(2 ** 64);
  // jq 1.7 passes an unchanged number literal through with its digits
  expect(taskByRef(wf, 'jq').outputData.result.n).toBe(BIG);
});
