import { section, URL_PATTERN } from '../section';

export const s3 = section({
  endpoint: { type: ['string', 'null'], pattern: URL_PATTERN },
  region: { type: 'string', minLength: 1 },
  forcePathStyle: { type: 'boolean' },
  accessKeyId: { type: ['string', 'null'] },
  secretAccessKey: { type: ['string', 'null'], secret: true },
  sessionToken: { type: ['string', 'null'], secret: true },
  maxAttempts: { type: 'integer', minimum: 1 },
  multipartThresholdBytes: {
    type: 'integer',
    minimum: 5 * 1024 * 1024,
    description: 'at least 5 MiB, the S3 minimum part size',
  },
});
