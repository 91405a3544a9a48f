/**
 * The filter and test tables of a sandboxed environment. A short allowlist of nunjucks' own filters is
 * kept (string and list helpers that read no attributes and cannot loop without bound); the rest are
 * ours: conversions, JSON, path helpers, dates, and attribute-reading list filters that go through the
 * sandbox's data rules. Left out on purpose: HTML helpers (escape, safe, urlize, striptags, nl2br),
 * padding helpers whose width drives an unbounded loop (center, indent, batch, slice), `random`
 * (runs must be reproducible) and `groupby`.
 */
import { isPlainObject } from '../json';
import { MISSING, outputString, readMember, toJsonValue } from './data';
import { addDaysFilter, dateAddFilter, dateFilter, isoformatFilter, splitKwargs } from './dates';
import { TemplateFault } from './fault';
import { isSafeString, type NjFunction } from './internals';
import { pathSegment } from '../storage/uri';

const STOCK_FILTERS = [
  'abs',
  'capitalize',
  'dictsort',
  'first',
  'last',
  'length',
  'list',
  'lower',
  'reject',
  'reverse',
  'select',
  'title',
  'trim',
  'truncate',
  'upper',
  'urlencode',
  'wordcount',
];

const STOCK_TESTS_EXCLUDED = new Set(['escaped', 'defined', 'undefined']);

function fault(message: string): TemplateFault {
  return new TemplateFault('type', message);
}

function text(value: unknown): string {
  return isSafeString(value) ? value.val : typeof value === 'string' ? value : outputString(value);
}

/** `x | default(fallback='', boolean=false)`: the fallback when x is undefined (or falsy, with boolean). */
function defaultFilter(value: unknown, fallback: unknown = '', boolean: unknown = false): unknown {
  if (value === MISSING || value === undefined) return fallback;
  return boolean === true && !value ? fallback : value;
}

function tojson(value: unknown, ...rest: unknown[]): string {
  const [args, kw] = splitKwargs(rest);
  const indent = args[0] ?? kw.indent;
  if (indent !== undefined && (typeof indent !== 'number' || indent < 0 || indent > 10)) {
    throw fault('indent must be a number from 0 to 10');
  }
  return JSON.stringify(toJsonValue(value), null, indent);
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function toNumber(value: unknown, name: string, fallback: unknown[]): number {
  if (isSafeString(value)) value = value.val;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && (INT.test(value.trim()) || FLOAT.test(value.trim())))
    return Number(value.trim());
  if (fallback.length > 0 && typeof fallback[0] === 'number') return fallback[0];
  throw fault(
    `cannot convert ${JSON.stringify(value) ?? String(value)} to ${name} (give a default: | ${name}(0))`,
  );
}

/** `x | int(default)`: integer part of a number or numeric string; the default (if given) otherwise. */
const intFilter = (value: unknown, ...fallback: unknown[]): number =>
  Math.trunc(toNumber(value, 'int', fallback));
const floatFilter = (value: unknown, ...fallback: unknown[]): number => toNumber(value, 'float', fallback);

/** `x | round(precision=0, method='common'|'ceil'|'floor')`; 'common' rounds halves away from zero. */
function roundFilter(value: unknown, precision: unknown = 0, method: unknown = 'common'): number {
  const n = toNumber(value, 'float', []);
  if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < 0 || precision > 15) {
    throw fault('precision must be a whole number from 0 to 15');
  }
  const shift = (x: number, by: number): number => Number(`${x}e${by}`);
  const op =
    method === 'ceil' ? Math.ceil : method === 'floor' ? Math.floor : method === 'common' ? null : undefined;
  if (op === undefined)
    throw fault(`unknown rounding method ${JSON.stringify(method)} (common, ceil or floor)`);
  if (op === null) return Math.sign(n) * shift(Math.round(shift(Math.abs(n), precision)), -precision);
  return shift(op(shift(n, precision)), -precision);
}

/** `x | slug(separator='-')`: lower-case ASCII letters and digits joined by the separator. */
function slugFilter(value: unknown, separator: unknown = '-'): string {
  if (separator !== '-' && separator !== '_' && separator !== '.')
    throw fault("the separator must be '-', '_' or '.'");
  const slug = text(value)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, separator)
    .split(separator)
    .filter((part) => part !== '')
    .join(separator);
  if (slug === '') throw fault(`${JSON.stringify(text(value))} has no letters or digits to make a slug from`);
  return slug;
}

