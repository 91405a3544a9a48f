import { section } from '../section';

export const engine = section({
  host: { type: 'string', minLength: 1 },
  port: { type: 'integer', minimum: 0, maximum: 65535 },
  dataDir: { type: 'string', minLength: 1 },
});
