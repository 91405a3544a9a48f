/**
 * Structural schema for nbformat v4 notebooks as found on disk (multi-line strings may be string or
 * string[]). Written for nbconductor from the nbformat v4 format description; cell ids are optional here
 * because pre-4.5 notebooks lack them (reading upgrades to 4.5 and assigns ids).
 */

const multiline = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

const mimebundle = {
  type: 'object',
  patternProperties: { '^application/(.*\\+)?json$': {} },
  additionalProperties: multiline,
};

const cellId = { type: 'string', pattern: '^[a-zA-Z0-9-_]+$', minLength: 1, maxLength: 64 };

const tags = { type: 'array', items: { type: 'string', pattern: '^[^,]+$' } };

const cellMetadata = {
  type: 'object',
  properties: { tags, name: { type: 'string' } },
};

const outputs = {
  execute_result: {
    type: 'object',
    required: ['output_type', 'data', 'metadata', 'execution_count'],
    additionalProperties: false,
    properties: {
      output_type: { const: 'execute_result' },
      execution_count: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'null' }] },
      data: mimebundle,
      metadata: { type: 'object' },
    },
  },
  display_data: {
    type: 'object',
    required: ['output_type', 'data', 'metadata'],
    additionalProperties: false,
    properties: {
      output_type: { const: 'display_data' },
      data: mimebundle,
      metadata: { type: 'object' },
    },
  },
  stream: {
    type: 'object',
    required: ['output_type', 'name', 'text'],
    additionalProperties: false,
    properties: { output_type: { const: 'stream' }, name: { type: 'string' }, text: multiline },
  },
  error: {
    type: 'object',
    required: ['output_type', 'ename', 'evalue', 'traceback'],
    additionalProperties: false,
    properties: {
      output_type: { const: 'error' },
      ename: { type: 'string' },
      evalue: { type: 'string' },
      traceback: { type: 'array', items: { type: 'string' } },
    },
  },
};

const output = {
  type: 'object',
  required: ['output_type'],
  properties: { output_type: { enum: Object.keys(outputs) } },
  allOf: Object.entries(outputs).map(([kind, schema]) => ({
    if: { properties: { output_type: { const: kind } } },
    then: schema,
  })),
};

const cells = {
  code: {
    type: 'object',
    required: ['cell_type', 'metadata', 'source', 'outputs', 'execution_count'],
    additionalProperties: false,
    properties: {
      id: cellId,
      cell_type: { const: 'code' },
      metadata: cellMetadata,
      source: multiline,
      outputs: { type: 'array', items: output },
      execution_count: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'null' }] },
    },
  },
  markdown: {
    type: 'object',
    required: ['cell_type', 'metadata', 'source'],
    additionalProperties: false,
    properties: {
      id: cellId,
      cell_type: { const: 'markdown' },
      metadata: cellMetadata,
      source: multiline,
      attachments: { type: 'object' },
    },
  },
  raw: {
    type: 'object',
    required: ['cell_type', 'metadata', 'source'],
    additionalProperties: false,
    properties: {
      id: cellId,
      cell_type: { const: 'raw' },
      metadata: cellMetadata,
      source: multiline,
      attachments: { type: 'object' },
    },
  },
};

const cell = {
  type: 'object',
  required: ['cell_type'],
  properties: { cell_type: { enum: Object.keys(cells) } },
  allOf: Object.entries(cells).map(([kind, schema]) => ({
    if: { properties: { cell_type: { const: kind } } },
    then: schema,
  })),
};

export const NOTEBOOK_V4_SCHEMA = {
  type: 'object',
  required: ['metadata', 'nbformat_minor', 'nbformat', 'cells'],
  additionalProperties: false,
  properties: {
    metadata: {
      type: 'object',
      properties: {
        kernelspec: {
          type: 'object',
          required: ['name', 'display_name'],
          properties: { name: { type: 'string' }, display_name: { type: 'string' } },
        },
        language_info: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' } },
        },
      },
    },
    nbformat_minor: { type: 'integer', minimum: 0 },
    nbformat: { const: 4 },
    cells: { type: 'array', items: cell },
  },
} as const;
