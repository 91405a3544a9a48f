/**
 * The shape of a configuration section's schema fragment: a JSON Schema (draft-07, checked by ajv) for
 * one `section.key` object. `secret: true` marks a value `nbconductor config` and logs never show.
 */
export interface KeySchema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly minLength?: number;
  readonly pattern?: string;
  readonly items?: KeySchema;
  readonly description?: string;
  readonly secret?: true;
}

export interface SectionSchema {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, KeySchema>>;
  readonly additionalProperties: false;
}

export function section(properties: Record<string, KeySchema>): SectionSchema {
  return { type: 'object', properties, additionalProperties: false };
}

/** An http(s) URL. */
export const URL_PATTERN = '^https?://';
