/**
 * The SQS consumer's edges, against moto's SQS on 127.0.0.1: shutdown aborts a long poll in flight, a
 * message that keeps failing is given up after `maxReceives` deliveries (recorded, then deleted), and an
 * invalid queue name is reported instead of retried.
 */
import { Engine } from '../../src/engine/engine';
import { eventMessages } from '../../src/engine/events/message-view';
import { messageSink } from '../../src/engine/events/queues/ingest';
import type { MessageSink, ReceivedMessage } from '../../src/engine/events/queues/provider';
import { SqsEventQueueProvider } from '../../src/engine/events/queues/sqs';
import { openDb } from '../../src/engine/store/db';
import { HOLD, startFaultProxy } from '../helpers/fault-proxy';
import { captureLogger, quietLogger } from '../helpers/logger';
import { startMoto, type S3TestServer } from '../helpers/s3-server';
import { sqsTestClient, type SqsTestClient } from '../helpers/sqs';
import { harness, raw, waitFor } from './support';

let moto: S3TestServer;
let sqs: SqsTestClient;

beforeAll(async () => {
  moto = await startMoto();
  sqs = sqsTestClient(moto);
});

afterAll(async () => {
  sqs?.destroy();
  await moto?.stop();
});

it('stopping the engine aborts the long poll in flight instead of waiting for it', async () => {
  let polling: () => void = () => undefined;
  const polled = new Promise<void>((resolve) => (polling = resolve));
  // ReceiveMessage is never answered: stop() can only return if it aborts the request.
  const proxy = await startFaultProxy(moto.port, (_n, req) => {
    if (req.headers['x-amz-target'] !== 'AmazonSQS.ReceiveMessage') return null;
    polling();
    return HOLD;
  });
  const h = await harness({ memory: true, sqs: moto.sqsConfig({ endpoint: proxy.endpoint }) });
  try {
    await h.metadata.registerWorkflowDef({
      name: 'sc_wf',
      version: 1,
      tasks: [{ name: 'n', taskReferenceName: 'n', type: 'NOOP' }],
    } as never);
    expect(
      (
        await raw(h.url, 'POST', '/api/event', {
          name: 'sc_stop',
          event: 'sqs:nbc-c-stop',
          active: true,
          actions: [{ action: 'start_workflow', start_workflow: { name: 'sc_wf' } }],
        })
      ).status,
    ).toBe(200);
    await polled;
  } finally {
    await h.stop();
    await proxy.stop();
  }
  expect(proxy.faults).toBeGreaterThanOrEqual(1);
});

it('a message that fails on every delivery is redelivered up to maxReceives times, then recorded as rejected and deleted', async () => {
  // A failing engine database cannot be produced for real here: this sink stands in for it (ingest
  // throws), while SQS, redelivery and deletion are real.
  const url = await sqs.createQueue('nbc-c-poison');
  const body = JSON.stringify({ path: 'poison.csv' });
  const messageId = await sqs.send(url, body);
  const seen: number[] = [];
  const rejected: { message: ReceivedMessage; reason: string }[] = [];
  const controller = new AbortController();
  const sink: MessageSink = {
    ingest(message) {
      seen.push(message.receiveCount);
      throw new Error('SQLITE_FULL: database or disk is full');
    },
    reject(message, reason) {
      rejected.push({ message, reason });
    },
  };
  const provider = new SqsEventQueueProvider(
    moto.sqsConfig({ waitTimeSeconds: 1, visibilityTimeoutSeconds: 1, maxReceives: 3 }),
    quietLogger(),
  );
  const consuming = provider.consume('nbc-c-poison', sink, controller.signal);
  try {
    await waitFor('the message to be given up', async () => rejected[0]);
    await waitFor('the queue to be empty', async () => {
      const d = await sqs.depth(url);
      return d.visible === 0 && d.inFlight === 0;
    });
  } finally {
    controller.abort();
    await consuming;
  }
  expect(seen).toEqual([1, 2, 3]);
  expect(rejected).toHaveLength(1);
  expect(rejected[0]?.message).toMatchObject({ id: messageId, body, receiveCount: 3 });
  expect(rejected[0]?.reason).toContain('SQLITE_FULL');
});

it('a rejected message is recorded once, with its payload and the reason, in the event-message view', async () => {
  const engine = new Engine({ db: openDb({ memory: true }), logger: quietLogger() });
  const sink = messageSink(engine.ctx, engine.events, 'sqs:nbc-c-view');
  const message = { id: 'm-1', body: '{"path":"p.csv"}', receiveCount: 5 };
  sink.reject(message, 'Error: boom');
  sink.reject(message, 'Error: boom');
  expect(sink.ingest(message)).toBe('duplicate');
  const view = eventMessages(engine.ctx.events, 'sqs:nbc-c-view', 10, 0);
  expect(view).toHaveLength(1);
  expect(view[0]).toMatchObject({
    id: 'm-1',
    status: 'REJECTED',
    payload: '{"path":"p.csv"}',
    fullPayload: { path: 'p.csv' },
    eventExecutions: [],
  });
  expect(view[0]?.statusDescription).toBe('rejected after 5 deliveries without being processed: Error: boom');
  engine.ctx.db.close();
});

it('two queues whose messages share an id are both processed, each once', async () => {
  const engine = new Engine({ db: openDb({ memory: true }), logger: quietLogger() });
  const a = messageSink(engine.ctx, engine.events, 'sqs:nbc-c-a');
  const b = messageSink(engine.ctx, engine.events, 'sqs:nbc-c-b');
  const message = { id: 'same-id', body: '{}', receiveCount: 1 };
  expect(a.ingest(message)).toBe('processed');
  expect(b.ingest(message)).toBe('processed');
  expect(a.ingest({ ...message, receiveCount: 2 })).toBe('duplicate');
  expect(b.ingest({ ...message, receiveCount: 2 })).toBe('duplicate');
  expect(eventMessages(engine.ctx.events, 'sqs:nbc-c-b', 10, 0)[0]).toMatchObject({
    id: 'same-id',
    status: 'REJECTED',
    statusDescription: 'no active event handler listens on sqs:nbc-c-b',
  });
  engine.ctx.db.close();
});

it('an invalid queue name is reported once and not polled', async () => {
  const { logger, lines } = captureLogger('info');
  const provider = new SqsEventQueueProvider(moto.sqsConfig(), logger);
  const sink: MessageSink = {
    ingest: () => {
      throw new Error('not called');
    },
    reject: () => undefined,
  };
  await provider.consume('bad name/with spaces', sink, new AbortController().signal);
  expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([
    expect.stringContaining('not an SQS queue name'),
  ]);
});

it('with SQS off, a handler on an sqs: queue is reported once with how to switch it on', async () => {
  const { logger, lines } = captureLogger('info');
  const h = await harness({ memory: true, logger });
  try {
    expect(
      (
        await raw(h.url, 'POST', '/api/event', {
          name: 'sc_off',
          event: 'sqs:nbc-c-off',
          active: true,
          actions: [{ action: 'start_workflow', start_workflow: { name: 'x' } }],
        })
      ).status,
    ).toBe(200);
    const line = await waitFor('the not-served notice', async () =>
      lines.find((l) => l.event === 'sqs:nbc-c-off' && String(l.msg).includes('not served')),
    );
    expect(String(line.hint)).toContain('NBCONDUCTOR_SQS_ENABLED=true');
  } finally {
    await h.stop();
  }
  expect(await sqs.queueUrl('nbc-c-off')).toBeUndefined();
  expect(lines.filter((l) => String(l.msg).includes('not served'))).toHaveLength(1);
});
