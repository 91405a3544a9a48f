/** Pre-parsing for papermill's two-value options (`-p NAME VALUE`), which commander cannot express. */
import { NbcError } from '../errors';

export interface PairOption {
  /** Every spelling, e.g. ['-p', '--parameters']. */
  names: readonly string[];
  key: string;
}

export interface ExtractedPairs {
  rest: string[];
  pairs: Record<string, [string, string][]>;
}

/**
 * Removes `NAME VALUE` pairs that follow any of the given option spellings, anywhere before `--`.
 * A value may start with "-" (e.g. `-p offset -5`), as in papermill.
 */
export function extractPairs(argv: readonly string[], options: readonly PairOption[]): ExtractedPairs {
  const rest: string[] = [];
  const pairs: Record<string, [string, string][]> = Object.fromEntries(options.map((o) => [o.key, []]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const opt = options.find((o) => o.names.includes(arg));
    if (!opt) {
      rest.push(arg);
      continue;
    }
    const name = argv[i + 1];
    const value = argv[i + 2];
    if (name === undefined || value === undefined) {
      throw new NbcError('E_USAGE', `option ${arg} needs two values: NAME VALUE`, { field: arg });
    }
    (pairs[opt.key] as [string, string][]).push([name, value]);
    i += 2;
  }
  return { rest, pairs };
}
