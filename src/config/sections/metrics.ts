import { section } from '../section';

export const metrics = section({
  port: {
    type: ['integer', 'null'],
    minimum: 0,
    maximum: 65_535,
    description: 'null for no metrics endpoint',
  },
  host: { type: 'string', minLength: 1 },
  allowedHosts: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9.-]+$' } },
  token: { type: ['string', 'null'], minLength: 1, secret: true },
});