/** `x | basename(suffix='')`: the last path segment of a path or URI (query and fragment dropped). */
function basenameFilter(value: unknown, suffix: unknown = ''): string {
  let path = text(value);
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path)) path = path.replace(/[?#].*$/s, '');
  const name = path.replace(/\/+$/, '').split('/').pop() ?? '';
  if (typeof suffix !== 'string') throw fault('the suffix must be a string');
  return suffix !== '' && name.endsWith(suffix) && name !== suffix ? name.slice(0, -suffix.length) : name;
}

/**
 * `x | pathSegment`: the value made safe as one folder or file name in an output path (no `/`, `\`,
 * `..` or control characters; see storage/uri.ts). Use it for every value from workflow input.
 */
function pathSegmentFilter(value: unknown): string {
  if (value === null || Array.isArray(value) || isPlainObject(value)) {
    throw fault('pathSegment takes a string or a number');
  }
  return pathSegment(text(value));
}

/** `x | string`: the output form of a scalar; lists and objects as JSON. */
function stringFilter(value: unknown): string {
  if (Array.isArray(value) || isPlainObject(value)) return JSON.stringify(toJsonValue(value));
  return text(value);
}

function list(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw fault(`expected a list, got ${value === null ? 'null' : typeof value}`);
  return value;
}

function attribute(item: unknown, attr: unknown): unknown {
  if (attr === undefined || attr === null) return item;
  let value = item;
  for (const part of String(attr).split('.')) {
    value = readMember(value, part);
    if (value === MISSING) throw fault(`an item has no attribute '${String(attr)}'`);
  }
  return value;
}

/** `xs | join(separator='', attribute=None)` */
function joinFilter(value: unknown, separator: unknown = '', attr?: unknown): string {
  return list(value)
    .map((item) => {
      const v = attribute(item, attr);
      return v === null || v === undefined ? '' : text(v);
    })
    .join(text(separator));
}

/** `xs | sum(attribute=None, start=0)` */
function sumFilter(value: unknown, attr?: unknown, start: unknown = 0): number {
  return list(value).reduce<number>(
    (acc, item) => {
      const v = attribute(item, attr);
      if (typeof v !== 'number') throw fault(`cannot add ${JSON.stringify(v) ?? String(v)} (not a number)`);
      return acc + v;
    },
    toNumber(start, 'float', []),
  );
}

/** `xs | sort(reverse=false, case_sensitive=false, attribute=None)` */
function sortFilter(
  value: unknown,
  reverse: unknown = false,
  caseSensitive: unknown = false,
  attr?: unknown,
) {
  const keyOf = (item: unknown): unknown => {
    const v = attribute(item, attr);
    return typeof v === 'string' && caseSensitive !== true ? v.toLowerCase() : v;
  };
  const keyed = list(value).map((item) => ({ item, key: keyOf(item) }));
  keyed.sort((a, b) => {
    const x = a.key as number | string;
    const y = b.key as number | string;
    const order = x < y ? -1 : x > y ? 1 : 0;
    return reverse === true ? -order : order;
  });
  return keyed.map((entry) => entry.item);
}

/** `xs | selectattr('a.b')` / `rejectattr`: items whose attribute is truthy / falsy (missing is falsy). */
function byAttr(keep: boolean) {
  return (value: unknown, attr: unknown): unknown[] => {
    if (typeof attr !== 'string') throw fault('the attribute name must be a string');
    return list(value).filter((item) => {
      let v: unknown = item;
      for (const part of attr.split('.')) {
        v = v === MISSING || v === null || v === undefined ? MISSING : readMember(v, part);
      }
      return Boolean(v !== MISSING && v) === keep;
    });
  };
}

/**
 * `s | replace(old, new, count=None)`, as Python's str.replace (an empty `old` inserts `new` around
 * every character). The result's length is computed first and refused beyond `maxLength`, so one call
 * cannot build a huge string.
 */
function makeReplace(maxLength: number) {
  return (value: unknown, old: unknown, replacement: unknown, count?: unknown): string => {
    const s = text(value);
    const from = typeof old === 'number' ? String(old) : old;
    const to = typeof replacement === 'number' ? String(replacement) : replacement;
    if (typeof from !== 'string' || typeof to !== 'string') throw fault('old and new must be strings');
    if (
      count !== undefined &&
      count !== null &&
      (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
    ) {
      throw fault('count must be a whole number');
    }
    const occurrences = from === '' ? s.length + 1 : s.split(from).length - 1;
    const n = Math.min(occurrences, typeof count === 'number' ? count : Infinity);
    const length = s.length + n * (to.length - from.length);
    if (length > maxLength) {
      throw new TemplateFault('limit', `the result would be ${length} characters; the limit is ${maxLength}`);
    }
    let out = '';
    let i = 0;
    for (let done = 0; done < n; done++) {
      if (from === '') {
        out += to + s.slice(i, i + 1);
        i += 1;
      } else {
        const at = s.indexOf(from, i);
        out += s.slice(i, at) + to;
        i = at + from.length;
      }
    }
    return out + s.slice(i);
  };
}

const OWN_FILTERS: Record<string, NjFunction> = {
  default: defaultFilter,
  d: defaultFilter,
  tojson,
  dump: tojson,
  string: stringFilter,
  int: intFilter,
  float: floatFilter,
  round: roundFilter,
  slug: slugFilter,
  basename: basenameFilter,
  pathSegment: pathSegmentFilter,
  join: joinFilter,
  sum: sumFilter,
  sort: sortFilter,
  selectattr: byAttr(true),
  rejectattr: byAttr(false),
  date: dateFilter,
  dateAdd: dateAddFilter,
  addDays: addDaysFilter,
  isoformat: isoformatFilter,
} as Record<string, NjFunction>;

function nullProto<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Filters for a sandboxed environment: the stock allowlist taken from `stock`, plus ours. */
export function buildFilters(
  stock: Readonly<Record<string, NjFunction>>,
  limits: { maxOutputLength: number },
): Record<string, NjFunction> {
  const out = nullProto<NjFunction>();
  for (const name of STOCK_FILTERS) {
    const fn = stock[name];
    if (typeof fn === 'function') out[name] = fn;
  }
  for (const [name, fn] of Object.entries(OWN_FILTERS)) out[name] = fn;
  out.replace = makeReplace(limits.maxOutputLength) as NjFunction;
  return out;
}

/** Tests: nunjucks' own (they only compare), with `defined`/`undefined` aware of soft lookups. */
export function buildTests(stock: Readonly<Record<string, NjFunction>>): Record<string, NjFunction> {
  const out = nullProto<NjFunction>();
  for (const [name, fn] of Object.entries(stock)) if (!STOCK_TESTS_EXCLUDED.has(name)) out[name] = fn;
  out.defined = (value: unknown) => value !== MISSING && value !== undefined;
  out.undefined = (value: unknown) => value === MISSING || value === undefined;
  return out;
}
