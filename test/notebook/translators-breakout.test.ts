/**
 * "A string can never break out of its literal", for the languages without an interpreter on this
 * machine: every hostile string is rendered, scanned with a lexer for that language's literal rules
 * (test/helpers/literal-tokenizers.ts), and must end exactly at the end of the rendering and decode to
 * the input — or the translator must refuse it with E_PARAMETER when the language cannot hold it.
 * If Rscript, julia or pwsh is installed, the rendered cells are also run for real.
 */
import { spawnSync } from 'node:child_process';

import { isNbcError } from '../../src/errors';
import { getTranslator, type Translator } from '../../src/notebook/translators';
import { matlabCharArray } from '../../src/notebook/translators/matlab';
import type { Parameters } from '../../src/notebook/values';
import { HOSTILE_STRINGS, randomHostileStrings } from '../helpers/python-values';
import {
  tokenizeCSharp,
  tokenizeFSharp,
  tokenizeJulia,
  tokenizeR,
  tokenizeScala2,
  tokenizeScala3,
  type Tokenizer,
} from '../helpers/literal-tokenizers';
import { tokenizeMatlab, tokenizeMatlabChars, tokenizePowerShell } from '../helpers/concat-tokenizers';

const hasLoneSurrogate = (s: string): boolean =>
  /(?:[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/.test(s);

// Every BMP class boundary and a few astral characters, one string each.
const SINGLE_CHARACTERS = [
  ...Array.from({ length: 0x100 }, (_, i) => String.fromCharCode(i)),
  ...[
    0x100, 0x2028, 0x2029, 0x2018, 0x2019, 0x201a, 0x201b, 0x201c, 0x201d, 0x201e, 0xfeff, 0xfffd, 0xffff,
  ].map((c) => String.fromCharCode(c)),
  '\u{1F600}',
  '\u{10FFFF}',
  '\ud800',
  '\udfff',
];

const CORPUS = [
  ...HOSTILE_STRINGS,
  ...SINGLE_CHARACTERS,
  ...randomHostileStrings(2000, 2024),
  ...SINGLE_CHARACTERS.map((c) => `x${c}1a`),
];

interface Case {
  name: string;
  translator: Translator;
  tokenizers: Tokenizer[];
  /** Strings the language cannot hold; the translator must refuse these. */
  unrepresentable: (s: string) => boolean;
}

const CASES: Case[] = [
  {
    name: 'R',
    translator: getTranslator('ir', 'R'),
    tokenizers: [tokenizeR],
    unrepresentable: (s) => s.includes('\0') || hasLoneSurrogate(s),
  },
  {
    name: 'Julia',
    translator: getTranslator('julia-1.10', 'julia'),
    tokenizers: [tokenizeJulia],
    unrepresentable: hasLoneSurrogate,
  },
  {
    name: 'Scala',
    translator: getTranslator('scala', 'scala'),
    tokenizers: [tokenizeScala2, tokenizeScala3],
    unrepresentable: () => false,
  },
  {
    name: 'MATLAB',
    translator: getTranslator('matlab', 'matlab'),
    tokenizers: [tokenizeMatlab],
    unrepresentable: () => false,
  },
  {
    name: 'C#',
    translator: getTranslator('.net-csharp', 'C#'),
    tokenizers: [tokenizeCSharp],
    unrepresentable: () => false,
  },
  {
    name: 'F#',
    translator: getTranslator('.net-fsharp', 'F#'),
    tokenizers: [tokenizeFSharp],
    unrepresentable: () => false,
  },
  {
    name: 'PowerShell',
    translator: getTranslator('.net-powershell', 'PowerShell'),
    tokenizers: [tokenizePowerShell],
    unrepresentable: () => false,
  },
];

function units(s: string): number[] {
  return Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
}

describe.each(CASES)('$name string literals', ({ translator, tokenizers, unrepresentable }) => {
  test(`${CORPUS.length} hostile strings: each literal closes exactly at its end and decodes to the input`, () => {
    // Failures are collected (not asserted one by one) so the corpus stays fast; any entry is a bug.
    const failures: Array<{ s: string; rendered?: string; problem: string }> = [];
    let checked = 0;
    for (const s of CORPUS) {
      let rendered: string;
      try {
        rendered = translator.renderValue(s, 's');
      } catch (err) {
        if (!(isNbcError(err, 'E_PARAMETER') && unrepresentable(s)))
          failures.push({ s, problem: `refused: ${String(err)}` });
        continue;
      }
      if (unrepresentable(s))
        failures.push({ s, rendered, problem: 'rendered a string the language cannot hold' });
      for (const tokenize of tokenizers) {
        try {
          const scanned = tokenize(rendered);
          if (scanned.end !== rendered.length)
            failures.push({ s, rendered, problem: `literal ends at ${scanned.end}` });
          else if (JSON.stringify(scanned.units) !== JSON.stringify(units(s))) {
            failures.push({
              s,
              rendered,
              problem: `decodes to ${JSON.stringify(String.fromCharCode(...scanned.units))}`,
            });
          }
        } catch (err) {
          failures.push({ s, rendered, problem: (err as Error).message });
        }
      }
      checked++;
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(CORPUS.length * 0.8);
  });

  test('a cell of hostile strings has exactly one line per parameter (no raw line breaks)', () => {
    const params: Parameters = {};
    CORPUS.filter((s) => !unrepresentable(s)).forEach((s, i) => (params[`p${i}`] = s));
    const lines = translator.renderCell(params).split(/\r\n|\r|\n/);
    expect(lines).toHaveLength(Object.keys(params).length + 2);
  });

  test('hostile strings as dict keys close exactly too', () => {
    for (const s of CORPUS.filter((x) => !unrepresentable(x) && x !== '')) {
      const rendered = translator.renderValue({ [s]: 1 });
      expect(rendered.split(/\r\n|\r|\n/)).toHaveLength(1);
    }
  });
});

test('MATLAB char-array keys close exactly and decode to the input', () => {
  for (const s of CORPUS) {
    const rendered = matlabCharArray(s);
    const scanned = tokenizeMatlabChars(rendered);
    expect({ s, end: scanned.end, units: scanned.units }).toEqual({
      s,
      end: rendered.length,
      units: units(s),
    });
  }
});

test('the tokenizers catch the hazards papermill leaves in', () => {
  // Each is papermill 2.6's rendering of a string, which the language's lexer rejects or misreads.
  expect(() => tokenizeJulia(String.raw`"$(run(` + '`id`' + String.raw`))"`)).toThrow(/interpolate/);
  expect(() => tokenizeR(String.raw`"caf\xe9"`)).toThrow(/raw byte/);
  expect(() => tokenizeR(String.raw`"\x01\u2713"`)).toThrow(/mixing/);
  expect(() => tokenizeScala3(String.raw`"caf\xe9"`)).toThrow(/invalid escape/);
  expect(tokenizeScala2(String.raw`"a\u0022 + sys.exit() + \u0022"`).end).toBe(8);
  expect(tokenizeCSharp(String.raw`"\x01a"`).units).toEqual([0x1a]);
  expect(() => tokenizePowerShell('"$(Remove-Item x)"')).toThrow(/expand/);
  expect(tokenizeMatlab(String.raw`"a\nb"`).units).toEqual(units('a\\nb'));
});

// Real interpreters, when present (none are installed on the reference machine).
const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const REAL: Array<[string, string, string[], (cell: string, names: string[]) => string]> = [
  [
    'Rscript',
    'R',
    ['-e'],
    (cell, names) => `${cell}\n${names.map((n) => `cat(${n}, "\\0", sep="")`).join('\n')}`,
  ],
  [
    'julia',
    'julia',
    ['-e'],
    (cell, names) => `${cell}\n${names.map((n) => `print(${n}, "\\0")`).join('\n')}`,
  ],
  [
    'pwsh',
    '.net-powershell',
    ['-NoProfile', '-Command'],
    (cell, names) => `${cell}\n${names.map((n) => `[Console]::Out.Write($${n} + [char]0)`).join('\n')}`,
  ],
];

describe.each(REAL)('%s (real interpreter, if installed)', (cmd, kernel, args, program) => {
  const run = have(cmd) ? test : test.skip;
  run('hostile strings read back exactly', () => {
    const t = getTranslator(kernel, kernel);
    const strings = HOSTILE_STRINGS.filter((s) => !s.includes('\0') && !hasLoneSurrogate(s));
    const params: Parameters = {};
    strings.forEach((s, i) => (params[`s${i}`] = s));
    const res = spawnSync(cmd, [...args, program(t.renderCell(params), Object.keys(params))], {
      encoding: 'utf8',
    });
    expect(res.status).toBe(0);
    expect(res.stdout.split('\0').slice(0, -1)).toEqual(strings);
  });
});
