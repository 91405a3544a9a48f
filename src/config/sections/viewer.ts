import { section, URL_PATTERN } from '../section';

export const viewer = section({
  root: { type: ['string', 'null'], minLength: 1 },
  host: { type: 'string', minLength: 1 },
  port: { type: 'integer', minimum: 0, maximum: 65_535 },
  baseUrl: {
    type: 'string',
    pattern: '^/?[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*/?$|^/$',
    description: 'a URL path like /nbviewer/',
  },
  allowedHosts: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9.-]+(:\\d+)?$' } },
  conductorUrl: { type: ['string', 'null'], pattern: URL_PATTERN },
});
