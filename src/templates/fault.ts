/**
 * The error a template raises while compiling or rendering. The engine turns it into
 * `NbcError('E_TEMPLATE', …)` with the caller's label and the template text; inside the sandbox it
 * stays a plain class so that the generated code's catch blocks can attach a position.
 */
export type FaultKind =
  | 'syntax' // the template does not parse
  | 'refused' // a construct the sandbox does not allow (include, regex literal, reserved name…)
  | 'undefined' // an undefined variable/attribute, or a null/undefined value where one is needed
  | 'forbidden' // an attribute or call that would leave plain data
  | 'type' // a value of the wrong type (filter input, output of a list…)
  | 'limit' // a resource limit (steps, size, range length, recursion depth)
  | 'timeout'; // the render time limit

export class TemplateFault extends Error {
  override readonly name = 'TemplateFault';
  /** 1-based position in the template, when known. */
  line: number | undefined;
  column: number | undefined;

  constructor(
    readonly kind: FaultKind,
    message: string,
    line?: number,
    column?: number,
  ) {
    super(message);
    this.line = line;
    this.column = column;
  }

  /** Attach a position unless one is known already (the innermost position wins). */
  at(line: number | undefined, column: number | undefined): this {
    if (this.line === undefined && line !== undefined) {
      this.line = line;
      this.column = column;
    }
    return this;
  }
}
