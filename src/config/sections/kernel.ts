import { section, URL_PATTERN } from '../section';

export const kernel = section({
  provider: { enum: ['local', 'jupyter-server'] },
  jupyterUrl: { type: ['string', 'null'], pattern: URL_PATTERN },
  jupyterToken: { type: ['string', 'null'], secret: true },
  startTimeoutMs: { type: 'number', exclusiveMinimum: 0 },
  jupyterPath: { type: 'array', items: { type: 'string', minLength: 1 } },
  jupyterDataDir: { type: 'string', minLength: 1 },
  transport: { enum: ['auto', 'tcp', 'ipc'] },
});
