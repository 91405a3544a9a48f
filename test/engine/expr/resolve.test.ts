import fs from 'node:fs';
import path from 'node:path';

import { expandInlineJson, resolveExpressions } from '../../../src/engine/expr';
import type { JsonValue } from '../../../src/json';

/** ParametersUtils.replace(input, doc): resolve a map of inputs against a document. */
const replace = (input: JsonValue, doc: JsonValue): JsonValue => resolveExpressions(input, doc);

describe('resolveExpressions — ParametersUtilsTest cases', () => {
  const doc = { name: 'conductor', version: 2, externalId: '{"taskRefName":"t001","workflowId":"w002"}' };

  it('testReplace: typed whole values and the $. prefix', () => {
    expect(replace({ k1: '${$.externalId}', k4: '${name}', k5: '${version}' }, doc)).toEqual({
      k1: '{"taskRefName":"t001","workflowId":"w002"}',
      k4: 'conductor',
      k5: 2,
    });
  });

  it('testReplaceWithArrayExpand: an expanded list document and indexes', () => {
    const list = [
      { externalId: '[{"taskRefName":"t001","workflowId":"w002"}]', name: 'conductor', version: 2 },
    ];
    const out = replace(
      {
        k2: '${$[0].externalId[0].taskRefName}',
        k3: '${__json_externalId.taskRefName}',
        k4: '${$[0].name}',
        k5: '${$[0].version}',
      },
      expandInlineJson(list),
    );
    expect(out).toEqual({ k2: 't001', k3: null, k4: 'conductor', k5: 2 });
  });

  it('testReplaceWithMapExpand: paths into an expanded map', () => {
    const map = { externalId: '{"taskRefName":"t001","workflowId":"w002"}', name: 'conductor', version: 2 };
    expect(
      replace({ k2: '${externalId.taskRefName}', k4: '${name}', k5: '${version}' }, expandInlineJson(map)),
    ).toEqual({
      k2: 't001',
      k4: 'conductor',
      k5: 2,
    });
    expect(map.externalId).toBe('{"taskRefName":"t001","workflowId":"w002"}'); // the original is not expanded
  });

  it('testReplaceInputWithMapAndList: blank expressions, nested maps and lists, input not mutated', () => {
    const input = {
      k1: '${$.externalId}',
      k2: '${name}',
      k3: '${version}',
      k4: '${}',
      k5: '${    }',
      map: { name: '${name}', version: '${version}' },
      list: ['${name}', '${version}'],
    };
    const before = JSON.parse(JSON.stringify(input)) as JsonValue;
    expect(replace(input, doc)).toEqual({
      k1: '{"taskRefName":"t001","workflowId":"w002"}',
      k2: 'conductor',
      k3: 2,
      k4: '',
      k5: '',
      map: { name: 'conductor', version: 2 },
      list: ['conductor', 2],
    });
    expect(input).toEqual(before);
  });

  it('testNestedPathExpressions: inner expressions resolve first', () => {
    const nested = {
      name: 'conductor',
      index: 1,
      mapValue: 'a',
      recordIds: [1, 2, 3],
      map: { a: [1, 2, 3], b: [2, 4, 5], c: [3, 7, 8] },
    };
    expect(
      replace(
        {
          k1: '${recordIds[${index}]}',
          k2: '${map.${mapValue}[${index}]}',
          k3: '${map.b[${map.${mapValue}[${index}]}]}',
        },
        nested,
      ),
    ).toEqual({ k1: 2, k2: 2, k3: 5 });
  });

  it('testReplaceWithLineTerminators', () => {
    expect(
      replace(
        {
          k1: 'Name: ${name}; Version: ${version};',
          k2: 'Name: ${name};\nVersion: ${version};',
          k3: 'Name: ${name};\rVersion: ${version};',
          k4: 'Name: ${name};\r\nVersion: ${version};',
        },
        doc,
      ),
    ).toEqual({
      k1: 'Name: conductor; Version: 2;',
      k2: 'Name: conductor;\nVersion: 2;',
      k3: 'Name: conductor;\rVersion: 2;',
      k4: 'Name: conductor;\r\nVersion: 2;',
    });
  });

  it('testReplaceWithEscapedTags: $${ is an escape for a literal ${', () => {
    const d = { someString: 'conductor', someNumber: 2 };
    const input = {
      k1: '${$.someString} $${$.someNumber}${$.someNumber} ${$.someNumber}$${$.someString}',
      k2: '$${$.someString}afterText',
      k3: 'beforeText$${$.someString}',
      k4: '$${$.someString} afterText',
      k5: 'beforeText $${$.someString}',
      map: { a: '${someString}', b: '${someNumber}', c: '$${someString} ${someNumber}' },
      list: ['${someString}', '${someNumber}', '${someString} $${someNumber}'],
    };
    expect(replace(input, d)).toEqual({
      k1: 'conductor ${$.someNumber}2 2${$.someString}',
      k2: '${$.someString}afterText',
      k3: 'beforeText${$.someString}',
      k4: '${$.someString} afterText',
      k5: 'beforeText ${$.someString}',
      map: { a: 'conductor', b: 2, c: '${someString} 2' },
      list: ['conductor', 2, 'conductor ${someNumber}'],
    });
    expect(input.map.c).toBe('$${someString} ${someNumber}');
  });

  it('testWorkflowSecretsLeftLiteralDuringNormalResolution', () => {
    expect(
      replace({ pwd: '${workflow.secrets.DB_PASSWORD}', h: 'Bearer ${workflow.secrets.T}' }, {}),
    ).toEqual({
      pwd: '${workflow.secrets.DB_PASSWORD}',
      h: 'Bearer ${workflow.secrets.T}',
    });
  });
});

