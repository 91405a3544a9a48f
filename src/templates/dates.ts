/**
 * Date filters. Instants are ISO 8601 strings, epoch milliseconds or Dates; everything is computed in
 * UTC unless a fixed offset is given, so a run renders the same way on every machine.
 *
 * Format tokens (anything else is copied; text in [brackets] is copied verbatim):
 *   YYYY 2024 · YY 24 · MMMM January · MMM Jan · MM 01 · M 1 · DD 05 · D 5 · dddd Friday · ddd Fri
 *   HH 07 (00–23) · H 7 · mm 04 · m 4 · ss 09 · s 9 · SSS 123 (milliseconds)
 *   X epoch seconds · x epoch milliseconds · Z +05:30 · ZZ +0530
 * Offsets: 'UTC' / 'Z', '+05:30', '-0800', or a number of minutes east of UTC.
 */
import { isSafeString } from './internals';
import { TemplateFault } from './fault';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const TOKENS = /\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|HH|H|mm|m|ss|s|SSS|X|x|ZZ|Z/g;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MAX_EPOCH_MS = 8.64e15;

const FIXED_UNITS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};
const CALENDAR_UNITS: Record<string, number> = { month: 1, year: 12 };

function fault(message: string): TemplateFault {
  return new TemplateFault('type', message);
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

function fromParts(text: string, parts: (string | undefined)[]): number {
  const [y, mo, d, h = '0', mi = '0', s = '0', frac = '', z, sign, oh = '0', om = '0'] = parts;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const ok =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month - 1) &&
    Number(h) <= 23 &&
    Number(mi) <= 59 &&
    Number(s) <= 59 &&
    Number(oh) <= 23 &&
    Number(om) <= 59;
  if (!ok) throw fault(`${JSON.stringify(text)} is not a valid date`);
  const ms = Number((frac + '000').slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), ms);
  const offset =
    z !== undefined || sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  return utc - offset * 60_000;
}

/** Epoch milliseconds of an ISO 8601 string (no offset = UTC), a 'YYYYMMDD' string, epoch ms or a Date. */
export function toEpochMs(value: unknown): number {
  if (isSafeString(value)) value = value.val;
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw fault('invalid Date');
    return ms;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Math.abs(value) > MAX_EPOCH_MS)
      throw fault(`${value} is not a valid epoch time`);
    return value;
  }
  if (typeof value === 'string') {
    const text = value.trim();
    const iso = ISO.exec(text) ?? COMPACT_DATE.exec(text);
    if (iso) return fromParts(value, iso.slice(1));
    throw fault(
      `cannot read ${JSON.stringify(value.slice(0, 40))} as a date ` +
        '(expected ISO 8601 like 2024-01-31 or 2024-01-31T12:00:00Z, YYYYMMDD, or epoch milliseconds)',
    );
  }
  throw fault(`cannot read ${value === null ? 'null' : typeof value} as a date`);
}

