import { LOG_FORMATS, LOG_LEVELS } from '../../log';
import { section } from '../section';

export const log = section({
  level: { enum: LOG_LEVELS },
  format: { enum: LOG_FORMATS },
});
