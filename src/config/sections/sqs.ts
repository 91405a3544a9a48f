import { section, URL_PATTERN } from '../section';

export const sqs = section({
  enabled: { type: 'boolean' },
  endpoint: { type: ['string', 'null'], pattern: URL_PATTERN },
  region: { type: 'string', minLength: 1 },
  accessKeyId: { type: ['string', 'null'] },
  secretAccessKey: { type: ['string', 'null'], secret: true },
  sessionToken: { type: ['string', 'null'], secret: true },
  waitTimeSeconds: { type: 'integer', minimum: 0, maximum: 20, description: 'SQS long-poll limit' },
  batchSize: { type: 'integer', minimum: 1, maximum: 10, description: 'SQS batch limit' },
  visibilityTimeoutSeconds: {
    type: 'integer',
    minimum: 1,
    maximum: 43_200,
    description: 'SQS limit: 12 hours',
  },
  maxReceives: { type: 'integer', minimum: 1, maximum: 1000 },
  maxAttempts: { type: 'integer', minimum: 1, maximum: 100 },
});
