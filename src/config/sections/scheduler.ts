import { section } from '../section';

export const scheduler = section({
  catchUpDefault: { type: 'boolean' },
  catchUpMax: { type: 'integer', minimum: 0 },
  historyPerSchedule: { type: 'integer', minimum: 1 },
  historyMaxAgeDays: { type: 'number', minimum: 0, description: '0 keeps records by count only' },
});
