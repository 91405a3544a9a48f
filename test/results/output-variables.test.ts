/**
 * Output variables read back through Jupyter user_expressions after a real run, with both kernel
 * providers: the expressions from outputVariableExpressions go through runNotebook's `userExpressions`
 * (the executor's silent execute after the last cell), and decodeOutputVariables reads the reply.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { NbcError } from '../../src/errors';
import type { UserExpressionResult } from '../../src/kernel/messages';
import {
  WRAPPER_REPR,
  decodeOutputVariables,
  outputVariableExpressions,
  validateOutputNames,
} from '../../src/results';
import type { Storage } from '../../src/storage';
import { quietLogger } from '../helpers/logger';
import { PROVIDER_KINDS, startTestProvider, type TestProvider } from '../helpers/providers';
import { fileStorage, pythonNotebook, runCells } from './support';

const logger = quietLogger();

const DEFINE = `import datetime
import numpy as np
import pandas as pd
i = 7
f = 2.5
nan = float("nan")
inf = float("-inf")
s = 'héllo "quoted"\\n'
flag = True
nothing = None
lst = [1, "a", None, float("nan"), (2, 3)]
d = {"k": [1, 2], "nested": {"t": True}, "n": float("inf")}
arr = np.array([[1, 2], [3, 4]])
arr_nan = np.array([1.0, np.nan])
np_scalar = np.int64(5)
np_float = np.float32(0.5)
df = pd.DataFrame({"a": [1, 2], "b": ["x", None], "c": [0.5, np.nan], "t": pd.to_datetime(["2024-01-01 00:00:00", "2024-01-02 03:04:05"])})
ser = pd.Series([1.5, 2.5], index=["p", "q"])
tser = pd.Series([1, 2], index=pd.to_datetime(["2024-01-01", "2024-01-02"]))
when = datetime.datetime(2024, 5, 6, 7, 8, 9)
day = datetime.date(2024, 5, 6)
tags = {"only"}
class Thing:
    def __str__(self):
        return "a thing"
thing = Thing()
circular = []
circular.append(circular)
`;

const EXPECTED = {
  i: 7,
  f: 2.5,
  nan: null,
  inf: null,
  s: 'héllo "quoted"\n',
  flag: true,
  nothing: null,
  lst: [1, 'a', null, null, [2, 3]],
  d: { k: [1, 2], nested: { t: true }, n: null },
  arr: [
    [1, 2],
    [3, 4],
  ],
  arr_nan: [1, null],
  np_scalar: 5,
  np_float: 0.5,
  df: [
    { a: 1, b: 'x', c: 0.5, t: '2024-01-01T00:00:00' },
    { a: 2, b: null, c: null, t: '2024-01-02T03:04:05' },
  ],
  ser: { p: 1.5, q: 2.5 },
  tser: { '2024-01-01T00:00:00': 1, '2024-01-02T00:00:00': 2 },
  when: '2024-05-06T07:08:09',
  day: '2024-05-06',
  tags: ['only'],
  thing: 'a thing',
};

describe.each(PROVIDER_KINDS)('output variables with the %s provider', (kind) => {
  let provider: TestProvider;
  let dir: string;
  let storage: Storage;

  beforeAll(async () => {
    provider = await startTestProvider(kind, logger);
    dir = await mkdtemp(path.join(os.tmpdir(), `nbc-outvars-${kind}-`));
    storage = fileStorage(dir, logger);
  });

  afterAll(async () => {
    await provider?.stop();
    await storage?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('every requested variable comes back as JSON; an undefined or unserialisable one is an error entry', async () => {
    const names = [...Object.keys(EXPECTED), 'missing', 'circular'];
    const run = await runCells(pythonNotebook([DEFINE, 'print("done")']), {
      provider,
      storage,
      dir,
      logger,
      name: 'vars',
      output: path.join(dir, 'vars.ipynb'),
      extra: { userExpressions: outputVariableExpressions(names, 'python') },
    });
    expect(run.error?.message).toBeUndefined();
    expect(run.status).toBe('completed');
    const { values, errors } = decodeOutputVariables(names, run.execution?.userExpressions);
    expect(values).toEqual(EXPECTED);
    expect(errors).toEqual({
      missing: "NameError: name 'missing' is not defined",
      circular: 'ValueError: Circular reference detected',
    });
    // the read-back leaves no trace in the notebook: no extra cell, no extra execution count
    expect(run.saved.cells).toHaveLength(2);
    expect(JSON.stringify(run.saved)).not.toContain('nbconductor.json');
    // strict JSON all the way (NaN and infinities became null)
    expect(JSON.parse(JSON.stringify(values))).toEqual(EXPECTED);
  });
});

describe('expressions and decoding without a kernel', () => {
  it('names must be variable names: E_PARAMETER names the bad one and where it is', () => {
    const bad = (names: string[], language = 'python'): NbcError => {
      try {
        outputVariableExpressions(names, language);
      } catch (err) {
        if (err instanceof NbcError) return err;
        throw err;
      }
      throw new Error('expected E_PARAMETER');
    };
    for (const [names, index] of [
      [['ok', 'x; import os'], 1],
      [['a-b'], 0],
      [['ok', 'also_ok', 'class'], 2],
      [['1x'], 0],
      [[''], 0],
    ] as const) {
      const err = bad([...names]);
      expect(err.code).toBe('E_PARAMETER');
      expect(err.details.field).toBe(`outputs[${index}]`);
      expect(err.message).toContain(JSON.stringify(names[index]));
    }
    expect(() => validateOutputNames(['ünïcode_ok', '_x1'], 'python')).not.toThrow();
    // R names may contain dots; Python names may not
    expect(() => validateOutputNames(['my.var'], 'R')).not.toThrow();
    expect(bad(['my.var']).code).toBe('E_PARAMETER');
  });

  it('other languages get the plain variable, decoded from text/plain', () => {
    expect(outputVariableExpressions(['x', 'total'], 'julia')).toEqual({ x: 'x', total: 'total' });
    const reply: Record<string, UserExpressionResult> = {
      x: { status: 'ok', data: { 'text/plain': '42' }, metadata: {} },
      total: { status: 'error', ename: 'UndefVarError', evalue: '`total` not defined' },
    };
    expect(decodeOutputVariables(['x', 'total', 'absent'], reply)).toEqual({
      values: { x: '42' },
      errors: {
        total: 'UndefVarError: `total` not defined',
        absent: expect.stringMatching(/no result/),
      },
    });
  });

  it('application/json is preferred; the Python wrapper without JSON is reported, not returned', () => {
    const reply: Record<string, UserExpressionResult> = {
      native: { status: 'ok', data: { 'text/plain': 'ignored', 'application/json': { a: 1 } }, metadata: {} },
      wrapped: {
        status: 'ok',
        data: { 'text/plain': WRAPPER_REPR, 'application/json': { 'nbconductor.json': 'v' } },
      },
      dropped: { status: 'ok', data: { 'text/plain': WRAPPER_REPR } },
    };
    const decoded = decodeOutputVariables(['native', 'wrapped', 'dropped'], reply);
    expect(decoded.values).toEqual({ native: { a: 1 }, wrapped: 'v' });
    expect(decoded.errors.dropped).toMatch(/no application\/json/);
    expect(decodeOutputVariables(['x'], undefined).errors.x).toMatch(/no result/);
  });
});
