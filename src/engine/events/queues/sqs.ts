/**
 * `sqs:<queue>` event queues through the AWS SDK (Conductor's SQSObservableQueue): the queue is looked up
 * by name and created when it does not exist; messages are long-polled, each goes to the engine, and is
 * deleted only after the engine committed what it caused. A message that cannot be processed is retried
 * by SQS itself (it reappears after the visibility timeout) until it has been received `maxReceives`
 * times; then it is recorded as rejected and deleted, so a poison message never cycles forever.
 */
import type { Message, SQSClient } from '@aws-sdk/client-sqs';

import { staticCredentials } from '../../../aws-credentials';
import type { SqsConfig } from '../../../config';
import type { Logger } from '../../../log';
import type { EventQueueProvider, MessageSink, ReceivedMessage } from './provider';

type SqsSdk = typeof import('@aws-sdk/client-sqs');

/** SQS queue names: 1–80 letters, digits, `-` and `_`, with `.fifo` at the end of a FIFO queue. */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}(\.fifo)?$|^[A-Za-z0-9_-]{1,80}$/;
const MAX_BACKOFF_MS = 30_000;
const CONNECTION_TIMEOUT_MS = 10_000;

function isMissingQueue(err: unknown): boolean {
  const name = (err as { name?: unknown }).name;
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export class SqsEventQueueProvider implements EventQueueProvider {
  readonly type = 'sqs';
  private sdk: SqsSdk | undefined;
  private client: SQSClient | undefined;

  constructor(
    private readonly config: Readonly<SqsConfig>,
    private readonly logger: Logger,
  ) {
    staticCredentials(config, 'sqs'); // a half-configured key pair fails at start-up, not in the poll loop
  }

  private connect(): { sdk: SqsSdk; client: SQSClient } {
    // Loaded on first use: the SDK costs start-up time an engine without sqs: handlers should not pay.
    const sdk = (this.sdk ??= require('@aws-sdk/client-sqs') as SqsSdk);
    const c = this.config;
    const credentials = staticCredentials(c, 'sqs');
    this.client ??= new sdk.SQSClient({
      region: c.region,
      ...(c.endpoint !== null ? { endpoint: c.endpoint } : {}),
      ...(credentials !== undefined ? { credentials } : {}),
      retryMode: 'standard',
      maxAttempts: c.maxAttempts,
      // A long poll holds the socket for waitTimeSeconds: the idle limit must be longer than that.
      requestHandler: {
        connectionTimeout: CONNECTION_TIMEOUT_MS,
        requestTimeout: (c.waitTimeSeconds + 30) * 1000,
      },
    });
    return { sdk, client: this.client };
  }

  async consume(name: string, sink: MessageSink, signal: AbortSignal): Promise<void> {
    const log = this.logger.child({ event: `sqs:${name}` });
    if (!QUEUE_NAME.test(name)) {
      log.error(
        'engine: not an SQS queue name (1-80 letters, digits, - and _, optionally ending in .fifo); handlers on it never run',
      );
      return;
    }
    let queueUrl: string | undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const { sdk, client } = this.connect();
        queueUrl ??= await this.queueUrl(sdk, client, name, signal, log);
        const received = await client.send(
          new sdk.ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: this.config.batchSize,
            WaitTimeSeconds: this.config.waitTimeSeconds,
            VisibilityTimeout: this.config.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: signal },
        );
        failures = 0;
        for (const m of received.Messages ?? []) {
          if (signal.aborted) break; // unprocessed: SQS delivers it again after the visibility timeout
          await this.deliver(sdk, client, queueUrl, m, sink, signal, log);
        }
      } catch (err) {
        if (signal.aborted) break;
        if (isMissingQueue(err)) queueUrl = undefined; // deleted under us: look it up (create it) again
        failures++;
        const waitMs = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(failures - 1, 10));
        log.warn({ err: errorText(err), retryInMs: waitMs }, 'engine: receiving from SQS failed');
        await pause(waitMs, signal);
      }
    }
    log.info('engine: stopped consuming event queue');
  }

  /** Conductor looks the queue up by name and creates it when missing; so do we. */
  private async queueUrl(
    sdk: SqsSdk,
    client: SQSClient,
    name: string,
    signal: AbortSignal,
    log: Logger,
  ): Promise<string> {
    try {
      const found = await client.send(new sdk.GetQueueUrlCommand({ QueueName: name }), {
        abortSignal: signal,
      });
      if (found.QueueUrl) return found.QueueUrl;
    } catch (err) {
      if (!isMissingQueue(err)) throw err;
    }
    const attributes: Record<string, string> = name.endsWith('.fifo') ? { FifoQueue: 'true' } : {};
    const created = await client.send(
      new sdk.CreateQueueCommand({ QueueName: name, Attributes: attributes }),
      { abortSignal: signal },
    );
    if (!created.QueueUrl) throw new Error(`SQS CreateQueue for ${name} returned no queue URL`);
    log.info({ queueUrl: created.QueueUrl }, 'engine: created the SQS queue');
    return created.QueueUrl;
  }

  private async deliver(
    sdk: SqsSdk,
    client: SQSClient,
    queueUrl: string,
    m: Message,
    sink: MessageSink,
    signal: AbortSignal,
    log: Logger,
  ): Promise<void> {
    if (m.MessageId === undefined || m.ReceiptHandle === undefined) {
      log.warn({ message: m }, 'engine: SQS returned a message without an id or receipt handle; ignored');
      return;
    }
    const message: ReceivedMessage = {
      id: m.MessageId,
      body: m.Body ?? '',
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? '1') || 1,
    };
    const fields = { messageId: message.id, receiveCount: message.receiveCount };
    try {
      const outcome = sink.ingest(message);
      log.debug({ ...fields, outcome }, 'engine: event message ingested');
      if (outcome === 'duplicate')
        log.info(fields, 'engine: event message was already processed (redelivery); deleting it');
    } catch (err) {
      if (message.receiveCount < this.config.maxReceives) {
        log.warn(
          { ...fields, err: errorText(err), maxReceives: this.config.maxReceives },
          'engine: event message not processed; SQS delivers it again after the visibility timeout',
        );
        return;
      }
      log.error(
        { ...fields, err: errorText(err) },
        'engine: event message failed on every delivery; recording it as rejected and deleting it',
      );
      try {
        sink.reject(message, errorText(err));
      } catch (recordErr) {
        log.error(
          { ...fields, err: errorText(recordErr), body: message.body.slice(0, 2000) },
          'engine: cannot record it; the body is logged here (up to 2000 characters)',
        );
      }
    }
    try {
      await client.send(
        new sdk.DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }),
        {
          abortSignal: signal,
        },
      );
    } catch (err) {
      // It comes back after the visibility timeout and is recognised as already processed.
      if (!signal.aborted)
        log.warn({ ...fields, err: errorText(err) }, 'engine: deleting an SQS message failed');
    }
  }
}
