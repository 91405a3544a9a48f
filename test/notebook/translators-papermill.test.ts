/**
 * Papermill 2.6's own translator expectations (papermill/tests/test_translators.py and the escaping
 * cases of test_parameterize.py), which every rendering that papermill gets right must still meet, and
 * the translator lookup rules.
 */
import { isNbcError } from '../../src/errors';
import { findTranslator, getTranslator, supportedLanguages } from '../../src/notebook/translators';
import type { ParamValue } from '../../src/notebook/values';

type Lang = 'python' | 'r' | 'julia' | 'scala' | 'matlab' | 'csharp' | 'fsharp' | 'powershell' | 'bash';
const KERNEL: Record<Lang, string> = {
  python: 'python',
  r: 'R',
  julia: 'julia',
  scala: 'scala',
  matlab: 'matlab',
  csharp: '.net-csharp',
  fsharp: '.net-fsharp',
  powershell: '.net-powershell',
  bash: 'bash',
};
const r = String.raw;

describe("papermill's own expectations (tests/test_translators.py)", () => {
  const t = (lang: Lang) => getTranslator(KERNEL[lang], KERNEL[lang]);
  const jsonish = '{"foo": "bar"}';

  test.each<[Lang, ParamValue, string]>([
    ['python', 'foo', '"foo"'],
    ['python', jsonish, r`"{\"foo\": \"bar\"}"`],
    ['python', { foo: '"bar"' }, r`{"foo": "\"bar\""}`],
    ['python', { foo: { bar: '"baz"' } }, r`{"foo": {"bar": "\"baz\""}}`],
    ['python', ['foo', '"bar"'], r`["foo", "\"bar\""]`],
    ['python', [{ foo: '"bar"' }], r`[{"foo": "\"bar\""}]`],
    ['python', -5432.1, '-5432.1'],
    ['python', 1.2345, '1.2345'],
    ['r', { foo: ['bar'] }, 'list("foo" = list("bar"))'],
    ['r', [{ foo: '"bar"' }], r`list(list("foo" = "\"bar\""))`],
    ['scala', { foo: ['bar'] }, 'Map("foo" -> Seq("bar"))'],
    ['scala', 2147483648, '2147483648L'],
    ['scala', -2147483649, '-2147483649L'],
    ['julia', { foo: { bar: '"baz"' } }, r`Dict("foo" => Dict("bar" => "\"baz\""))`],
    ['julia', [{ foo: 'bar' }], '[Dict("foo" => "bar")]'],
    ['matlab', jsonish, '"{""foo"": ""bar""}"'],
    ['matlab', { foo: '"bar"' }, `containers.Map({'foo'}, {"""bar"""})`],
    ['matlab', { foo: { bar: 'baz' } }, `containers.Map({'foo'}, {containers.Map({'bar'}, {"baz"})})`],
    ['matlab', ['foo', '"bar"'], '{"foo", """bar"""}'],
    ['csharp', jsonish, r`"{\"foo\": \"bar\"}"`],
    ['csharp', { foo: '"bar"' }, r`new Dictionary<string,Object>{ { "foo" , "\"bar\"" } }`],
    ['csharp', ['foo', '"bar"'], r`new [] { "foo", "\"bar\"" }`],
    ['csharp', [{ foo: 'bar' }], 'new [] { new Dictionary<string,Object>{ { "foo" , "bar" } } }'],
    ['fsharp', { foo: '"bar"' }, r`[ ("foo", "\"bar\"" :> IComparable) ] |> Map.ofList`],
    ['fsharp', ['foo', '"bar"'], r`[ "foo"; "\"bar\"" ]`],
    ['fsharp', [{ foo: 'bar' }], '[ [ ("foo", "bar" :> IComparable) ] |> Map.ofList ]'],
    ['powershell', jsonish, '"{`"foo`": `"bar`"}"'],
    ['powershell', { foo: { bar: '"baz"' } }, '@{"foo" = @{"bar" = "`"baz`""}}'],
    ['powershell', [{ foo: '"bar"' }], '@(@{"foo" = "`"bar`""})'],
    ['bash', 'foo space', "'foo space'"],
    ['bash', "foo's apostrophe", `'foo'"'"'s apostrophe'`],
    ['bash', 'shell ( is ) <dumb>', "'shell ( is ) <dumb>'"],
    ['bash', '$dumb(shell)', "'$dumb(shell)'"],
    ['bash', -5432.1, '-5432.1'],
  ])('%s: %j', (lang, value, expected) => {
    expect(t(lang).renderValue(value)).toBe(expected);
  });

  test('simple_execute escaping cases (reference §7)', () => {
    const py = t('python');
    expect(py.renderAssignment('msg', '"Hello"')).toBe(r`msg = "\"Hello\""`);
    expect(py.renderAssignment('foo', r`do\ not\ crash`)).toBe(r`foo = "do\\ not\\ crash"`);
    expect(py.renderAssignment('foo', r`bar=\"baz\"`)).toBe(r`foo = "bar=\\\"baz\\\""`);
    expect(py.renderAssignment('foo', r`\\"bar\\"`)).toBe(r`foo = "\\\\\"bar\\\\\""`);
    expect(py.renderCell({ msg: 'Hello' }).split('\n')).toEqual(['# Parameters', 'msg = "Hello"', '']);
  });

  test('codify with several parameters', () => {
    expect(t('r').renderCell({ foo: 'bar', baz: ['buz'] })).toBe(
      '# Parameters\nfoo = "bar"\nbaz = list("buz")\n',
    );
    expect(t('scala').renderCell({ foo: 'bar', baz: ['buz'] })).toBe(
      '// Parameters\nval foo = "bar"\nval baz = Seq("buz")\n',
    );
    expect(t('matlab').renderCell({ foo: { bar: 'baz' } })).toBe(
      `% Parameters\nfoo = containers.Map({'bar'}, {"baz"});\n`,
    );
    expect(t('csharp').renderCell({ foo: { bar: 'baz' } })).toBe(
      '// Parameters\nvar foo = new Dictionary<string,Object>{ { "bar" , "baz" } };\n',
    );
    expect(t('fsharp').renderCell({ foo: ['bar', 'baz'] })).toBe(
      '(* Parameters *)\nlet foo = [ "bar"; "baz" ]\n',
    );
    expect(t('powershell').renderCell({ foo: 'bar', baz: ['buz'] })).toBe(
      '# Parameters\n$foo = "bar"\n$baz = @("buz")\n',
    );
    expect(t('bash').renderCell({ foo: 'bar', baz: '$dumb(shell)' })).toBe(
      "# Parameters\nfoo=bar\nbaz='$dumb(shell)'\n",
    );
  });
});

