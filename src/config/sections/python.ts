import { section } from '../section';

export const python = section({
  venvDir: { type: 'string', minLength: 1 },
  requirementsFile: { type: 'string', minLength: 1 },
  basePython: { type: 'string', minLength: 1 },
  autoSetup: { type: 'boolean' },
});
