/**
 * YAML parameters as papermill reads them: PyYAML's `SafeLoader` without the timestamp resolver
 * (`NoDatesSafeLoader`), i.e. YAML 1.1 implicit types — `yes/no/on/off` booleans, `~` nulls, octal
 * `012`, hex, binary, sexagesimal `1:30`, `.inf` / `.nan`, floats that need a dot — while dates stay
 * strings. The `yaml` package parses the syntax with every scalar left a string (failsafe schema), and
 * the rules below, written from PyYAML's resolver and constructor behaviour, give the values. Float-ness
 * survives (`1.0` → FloatValue) and big ints become bigint.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node,
  type Scalar,
  type YAMLMap,
} from 'yaml';

import { NbcError } from '../errors';
import { isPlainObject, setOwn } from '../json';
import { pythonFloatRepr } from './translators/common';
import { FloatValue, type ParamValue, type Parameters } from './values';

const TAG = 'tag:yaml.org,2002:';
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const BOOL_VALUES: Record<string, boolean> = {
  yes: true,
  no: false,
  true: true,
  false: false,
  on: true,
  off: false,
};
/** Expanded values allowed per document: aliases can multiply a small text into a huge value. */
const MAX_VALUES = 1_000_000;

class YamlValueError extends Error {}

function implicitTag(text: string): string {
  if (BOOL.test(text)) return `${TAG}bool`;
  if (FLOAT.test(text)) return `${TAG}float`;
  if (INT.test(text)) return `${TAG}int`;
  if (NULL.test(text)) return `${TAG}null`;
  return `${TAG}str`;
}

function intValue(b: bigint): number | bigint {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

function constructInt(text: string): number | bigint {
  let value = text.replace(/_/g, '');
  const sign = value.startsWith('-') ? -1n : 1n;
  if (value.startsWith('-') || value.startsWith('+')) value = value.slice(1);
  const digits = /^0b[01]+$|^0x[0-9a-fA-F]+$|^0[0-7]*$|^[0-9]+$/;
  if (value.includes(':')) {
    let total = 0n;
    for (const part of value.split(':')) {
      if (!/^[0-9]+$/.test(part)) throw new YamlValueError(`invalid int ${JSON.stringify(text)}`);
      total = total * 60n + BigInt(part);
    }
    return intValue(sign * total);
  }
  if (!digits.test(value)) throw new YamlValueError(`invalid int ${JSON.stringify(text)}`);
  const parsed =
    value.startsWith('0') && !value.startsWith('0b') && !value.startsWith('0x')
      ? BigInt(`0o${value}`)
      : BigInt(value);
  return intValue(sign * parsed);
}

function constructFloat(text: string): number | FloatValue {
  let value = text.replace(/_/g, '').toLowerCase();
  const sign = value.startsWith('-') ? -1 : 1;
  if (value.startsWith('-') || value.startsWith('+')) value = value.slice(1);
  let x: number;
  if (value === '.inf') x = sign * Infinity;
  else if (value === '.nan') x = NaN;
  else if (value.includes(':'))
    x = sign * value.split(':').reduce((acc, part) => acc * 60 + pyFloat(part, text), 0);
  else x = sign * pyFloat(value, text);
  return Number.isInteger(x) ? new FloatValue(x) : x;
}

function pyFloat(s: string, text: string): number {
  if (/^(?:inf|infinity)$/.test(s)) return Infinity;
  if (s === 'nan') return NaN;
  if (!/^(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/.test(s))
    throw new YamlValueError(`invalid float ${JSON.stringify(text)}`);
  return Number(s);
}

/** Python's `str()` of a key, since papermill's dict keys may be any scalar and render as strings. */
function keyText(v: ParamValue): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof FloatValue || typeof v === 'number')
    return pythonFloatRepr(v instanceof FloatValue ? v.value : v);
  throw new YamlValueError('found unhashable key (a list or mapping used as a mapping key)');
}

/** Which keys Python's dict treats as the same (`1 == 1.0 == True`). */
function keyIdentity(v: ParamValue): string {
  if (typeof v === 'boolean') return `n:${v ? 1 : 0}`;
  if (typeof v === 'bigint') return `n:${v}`;
  const x = v instanceof FloatValue ? v.value : v;
  if (typeof x === 'number') return Number.isInteger(x) ? `n:${BigInt(x)}` : `f:${x}`;
  return `${typeof v}:${keyText(v)}`;
}

class Converter {
  private count = 0;
  private readonly active = new Set<Node>();

  constructor(private readonly doc: Document) {}

  private deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  private isMergeKey(key: unknown): boolean {
    return (
      isScalar(key) &&
      ((key.tag === undefined && key.type === 'PLAIN' && key.value === '<<') || key.tag === `${TAG}merge`)
    );
  }

