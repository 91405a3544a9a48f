/**
 * `sqs:<queue>` event handlers on the embedded engine, against moto's SQS on 127.0.0.1 (a real SQS
 * protocol server; test/helpers/s3-server.ts): the queue is created when missing, the message body is the
 * payload, messages are deleted after their actions commit, a redelivery runs nothing twice, and messages
 * that start nothing are recorded and visible (event executions and the event-message view).
 */
import type http from 'node:http';

import { EventClient } from '@io-orkes/conductor-javascript';

import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { captureLogger, type CapturedLine } from '../helpers/logger';
import { startMoto, type S3TestServer } from '../helpers/s3-server';
import { sqsTestClient, type SqsTestClient } from '../helpers/sqs';
import { harness, raw, waitFor, waitForStatus, type Harness, type Json } from './support';

let moto: S3TestServer;
let sqs: SqsTestClient;
let proxy: FaultProxy;
let h: Harness;
let events: EventClient;
let lines: CapturedLine[];
/** DeleteMessage requests the proxy still answers with a 500 (set by a test). */
let failDeletes = 0;

const target = (req: http.IncomingMessage): string => String(req.headers['x-amz-target'] ?? '');

beforeAll(async () => {
  moto = await startMoto();
  sqs = sqsTestClient(moto);
  proxy = await startFaultProxy(moto.port, (_n, req) => {
    if (target(req) !== 'AmazonSQS.DeleteMessage' || failDeletes === 0) return null;
    failDeletes--;
    return { status: 500, code: 'InternalError' };
  });
  const captured = captureLogger('info');
  lines = captured.lines;
  h = await harness({
    memory: true,
    logger: captured.logger,
    sqs: moto.sqsConfig({ endpoint: proxy.endpoint, visibilityTimeoutSeconds: 1, maxAttempts: 2 }),
  });
  events = new EventClient(h.client);
  await h.metadata.registerWorkflowDef({
    name: 'sq_pipeline',
    version: 1,
    tasks: [{ name: 'n', taskReferenceName: 'n', type: 'NOOP' }],
    outputParameters: { file: '${workflow.input.file}' },
  } as never);
});

afterAll(async () => {
  await h?.stop();
  await proxy?.stop();
  sqs?.destroy();
  await moto?.stop();
});

async function executions(name: string): Promise<Json[]> {
  return (await raw(h.url, 'GET', `/api/event/execution/${name}`)).json as Json[];
}

async function addHandler(name: string, queue: string, extra: Json = {}): Promise<string> {
  await events.addEventHandler({
    name,
    event: `sqs:${queue}`,
    active: true,
    actions: [
      {
        action: 'start_workflow',
        start_workflow: { name: 'sq_pipeline', input: { file: '${path}' }, correlationId: '${path}' },
      },
    ],
    ...extra,
  } as never);
  // The engine subscribes within a refresh interval and creates the queue.
  return waitFor(`queue ${queue} to be created`, () => sqs.queueUrl(queue));
}

async function drained(queueUrl: string): Promise<void> {
  await waitFor(`queue ${queueUrl} to be empty`, async () => {
    const d = await sqs.depth(queueUrl);
    return d.visible === 0 && d.inFlight === 0;
  });
}

it('creates the missing queue; the message body is the payload; the message is deleted once the workflow started', async () => {
  expect(await sqs.queueUrl('nbc-t-start')).toBeUndefined();
  const url = await addHandler('sq_start', 'nbc-t-start');
  const messageId = await sqs.send(url, JSON.stringify({ path: 'in/a.csv' }));

  const exec = await waitFor('a completed execution', async () =>
    (await executions('sq_start')).find((e) => e.status === 'COMPLETED'),
  );
  expect(exec).toMatchObject({ messageId, event: 'sqs:nbc-t-start', action: 'start_workflow' });
  const wf = await waitForStatus(h, exec.output.workflowId as string, 'COMPLETED');
  expect(wf.input).toMatchObject({
    file: 'in/a.csv',
    'conductor.event.messageId': messageId,
    'conductor.event.name': 'sqs:nbc-t-start',
  });
  expect(wf.correlationId).toBe('in/a.csv');
  expect(wf.output).toEqual({ file: 'in/a.csv' });
  await drained(url);

  const seen = await events.getEventMessages('sqs:nbc-t-start');
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatchObject({
    id: messageId,
    eventTarget: 'sqs:nbc-t-start',
    status: 'HANDLED',
    payload: JSON.stringify({ path: 'in/a.csv' }),
    fullPayload: { path: 'in/a.csv' },
  });
  expect(seen[0]?.eventExecutions?.map((e) => e.status)).toEqual(['COMPLETED']);
});

