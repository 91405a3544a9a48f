/** A path (or filter) that Jayway's compiler would reject; also thrown for filter type errors at evaluation. */
export class InvalidPathError extends Error {
  override readonly name = 'InvalidPathError';
}