  /** PyYAML's flatten_mapping: merged pairs first (earlier merge sources win), then the map's own. */
  private pairs(map: YAMLMap): Array<[unknown, unknown]> {
    const merged: Array<[unknown, unknown]> = [];
    const own: Array<[unknown, unknown]> = [];
    for (const pair of map.items) {
      if (!this.isMergeKey(pair.key)) {
        own.push([pair.key, pair.value]);
        continue;
      }
      const source = this.deref(pair.value);
      if (isMap(source)) merged.push(...this.pairs(source));
      else if (isSeq(source)) {
        const maps = source.items.map((item) => {
          const m = this.deref(item);
          if (!isMap(m)) throw new YamlValueError('expected a mapping for merging');
          return this.pairs(m);
        });
        for (const m of maps.reverse()) merged.push(...m);
      } else throw new YamlValueError('expected a mapping or list of mappings for merging');
    }
    return [...merged, ...own];
  }

  convert(input: unknown): ParamValue {
    const node = this.deref(input);
    if (node === null || node === undefined) return null;
    if (++this.count > MAX_VALUES)
      throw new YamlValueError(`more than ${MAX_VALUES} values after expanding aliases`);
    if (this.active.has(node as Node)) throw new YamlValueError('recursive alias');
    this.active.add(node as Node);
    try {
      if (isScalar(node)) return this.scalar(node);
      if (isSeq(node)) {
        this.checkTag(node.tag, 'seq');
        return node.items.map((item) => this.convert(item));
      }
      if (isMap(node)) {
        this.checkTag(node.tag, 'map');
        const out: Record<string, ParamValue> = {};
        // Python dict semantics: equal keys (1, 1.0, True) share one entry, spelled as first seen.
        const spelling = new Map<string, string>();
        for (const [k, v] of this.pairs(node)) {
          const key = this.convert(k);
          const identity = keyIdentity(key);
          const text = spelling.get(identity) ?? keyText(key);
          spelling.set(identity, text);
          setOwn(out, text, this.convert(v));
        }
        return out;
      }
      throw new YamlValueError('unsupported YAML node');
    } finally {
      this.active.delete(node as Node);
    }
  }

  private checkTag(tag: string | undefined, kind: string): void {
    if (tag !== undefined && tag !== `${TAG}${kind}` && tag !== '!')
      throw new YamlValueError(`unsupported YAML tag ${tag}`);
  }

  private scalar(node: Scalar): ParamValue {
    const text = node.value === null || node.value === undefined ? '' : String(node.value);
    let tag = node.tag;
    if (tag === undefined) tag = node.type === 'PLAIN' ? implicitTag(text) : `${TAG}str`;
    switch (tag) {
      case '!':
      case `${TAG}str`:
      case `${TAG}timestamp`: // dates stay strings (papermill's NoDatesSafeLoader)
        return text;
      case `${TAG}null`:
        return null;
      case `${TAG}bool`: {
        const b = BOOL_VALUES[text.toLowerCase()];
        if (b === undefined) throw new YamlValueError(`invalid bool ${JSON.stringify(text)}`);
        return b;
      }
      case `${TAG}int`:
        return constructInt(text);
      case `${TAG}float`:
        return constructFloat(text);
      default:
        throw new YamlValueError(`unsupported YAML tag ${tag}`);
    }
  }
}

/** Parses YAML parameters; `sourceLabel` (e.g. `-y #2`, `-f params.yaml`) names the source in errors. */
export function parseYamlParameters(text: string, sourceLabel: string): Parameters {
  const doc = parseDocument(text, {
    version: '1.1',
    schema: 'failsafe',
    uniqueKeys: false,
    prettyErrors: true,
  });
  const error = doc.errors[0];
  if (error) {
    throw new NbcError('E_PARAMETER', `Invalid YAML in parameters ${sourceLabel}: ${error.message}`, {
      field: sourceLabel,
      line: error.linePos?.[0].line,
      column: error.linePos?.[0].col,
    });
  }
  let value: ParamValue;
  try {
    value = new Converter(doc).convert(doc.contents);
  } catch (err) {
    if (!(err instanceof YamlValueError)) throw err;
    throw new NbcError('E_PARAMETER', `Invalid YAML in parameters ${sourceLabel}: ${err.message}`, {
      field: sourceLabel,
    });
  }
  if (value === null) return {};
  // A FloatValue is a class instance, not a plain object.
  if (!isPlainObject(value)) {
    const got = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new NbcError(
      'E_PARAMETER',
      `Parameters ${sourceLabel} must be a YAML mapping of names to values, got ${got}`,
      {
        field: sourceLabel,
      },
    );
  }
  return value as Parameters;
}
