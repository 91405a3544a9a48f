/**
 * Parameter names that are reserved words of the notebook's language are refused, naming the parameter
 * (issue 7 §6): the injected cell would not parse (`None = 1`, R's `function <- 1`).
 */
import { execFileSync } from 'node:child_process';

import { isNbcError } from '../../src/errors';
import { translatorById, type TranslatorId } from '../../src/notebook/translators';
import { isReservedName } from '../../src/notebook/translators/reserved';
import { testVenv } from '../helpers/python';

it.each<[TranslatorId, string, string]>([
  ['python', 'None', 'Python'],
  ['python', 'class', 'Python'],
  ['python', 'lambda', 'Python'],
  ['r', 'function', 'R'],
  ['r', 'TRUE', 'R'],
  ['r', '...', 'R'],
  ['r', '..2', 'R'],
  ['scala', 'val', 'Scala'],
  ['scala', 'given', 'Scala'],
  ['julia', 'end', 'Julia'],
  ['matlab', 'end', 'MATLAB'],
  ['csharp', 'class', 'C#'],
  ['fsharp', 'let', 'F#'],
  ['powershell', 'True', 'PowerShell'],
  ['powershell', 'null', 'PowerShell'],
  ['bash', 'UID', 'bash'],
])('%s refuses the parameter name %j, naming it', (id, name, language) => {
  const t = translatorById(id);
  let err: unknown;
  try {
    t.renderCell({ ok_name: 1, [name]: 1 });
  } catch (e) {
    err = e;
  }
  expect(isNbcError(err, 'E_PARAMETER')).toBe(true);
  expect((err as Error).message).toContain(`parameter ${name} for ${t.language}`);
  expect((err as Error).message).toContain(`is reserved in ${language} (a keyword or a read-only name)`);
});

it.each<[TranslatorId, string]>([
  ['python', 'match'], // a soft keyword: a legal name
  ['python', 'none'],
  ['r', 'Function'],
  ['csharp', '@class'],
  ['csharp', 'var'],
  ['scala', 'value'],
  ['bash', 'if'], // `if=1` is an assignment
])('%s accepts %j', (id, name) => {
  expect(() => translatorById(id).renderCell({ [name]: 1 })).not.toThrow();
});

it("Python's list is exactly keyword.kwlist (plus __debug__), as the project's Python reports it", () => {
  const kwlist = JSON.parse(
    execFileSync(testVenv().python, ['-c', 'import json, keyword; print(json.dumps(keyword.kwlist))'], {
      encoding: 'utf8',
    }),
  ) as string[];
  for (const kw of kwlist)
    expect({ kw, reserved: isReservedName('python', kw) }).toEqual({ kw, reserved: true });
  expect(isReservedName('python', '__debug__')).toBe(true);
  for (const soft of ['match', 'case', 'type', '_', 'print'])
    expect({ soft, reserved: isReservedName('python', soft) }).toEqual({ soft, reserved: false });
});
