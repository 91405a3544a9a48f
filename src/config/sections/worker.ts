import { section } from '../section';

export const worker = section({
  concurrency: { type: 'integer', minimum: 1 },
  pollIntervalMs: { type: 'number', exclusiveMinimum: 0 },
  workerId: { type: 'string', minLength: 1 },
  domain: { type: ['string', 'null'], minLength: 1 },
  outputRoot: { type: 'string', minLength: 1 },
  shutdownGraceMs: { type: 'number', minimum: 0 },
  kernelPoolSize: { type: 'integer', minimum: 0 },
});
