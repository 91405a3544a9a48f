import { section, URL_PATTERN } from '../section';

export const security = section({
  auth: { enum: ['token', 'none'] },
  allowedHosts: { type: 'array', items: { type: 'string', minLength: 1 } },
  allowedOrigins: { type: 'array', items: { type: 'string', pattern: URL_PATTERN } },
  tokenTtlSeconds: { type: 'integer', minimum: 60 },
  outputFileMode: { enum: ['0600', '0640'] },
});