it('a message whose delete failed comes back, is recognised as processed and deleted: its workflow starts once', async () => {
  const url = await addHandler('sq_redeliver', 'nbc-t-redeliver');
  failDeletes = 2; // every attempt of the first delete (maxAttempts 2)
  const messageId = await sqs.send(url, JSON.stringify({ path: 'once.csv' }));

  const dup = await waitFor('the redelivery to be recognised', async () =>
    lines.find((l) => l.messageId === messageId && l.msg?.includes('already processed')),
  );
  expect(dup.receiveCount).toBeGreaterThanOrEqual(2);
  expect(failDeletes).toBe(0);
  await drained(url);
  const runs = await raw(h.url, 'GET', '/api/workflow/sq_pipeline/correlated/once.csv?includeClosed=true');
  expect(runs.json).toHaveLength(1);
  expect(await executions('sq_redeliver')).toHaveLength(1);
});

it('malformed bodies and messages no handler condition holds for are recorded with the reason, visible, and deleted', async () => {
  const url = await addHandler('sq_filter', 'nbc-t-filter', {
    condition: "$.Records[0].eventName.startsWith('ObjectCreated')",
  });
  const malformed = await sqs.send(url, 'not json {');
  const other = await sqs.send(url, JSON.stringify({ Records: [{ eventName: 'ObjectRemoved:Delete' }] }));

  const list = await waitFor('two skipped executions', async () => {
    const l = await executions('sq_filter');
    return l.length === 2 ? l : undefined;
  });
  expect(list.every((e) => e.status === 'SKIPPED')).toBe(true);
  const bad = list.find((e) => e.messageId === malformed);
  expect(bad?.output).toMatchObject({ msg: 'not json {' });
  expect(String(bad?.output.error)).toMatch(/eventName|undefined/);
  expect(list.find((e) => e.messageId === other)?.output.error).toBeUndefined();
  await drained(url);

  const seen = await events.getEventMessages('sqs:nbc-t-filter');
  expect(seen.map((m) => m.status)).toEqual(['REJECTED', 'REJECTED']);
  const badView = seen.find((m) => m.id === malformed);
  expect(badView?.payload).toBe('not json {');
  expect(badView?.statusDescription).toMatch(/not JSON/);
  expect(badView?.statusDescription).toMatch(/condition/);
});

it('a handler whose workflow is not registered records a FAILED execution naming it; the message is not retried', async () => {
  const url = await addHandler('sq_missing', 'nbc-t-missing', {
    actions: [{ action: 'start_workflow', start_workflow: { name: 'sq_not_registered', input: {} } }],
  });
  const messageId = await sqs.send(url, '{"path":"x"}');
  const failed = await waitFor('a failed execution', async () =>
    (await executions('sq_missing')).find((e) => e.status === 'FAILED'),
  );
  expect(failed.messageId).toBe(messageId);
  expect(String(failed.output.exception)).toContain('sq_not_registered');
  await drained(url);
  const seen = await events.getEventMessages('sqs:nbc-t-missing');
  expect(seen[0]).toMatchObject({ id: messageId, status: 'HANDLED' });
  expect(seen[0]?.statusDescription).toMatch(/1 of 1 .*failed/);
  expect(await executions('sq_missing')).toHaveLength(1);
});

it('a deactivated handler stops its consumer; messages wait in the queue until a handler listens again', async () => {
  const url = await addHandler('sq_toggle', 'nbc-t-toggle');
  const handler = (await events.getEventHandlerByName('sq_toggle')) as unknown as Json;
  await events.updateEventHandler({ ...handler, active: false } as never);
  await waitFor('the consumer to stop', async () =>
    lines.some((l) => l.event === 'sqs:nbc-t-toggle' && l.msg?.includes('stopped consuming')),
  );
  await sqs.send(url, JSON.stringify({ path: 'in/later.csv' }));
  expect(await executions('sq_toggle')).toEqual([]);
  await events.updateEventHandler({ ...handler, active: true } as never);
  await waitFor('the waiting message to start its workflow', async () =>
    (await executions('sq_toggle')).find((e) => e.status === 'COMPLETED'),
  );
  await drained(url);
});
