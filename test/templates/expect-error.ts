/** Assertion helper for the templates tests: the call fails with E_TEMPLATE naming the label and reason. */
import { NbcError } from '../../src/errors';

export function templateFailure(fn: () => unknown): NbcError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NbcError && err.code === 'E_TEMPLATE') return err;
    throw new Error(`expected NbcError E_TEMPLATE, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected the template to fail, but it rendered');
}

export function expectTemplateError(fn: () => unknown, label: string, reason: RegExp): NbcError {
  const err = templateFailure(fn);
  expect(err.message.startsWith(`${label}: `)).toBe(true);
  expect(err.details.field).toBe(label);
  expect(err.message).toMatch(reason);
  return err;
}