describe('translator lookup', () => {
  test.each<[string | undefined, string | undefined, string]>([
    ['python3', 'python', 'Python'],
    ['pysparkkernel', 'whatever', 'Python'],
    ['sparkkernel', undefined, 'Scala'],
    ['sparkrkernel', undefined, 'R'],
    ['.net-csharp', 'C#', 'C#'],
    ['.net-fsharp', 'F#', 'F#'],
    ['.net-powershell', 'PowerShell', 'PowerShell'],
    ['ir', 'R', 'R'],
    ['ir', undefined, 'R'],
    ['unknown-kernel', 'r', 'R'],
    ['julia-1.10', 'julia', 'Julia'],
    ['julia-1.9', undefined, 'Julia'],
    [undefined, 'c#', 'C#'],
    [undefined, 'F#', 'F#'],
    [undefined, 'powershell', 'PowerShell'],
    ['bash', 'bash', 'bash'],
    [undefined, 'MATLAB', 'MATLAB'],
  ])('kernel %s / language %s → %s', (kernel, language, expected) => {
    expect(getTranslator(kernel, language).language).toBe(expected);
  });

  test('the exact kernel name wins over the language (papermill order)', () => {
    expect(getTranslator('bash', 'python').language).toBe('bash');
    expect(getTranslator('python', 'R').language).toBe('Python');
  });

  test('an exact papermill key for the language beats an alias of the kernel', () => {
    expect(getTranslator('python3', 'R').language).toBe('R');
  });

  test('unknown kernel and language: E_TRANSLATOR naming both and listing the supported ones', () => {
    let caught: unknown;
    try {
      getTranslator('sos', 'SoS');
    } catch (err) {
      caught = err;
    }
    expect(isNbcError(caught, 'E_TRANSLATOR')).toBe(true);
    const message = (caught as Error).message;
    expect(message).toContain("kernel 'sos'");
    expect(message).toContain("language 'SoS'");
    for (const key of [
      'python',
      'R',
      'scala',
      'julia',
      'matlab',
      '.net-csharp',
      '.net-fsharp',
      '.net-powershell',
      'bash',
    ]) {
      expect(message).toContain(key);
    }
    expect(findTranslator('sos', 'SoS')).toBeUndefined();
  });

  test('sh is not bash (papermill has no sh key; declare -A and arrays are bash-only)', () => {
    expect(findTranslator('sh', 'sh')).toBeUndefined();
  });

  test('supportedLanguages lists all nine', () => {
    expect(supportedLanguages()).toEqual([
      'Python',
      'R',
      'Scala',
      'Julia',
      'MATLAB',
      'C#',
      'F#',
      'PowerShell',
      'bash',
    ]);
  });
});
