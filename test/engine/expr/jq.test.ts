import { closeJq, jqAvailable, JqError, jqTransform } from '../../../src/engine/expr';
import type { JsonValue } from '../../../src/json';

afterAll(async () => {
  await closeJq();
});

async function jqError(query: string, input: JsonValue, timeoutMs?: number): Promise<JqError> {
  try {
    await jqTransform(query, input, timeoutMs === undefined ? {} : { timeoutMs });
  } catch (err) {
    expect(err).toBeInstanceOf(JqError);
    return err as JqError;
  }
  throw new Error(`expected ${query} to fail`);
}

const SPEC_QUERY = '.input as $_ | { out: ($_.in1.array + $_.in2.array) }';

describe('jqTransform (JSON_JQ_TRANSFORM)', () => {
  it('is available from the installed jq-wasm package', () => {
    expect(jqAvailable()).toBe(true);
  });

  it('JsonJQTransformSpec: concatenates the two arrays', async () => {
    const input = {
      input: { in1: { array: ['a', 'b'] }, in2: { array: ['c', 'd'] } },
      queryExpression: SPEC_QUERY,
    };
    await expect(jqTransform(SPEC_QUERY, input)).resolves.toEqual({
      result: { out: ['a', 'b', 'c', 'd'] },
      resultList: [{ out: ['a', 'b', 'c', 'd'] }],
    });
  });

  it('JsonJQTransformSpec: fails on string input with jq’s message', async () => {
    const err = await jqError(SPEC_QUERY, { input: { in1: 'a', in2: 'b' } });
    expect(err.message).toBe('Cannot index string with string "array"');
  });

  it.each<[string, string, JsonValue, JsonValue, JsonValue[]]>([
    [
      'dataShouldBeCorrectlySelected',
      '.inputJson.key[0]',
      { inputJson: { key: ['VALUE'] } },
      'VALUE',
      ['VALUE'],
    ],
    [
      'listResultShouldBeCorrectlyExtracted',
      '.inputData.request.transitions | map(.name)',
      { inputData: { request: { transitions: [{ name: 'redeliver' }, { name: 'redelivery' }] } } },
      ['redeliver', 'redelivery'],
      [['redeliver', 'redelivery']],
    ],
    [
      'stringResultShouldBeCorrectlyExtracted',
      'if(.data | length >0) then "EXISTS" else "CREATE" end',
      { data: [] },
      'CREATE',
      ['CREATE'],
    ],
    ['nullResultShouldBeCorrectlyExtracted', 'null', {}, null, [null]],
    ['several outputs: result is the first', '.a[]', { a: [1, 2, 3] }, 1, [1, 2, 3]],
    ['no output', 'empty', {}, null, []],
    ['strings with newlines survive', '"x\\ny"', {}, 'x\ny', ['x\ny']],
  ])('%s', async (_name, query, input, result, resultList) => {
    await expect(jqTransform(query, input)).resolves.toEqual({ result, resultList });
  });

  it('an error after some outputs fails the whole transform', async () => {
    expect((await jqError('.a, error("second")', { a: 1 })).message).toBe('second');
  });

  it('reports compile errors with jq’s message', async () => {
    expect((await jqError('{', {})).message).toMatch(/^syntax error, unexpected end of file/);
  });

  it('interrupts a query that never ends and keeps working afterwards', async () => {
    const err = await jqError('def f: f; f', {}, 300);
    expect(err.message).toContain('did not finish within 300 ms');
    await expect(jqTransform('.x + 1', { x: 1 })).resolves.toEqual({ result: 2, resultList: [2] });
  });

  it("sees none of the engine's environment, and no files of the host", async () => {
    process.env.NBC_JQ_CANARY = 'engine-secret';
    try {
      const env = (await jqTransform('[$ENV, env]', {})).result as Record<string, string>[];
      for (const e of env) {
        expect(e.NBC_JQ_CANARY).toBeUndefined();
        expect(JSON.stringify(e)).not.toContain('engine-secret');
        expect(Object.keys(e).length).toBeLessThan(Object.keys(process.env).length);
      }
    } finally {
      delete process.env.NBC_JQ_CANARY;
    }
    for (const query of [
      'include "/etc/passwd"; .',
      'import "/etc/passwd" as p; .',
      `import "${__filename.replace(/\.ts$/, '')}" as t; .`,
      'include "../../../../etc/hosts"; .',
    ])
      expect((await jqError(query, {})).message).toMatch(/module not found|may not traverse/);
  });

  it('runs queued queries in order', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((n) => jqTransform('.n * 10', { n })));
    expect(results.map((r) => r.result)).toEqual([10, 20, 30, 40]);
  });
});
