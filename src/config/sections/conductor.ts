import { section, URL_PATTERN } from '../section';

export const conductor = section({
  serverUrl: { type: 'string', pattern: URL_PATTERN },
  keyId: { type: ['string', 'null'], minLength: 1 },
  keySecret: { type: ['string', 'null'], minLength: 1, secret: true },
  connectTimeoutMs: { type: 'integer', minimum: 1 },
});