describe('resolveExpressions — values and their string forms', () => {
  const document = {
    workflow: {
      input: {
        n: 5,
        f: 1.5,
        flag: true,
        none: null,
        list: [1, 2],
        map: { a: 1, b: 'x' },
        items: [{ id: 1 }, { id: 2 }],
      },
      workflowId: 'wf-1',
      variables: { count: 3 },
    },
    t1: { output: { result: { rows: [{ a: 1 }] } }, status: 'COMPLETED' },
  };

  it.each<[string, JsonValue]>([
    ['${workflow.input.n}', 5],
    ['${workflow.input.f}', 1.5],
    ['${workflow.input.flag}', true],
    ['${workflow.input.none}', null],
    ['${workflow.input.missing}', null],
    ['${workflow.input.map}', { a: 1, b: 'x' }],
    ['${workflow.input.list}', [1, 2]],
    ['${workflow.input.items[*].id}', [1, 2]],
    ['${workflow.input.items[?(@.id > 1)]}', [{ id: 2 }]],
    ['${workflow.input.nothing[*]}', []],
    ['${t1.output.result.rows[0].a}', 1],
    ['${workflow.variables.count}', 3],
    ['${$..id}', [1, 2]],
  ])('whole value %s is typed', (expr, expected) => {
    expect(resolveExpressions({ v: expr }, document)).toEqual({ v: expected });
  });

  it.each<[string, string]>([
    ['n=${workflow.input.n} f=${workflow.input.f}', 'n=5 f=1.5'],
    ['missing=${workflow.input.missing}', 'missing=null'],
    ['map=${workflow.input.map}', 'map={a=1, b=x}'],
    ['list=${workflow.input.list}', 'list=[1, 2]'],
    ['ids=${workflow.input.items[*].id}', 'ids=[1,2]'], // an indefinite path prints as JSON (json-smart)
    ['flag=${workflow.input.flag} none=${workflow.input.none}', 'flag=true none=null'],
    ['${workflow.workflowId}-${t1.status}', 'wf-1-COMPLETED'],
    ['sum=${workflow.input.list.sum()}', 'sum=3.0'], // Jayway aggregations are Doubles
  ])('embedded %s', (expr, expected) => {
    expect(resolveExpressions(expr, document)).toBe(expected);
  });

  it('passes numbers, booleans and null through, and deep-copies the result', () => {
    const input = { a: 1, b: false, c: null, d: ['${workflow.input.map}'] };
    const out = resolveExpressions(input, document) as { d: [{ a: number }] };
    expect(out).toEqual({ a: 1, b: false, c: null, d: [{ a: 1, b: 'x' }] });
    out.d[0].a = 99;
    expect(document.workflow.input.map.a).toBe(1);
  });

  it('substitutes CPEWF_TASK_ID and allowlisted env names only', () => {
    const input = {
      id: '${CPEWF_TASK_ID}',
      embedded: 'task ${CPEWF_TASK_ID}',
      region: '${REGION}',
      home: '${HOME}',
      stack: '${NETFLIX_STACK}',
    };
    expect(resolveExpressions(input, document, { taskId: 'task-7', env: { REGION: 'eu-west-1' } })).toEqual({
      id: 'task-7',
      embedded: 'task task-7',
      region: 'eu-west-1',
      home: null, // not allowlisted: read as a path, never from process.env
      stack: '${NETFLIX_STACK}', // a system name without a value stays literal, as in Conductor
    });
  });

  it('leaves ${CPEWF_TASK_ID} literal without a task id', () => {
    expect(resolveExpressions('${CPEWF_TASK_ID}', document)).toBe('${CPEWF_TASK_ID}');
  });

  it('treats a bad path as null and never throws', () => {
    expect(resolveExpressions({ a: '${workflow.input(}', b: 'x ${workflow.input.n b}' }, document)).toEqual({
      a: null,
      b: 'x null',
    });
  });
});

interface ResolveFixture {
  groups: { doc: JsonValue; cases: [string, JsonValue][] }[];
}

describe('resolveExpressions — agrees with Conductor + Jayway (generated on the JVM)', () => {
  const fixture = JSON.parse(
    fs.readFileSync(path.join(__dirname, '../../fixtures/expr/conductor-resolve-cases.json'), 'utf8'),
  ) as ResolveFixture;
  const options = { taskId: 'TASK-1', env: { ORACLE_ENV: 'oracle-value' } };

  it.each(fixture.groups.map((g, i) => [i, g.cases.length, g] as const))(
    'group %i (%i cases)',
    (_i, _n, group) => {
      const wrong = group.cases
        .map(([expr, expected]) => ({
          expr,
          expected,
          actual: resolveExpressions({ v: expr }, group.doc, options),
        }))
        .filter((c) => JSON.stringify({ v: c.expected }) !== JSON.stringify(c.actual));
      expect(wrong).toEqual([]);
    },
  );
});

describe('expandInlineJson (JsonUtils.expand)', () => {
  it.each<[JsonValue, JsonValue]>([
    ['{"a":1}', { a: 1 }],
    ['not json', 'not json'],
    ['42', 42],
    [
      { a: ' [1, 2] ', b: '{bad', c: 'text', d: { e: '{"f":"[3]"}' } },
      { a: [1, 2], b: '{bad', c: 'text', d: { e: { f: '[3]' } } },
    ],
    [
      ['{"x":1}', { y: '{"z":2}' }],
      ['{"x":1}', { y: { z: 2 } }],
    ], // strings directly in lists stay strings
  ])('%j → %j', (input, expected) => {
    expect(expandInlineJson(input)).toEqual(expected);
  });
});
