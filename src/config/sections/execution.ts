import { section } from '../section';

export const execution = section({
  cellTimeoutMs: { type: ['number', 'null'], exclusiveMinimum: 0 },
  totalTimeoutMs: { type: ['number', 'null'], exclusiveMinimum: 0 },
  autosaveCellEverySec: { type: 'number', minimum: 0, description: '0 disables' },
});
