import fs from 'node:fs';
import path from 'node:path';

import { findPlaceholders } from '../../../src/engine/expr';

interface MatchFixture {
  cases: [string, [number, number][]][];
}

const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../fixtures/expr/conductor-placeholder-matches.json'), 'utf8'),
) as MatchFixture;

const spans = (text: string): [number, number][] => findPlaceholders(text).map((p) => [p.start, p.end]);

describe('findPlaceholders', () => {
  it.each<[string, [number, number][]]>([
    ['${a}', [[0, 4]]],
    [
      'x ${a} y ${b}',
      [
        [2, 6],
        [9, 13],
      ],
    ],
    ['${a${b}c}', [[0, 9]]], // nested: one outer match, resolved inside-out later
    ['${map.${k}[${i}]}', [[0, 17]]],
    ['$${a}', []], // escaped
    ['$$${a}', []], // still preceded by '$'
    ['${a}}', [[0, 4]]],
    ['{${a}}', [[1, 5]]],
    ['${{}}', [[0, 5]]],
    ['${a', []],
    ['${a ${b}', []], // unbalanced first candidate: Java's matcher finds nothing after it either
    ['${a} ${b', [[0, 4]]],
    ['${}', [[0, 3]]],
    ['$ {a}', []],
    ['{"k": "${workflow.input.x}"}', [[7, 26]]],
  ])('%j → %j', (text, expected) => {
    expect(spans(text)).toEqual(expected);
  });

  it(`matches java.util.regex with Conductor's PATTERN on ${fixture.cases.length} random strings`, () => {
    const mismatches = fixture.cases.filter(
      ([text, expected]) => JSON.stringify(spans(text)) !== JSON.stringify(expected),
    );
    expect(mismatches).toEqual([]);
  });
});
