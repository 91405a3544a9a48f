/**
 * Translator lookup, as papermill's `find_translator`: the exact kernel name first, then the exact
 * language, among papermill's keys. Beyond papermill, common spellings are accepted case-insensitively
 * (kernel `python3`, `ir`, `julia-1.10`; language `r`, `C#`, `F#`, `PowerShell`, ...).
 */
import { NbcError } from '../../errors';
import { BashTranslator } from './bash';
import type { Translator, TranslatorId } from './common';
import { CSharpTranslator } from './csharp';
import { FSharpTranslator } from './fsharp';
import { JuliaTranslator } from './julia';
import { MatlabTranslator } from './matlab';
import { PowerShellTranslator } from './powershell';
import { PythonTranslator } from './python';
import { RTranslator } from './r';
import { ScalaTranslator } from './scala';

export type { Translator, TranslatorId } from './common';

const TRANSLATORS: Record<TranslatorId, Translator> = {
  python: new PythonTranslator(),
  r: new RTranslator(),
  scala: new ScalaTranslator(),
  julia: new JuliaTranslator(),
  matlab: new MatlabTranslator(),
  csharp: new CSharpTranslator(),
  fsharp: new FSharpTranslator(),
  powershell: new PowerShellTranslator(),
  bash: new BashTranslator(),
};

/** Papermill's registry keys (exact, case-sensitive). */
const PAPERMILL_KEYS: ReadonlyMap<string, TranslatorId> = new Map([
  ['python', 'python'],
  ['R', 'r'],
  ['scala', 'scala'],
  ['julia', 'julia'],
  ['matlab', 'matlab'],
  ['.net-csharp', 'csharp'],
  ['.net-fsharp', 'fsharp'],
  ['.net-powershell', 'powershell'],
  ['pysparkkernel', 'python'],
  ['sparkkernel', 'scala'],
  ['sparkrkernel', 'r'],
  ['bash', 'bash'],
]);

/** Other names, compared lower-cased, after papermill's keys. */
const ALIASES: ReadonlyMap<string, TranslatorId> = new Map([
  ['python', 'python'],
  ['python2', 'python'],
  ['python3', 'python'],
  ['ipython', 'python'],
  ['ipython3', 'python'],
  ['r', 'r'],
  ['ir', 'r'],
  ['julia', 'julia'],
  ['scala', 'scala'],
  ['matlab', 'matlab'],
  ['c#', 'csharp'],
  ['csharp', 'csharp'],
  ['f#', 'fsharp'],
  ['fsharp', 'fsharp'],
  ['powershell', 'powershell'],
  ['pwsh', 'powershell'],
  ['bash', 'bash'],
]);

function alias(name: string | undefined): TranslatorId | undefined {
  if (!name) return undefined;
  const lower = name.toLowerCase();
  if (/^julia-\d/.test(lower)) return 'julia';
  return ALIASES.get(lower);
}

/** Every supported language, for messages and help. */
export function supportedLanguages(): string[] {
  return Object.values(TRANSLATORS).map((t) => t.language);
}

export function translatorById(id: TranslatorId): Translator {
  return TRANSLATORS[id];
}

/** The translator for a kernel name and/or language, or undefined when neither is known. */
export function findTranslator(kernelName?: string, language?: string): Translator | undefined {
  const id =
    (kernelName !== undefined ? PAPERMILL_KEYS.get(kernelName) : undefined) ??
    (language !== undefined ? PAPERMILL_KEYS.get(language) : undefined) ??
    alias(kernelName) ??
    alias(language);
  return id === undefined ? undefined : TRANSLATORS[id];
}

/** As findTranslator, but an unknown kernel and language is an `E_TRANSLATOR` error. */
export function getTranslator(kernelName?: string, language?: string): Translator {
  const t = findTranslator(kernelName, language);
  if (t) return t;
  throw new NbcError(
    'E_TRANSLATOR',
    `No parameter translator for kernel '${kernelName ?? ''}' or language '${language ?? ''}'. ` +
      `Supported kernels and languages: ${[...PAPERMILL_KEYS.keys()].join(', ')} ` +
      `(also python3, ir, julia-1.x, C#, F#, PowerShell, case-insensitive).`,
    { kernel: kernelName, language },
  );
}
