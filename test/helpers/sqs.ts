/**
 * SQS against moto's server (test/helpers/s3-server.ts) for event-queue tests: queues, messages, queue
 * depth, and S3 bucket notifications to a queue.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';

import type { S3TestServer } from './s3-server';

export interface SqsTestClient {
  readonly client: SQSClient;
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>;
  /** The queue's URL, or undefined while it does not exist. */
  queueUrl(name: string): Promise<string | undefined>;
  /** Sends `body` as is; resolves to the SQS MessageId. */
  send(queueUrl: string, body: string): Promise<string>;
  /** Messages waiting plus messages received and not yet deleted. */
  depth(queueUrl: string): Promise<{ visible: number; inFlight: number }>;
  /** S3 ObjectCreated notifications of `bucket` go to the queue (moto sends an s3:TestEvent first). */
  notifyOnObjectCreated(bucket: string, queueUrl: string, prefix?: string): Promise<void>;
  destroy(): void;
}

export function sqsTestClient(server: S3TestServer): SqsTestClient {
  const client = new SQSClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: server.credentials,
  });
  const attribute = async (url: string, name: 'QueueArn'): Promise<string> => {
    const r = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [name] }));
    const value = r.Attributes?.[name];
    if (value === undefined) throw new Error(`queue ${url} has no ${name}`);
    return value;
  };
  return {
    client,
    async createQueue(name, attributes = {}) {
      const r = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      if (!r.QueueUrl) throw new Error(`CreateQueue ${name} gave no URL`);
      return r.QueueUrl;
    },
    async queueUrl(name) {
      try {
        return (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
      } catch (err) {
        if ((err as Error).name === 'QueueDoesNotExist') return undefined;
        throw err;
      }
    },
    async send(queueUrl, body) {
      const r = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      if (!r.MessageId) throw new Error('SendMessage gave no MessageId');
      return r.MessageId;
    },
    async depth(queueUrl) {
      const r = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(r.Attributes?.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(r.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    },
    async notifyOnObjectCreated(bucket, queueUrl, prefix) {
      const s3 = new S3Client({
        endpoint: server.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: server.credentials,
      });
      try {
        await s3.send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: bucket,
            NotificationConfiguration: {
              QueueConfigurations: [
                {
                  QueueArn: await attribute(queueUrl, 'QueueArn'),
                  Events: ['s3:ObjectCreated:*'],
                  ...(prefix
                    ? { Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } } }
                    : {}),
                },
              ],
            },
          }),
        );
      } finally {
        s3.destroy();
      }
    },
    destroy: () => client.destroy(),
  };
}
