/**
 * Words a parameter name may not be in each kernel language: assigning to them is a syntax error or
 * fails (`None = 1`, R's `function <- 1`, `val class = 1`, `$true = 1`), so the injected cell would be
 * invalid. Soft or contextual keywords that are legal variable names (Python's `match`, C#'s `var`) are
 * not listed.
 */
import type { TranslatorId } from './id';

const words = (text: string): ReadonlySet<string> => new Set(text.trim().split(/\s+/));

const RESERVED: Record<TranslatorId, ReadonlySet<string>> = {
  // keyword.kwlist, and __debug__ (cannot be assigned)
  python: words(`False None True and as assert async await break class continue def del elif else except
    finally for from global if import in is lambda nonlocal not or pass raise return try while with yield
    __debug__`),
  // ?Reserved; `...` and `..1`, `..2`, … are checked by pattern
  r: words(`if else repeat while function for next break TRUE FALSE NULL Inf NaN NA NA_integer_ NA_real_
    NA_character_ NA_complex_ in`),
  // Scala 2 and 3 keywords, and `_`
  scala: words(`abstract case catch class def do else extends false final finally for forSome if implicit
    import lazy macro match new null object override package private protected return sealed super this
    throw trait try true type val var while with yield enum export given then _`),
  julia: words(`baremodule begin break catch const continue do else elseif end export false finally for
    function global if import let local macro module quote return struct true try using while`),
  // iskeyword
  matlab: words(`break case catch classdef continue else elseif end for function global if otherwise
    parfor persistent return spmd switch try while`),
  // C# keywords (an @-prefixed name such as @class is a plain identifier)
  csharp: words(`abstract as base bool break byte case catch char checked class const continue decimal
    default delegate do double else enum event explicit extern false finally fixed float for foreach goto
    if implicit in int interface internal is lock long namespace new null object operator out override
    params private protected public readonly ref return sbyte sealed short sizeof stackalloc static string
    struct switch this throw true try typeof uint ulong unchecked unsafe ushort using virtual void volatile
    while`),
  // F# keywords, reserved identifiers and OCaml-compatibility keywords, and `_`
  fsharp: words(`abstract and as assert base begin class default delegate do done downcast downto elif
    else end exception extern false finally fixed for fun function global if in inherit inline interface
    internal lazy let match member module mutable namespace new not null of open or override private
    public rec return select sig static struct then to true try type upcast use val void when while with
    yield const break checked component constraint continue event external include mixin parallel process
    protected pure sealed tailcall trait virtual asr land lor lsl lsr lxor mod _`),
  // constants and read-only automatic variables (names are case-insensitive; compared lower-cased)
  powershell: words(`true false null _ psitem args input this host pid pshome shellid executioncontext
    psversiontable home iscoreclr islinux ismacos iswindows myinvocation psboundparameters pscmdlet`),
  // read-only shell variables (an assignment to them fails)
  bash: words(`BASHOPTS BASH_VERSINFO EUID PPID SHELLOPTS UID`),
};

/** True when `name` cannot be assigned as a variable in the language. */
export function isReservedName(id: TranslatorId, name: string): boolean {
  if (id === 'r' && /^\.\.(\.|\d+)$/.test(name)) return true;
  return RESERVED[id].has(id === 'powershell' ? name.toLowerCase() : name);
}
