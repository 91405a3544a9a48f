/** One parameter inferred from a notebook's `parameters` cell (papermill's `Parameter`). */
export interface InferredParameter {
  name: string;
  /** The annotation or `# type:` comment; `"None"` when unknown (papermill's convention). */
  inferredType: string;
  /** The default's source text, not evaluated. */
  default: string;
  /** The trailing comment. */
  help: string;
}

/** Infers parameters from the source of a `parameters` cell; `warnings` collects unparsable lines. */
export type ParameterInspector = (source: string, warnings: string[]) => InferredParameter[];
