/**
 * Validators compiled ahead of time (src/validator-sources.ts writes them): each generated module carries
 * the text of the schema it was made from. If the schema has changed since (a generated file not yet
 * regenerated, e.g. right after a merge), the schema is compiled with ajv instead: slower, never wrong.
 * A test fails as long as a generated file is stale.
 */
import type { Options, ValidateFunction } from 'ajv';

export interface GeneratedModule {
  validate: unknown;
  /** JSON.stringify of the schema the module was generated from. */
  schemaText?: string;
}

/** ajv options every generated validator uses (besides its own). */
export const BASE_OPTIONS: Options = { allErrors: true, strict: false };

/** A function that returns the validator for `schema`, made on first call. */
export function precompiled(
  generated: GeneratedModule,
  schema: object,
  options: Options = {},
): () => ValidateFunction {
  let validator: ValidateFunction | undefined;
  return () => {
    if (!validator) {
      if (generated.schemaText === JSON.stringify(schema)) {
        validator = generated.validate as ValidateFunction;
      } else {
        const Ajv = (require('ajv') as typeof import('ajv')).default;
        validator = new Ajv({ ...BASE_OPTIONS, ...options }).compile(schema);
      }
    }
    return validator;
  };
}
