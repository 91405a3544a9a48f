import { section, URL_PATTERN } from '../section';

export const worker = section({
  concurrency: { type: 'integer', minimum: 1 },
  pollIntervalMs: { type: 'number', exclusiveMinimum: 0 },
  workerId: { type: 'string', minLength: 1 },
  domain: { type: ['string', 'null'], minLength: 1 },
  outputRoot: { type: 'string', minLength: 1 },
  outputRoots: {
    type: 'array',
    items: { type: 'string', pattern: '\\S', description: 'a folder, file:// URI or s3:// prefix' },
  },
  allowedNotebookUrls: {
    type: 'array',
    items: {
      type: 'string',
      pattern: `${URL_PATTERN}[^/]`,
      description: 'an http(s) URL prefix such as "https://notebooks.example.com/team/"',
    },
  },
  shutdownGraceMs: { type: 'number', minimum: 0 },
  kernelPoolSize: { type: 'integer', minimum: 0 },
});