/** Minutes east of UTC for a tz option ('UTC', 'Z', '+05:30', '-0800', or a number of minutes). */
export function offsetMinutes(tz: unknown): number {
  if (tz === undefined || tz === null) return 0;
  if (typeof tz === 'number') {
    if (!Number.isInteger(tz) || Math.abs(tz) > 24 * 60)
      throw fault(`tz ${tz} is not a whole number of minutes`);
    return tz;
  }
  if (typeof tz === 'string') {
    if (/^(utc|z)$/i.test(tz)) return 0;
    const m = /^([+-])(\d{2}):?(\d{2})$/.exec(tz);
    if (m && Number(m[2]) <= 23 && Number(m[3]) <= 59) {
      return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    }
  }
  throw fault(`tz ${JSON.stringify(tz)} is not an offset such as 'UTC', '+05:30' or -480`);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function offsetText(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
}

/** Format an instant with the token set above, in UTC shifted by `offset` minutes. */
export function formatInstant(ms: number, format: string, offset: number): string {
  const d = new Date(ms + offset * 60_000);
  const year = d.getUTCFullYear();
  return format.replace(TOKENS, (token: string, literal: string | undefined) => {
    if (literal !== undefined) return literal;
    switch (token) {
      case 'YYYY':
        return pad(year, 4);
      case 'YY':
        return pad(year % 100);
      case 'MMMM':
        return MONTHS[d.getUTCMonth()] as string;
      case 'MMM':
        return (MONTHS[d.getUTCMonth()] as string).slice(0, 3);
      case 'MM':
        return pad(d.getUTCMonth() + 1);
      case 'M':
        return String(d.getUTCMonth() + 1);
      case 'DD':
        return pad(d.getUTCDate());
      case 'D':
        return String(d.getUTCDate());
      case 'dddd':
        return DAYS[d.getUTCDay()] as string;
      case 'ddd':
        return (DAYS[d.getUTCDay()] as string).slice(0, 3);
      case 'HH':
        return pad(d.getUTCHours());
      case 'H':
        return String(d.getUTCHours());
      case 'mm':
        return pad(d.getUTCMinutes());
      case 'm':
        return String(d.getUTCMinutes());
      case 'ss':
        return pad(d.getUTCSeconds());
      case 's':
        return String(d.getUTCSeconds());
      case 'SSS':
        return pad(d.getUTCMilliseconds(), 3);
      case 'X':
        return String(Math.floor(ms / 1000));
      case 'x':
        return String(ms);
      case 'ZZ':
        return offsetText(offset, false);
      default: // 'Z'
        return offsetText(offset, true);
    }
  });
}

/** Split nunjucks keyword arguments (a trailing object marked `__keywords`) from positional ones. */
export function splitKwargs(args: unknown[]): [unknown[], Record<string, unknown>] {
  const last = args[args.length - 1];
  if (typeof last === 'object' && last !== null && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
    return [args.slice(0, -1), last as Record<string, unknown>];
  }
  return [args, {}];
}

/** `value | date(format='YYYY-MM-DD', tz=None)` */
export function dateFilter(value: unknown, ...rest: unknown[]): string {
  const [args, kw] = splitKwargs(rest);
  const format = args[0] ?? kw.format ?? 'YYYY-MM-DD';
  if (typeof format !== 'string') throw fault('the format must be a string');
  return formatInstant(toEpochMs(value), format, offsetMinutes(args[1] ?? kw.tz));
}

/** `value | isoformat(tz=None)` → '2024-01-31T12:00:00.000Z' (or '…+05:30' with an offset). */
export function isoformatFilter(value: unknown, ...rest: unknown[]): string {
  const [args, kw] = splitKwargs(rest);
  const offset = offsetMinutes(args[0] ?? kw.tz);
  const ms = toEpochMs(value);
  if (offset === 0) return new Date(ms).toISOString();
  return formatInstant(ms, 'YYYY-MM-DD[T]HH:mm:ss.SSSZ', offset);
}

function unitName(unit: unknown): string {
  const name = typeof unit === 'string' ? unit.toLowerCase().replace(/s$/, '') : '';
  if (name in FIXED_UNITS || name in CALENDAR_UNITS) return name;
  throw fault(
    `unknown unit ${JSON.stringify(unit)} (use seconds, minutes, hours, days, weeks, months or years)`,
  );
}

/** Add `amount` units to an instant; months and years are calendar steps in UTC (Jan 31 + 1 month = Feb 28/29). */
export function addToInstant(ms: number, amount: number, unit: string): number {
  const fixed = FIXED_UNITS[unit];
  if (fixed !== undefined) return ms + amount * fixed;
  if (!Number.isInteger(amount)) throw fault(`${unit}s must be added in whole numbers, not ${amount}`);
  const months = amount * (CALENDAR_UNITS[unit] as number);
  const d = new Date(ms);
  const total = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(total / 12);
  const month0 = ((total % 12) + 12) % 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month0));
  return Date.UTC(
    year,
    month0,
    day,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

function isoOfMs(ms: number): string {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_EPOCH_MS) throw fault('the resulting date is out of range');
  return new Date(ms).toISOString();
}

/** `value | dateAdd(amount, unit='days')` → ISO string (UTC). */
export function dateAddFilter(value: unknown, ...rest: unknown[]): string {
  const [args, kw] = splitKwargs(rest);
  const amount = args[0] ?? kw.amount;
  if (typeof amount !== 'number' || !Number.isFinite(amount)) throw fault('the amount must be a number');
  return isoOfMs(addToInstant(toEpochMs(value), amount, unitName(args[1] ?? kw.unit ?? 'days')));
}

/** `value | addDays(n)` → ISO string (UTC). */
export function addDaysFilter(value: unknown, amount: unknown): string {
  if (typeof amount !== 'number' || !Number.isFinite(amount))
    throw fault('the number of days must be a number');
  return isoOfMs(addToInstant(toEpochMs(value), amount, 'day'));
}

/** The ISO string for a caller-supplied `now` (Date, epoch ms or ISO string). */
export function normalizeNow(now: Date | number | string): string {
  return isoOfMs(toEpochMs(now));
}
