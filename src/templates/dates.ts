/**
 * Date filters, computed with luxon. Instants are ISO 8601 strings, epoch milliseconds or Dates;
 * everything is computed in UTC unless a zone is given, so a run renders the same way on every machine.
 *
 * Format tokens (anything else is copied; text in [brackets] is copied verbatim):
 *   YYYY 2024 · YY 24 · MMMM January · MMM Jan · MM 01 · M 1 · DD 05 · D 5 · dddd Friday · ddd Fri
 *   HH 07 (00–23) · H 7 · mm 04 · m 4 · ss 09 · s 9 · SSS 123 (milliseconds)
 *   X epoch seconds · x epoch milliseconds · Z +05:30 · ZZ +0530
 * Zones (`tz`): 'UTC' / 'Z', a fixed offset ('+05:30', '-0800', or a number of minutes east of UTC), or
 * an IANA zone name ('Europe/Paris', 'America/New_York': daylight saving time included).
 */
import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';

import { isSafeString } from './internals';
import { TemplateFault } from './fault';

/** Our tokens → luxon's (toFormat); names are English whatever the machine's locale. */
const LUXON_TOKENS: Record<string, string> = {
  YYYY: 'yyyy',
  YY: 'yy',
  MMMM: 'MMMM',
  MMM: 'MMM',
  MM: 'MM',
  M: 'M',
  DD: 'dd',
  D: 'd',
  dddd: 'EEEE',
  ddd: 'EEE',
  HH: 'HH',
  H: 'H',
  mm: 'mm',
  m: 'm',
  ss: 'ss',
  s: 's',
  SSS: 'SSS',
  X: 'X',
  x: 'x',
  Z: 'ZZ',
  ZZ: 'ZZZ',
};
const TOKENS = /\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|HH|H|mm|m|ss|s|SSS|X|x|ZZ|Z/g;
const COMPACT_DATE = /^\d{8}$/;
const MAX_EPOCH_MS = 8.64e15;
const UTC = FixedOffsetZone.utcInstance;

const UNITS = new Set(['second', 'minute', 'hour', 'day', 'week', 'month', 'year']);
const CALENDAR_UNITS = new Set(['month', 'year']);

function fault(message: string): TemplateFault {
  return new TemplateFault('type', message);
}

function fromText(value: string): number {
  const text = value.trim();
  // ISO 8601 (a space may separate date and time), or the basic form YYYYMMDD; no offset = UTC.
  const iso = /^\d{4}-\d{2}-\d{2} \d/.test(text) ? text.replace(' ', 'T') : text;
  if (!/^\d{4}-?\d{2}-?\d{2}([Tt]|$)/.test(iso) && !COMPACT_DATE.test(iso)) {
    throw fault(
      `cannot read ${JSON.stringify(value.slice(0, 40))} as a date ` +
        '(expected ISO 8601 like 2024-01-31 or 2024-01-31T12:00:00Z, YYYYMMDD, or epoch milliseconds)',
    );
  }
  const dt = DateTime.fromISO(iso, { zone: UTC, setZone: false });
  if (!dt.isValid) throw fault(`${JSON.stringify(value)} is not a valid date`);
  return dt.toMillis();
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
  if (typeof value === 'string') return fromText(value);
  throw fault(`cannot read ${value === null ? 'null' : typeof value} as a date`);
}

/** The zone for a tz option: 'UTC', 'Z', '+05:30', '-0800', minutes east of UTC, or an IANA name. */
export function zoneOf(tz: unknown): Zone {
  if (tz === undefined || tz === null) return UTC;
  if (typeof tz === 'number') {
    if (!Number.isInteger(tz) || Math.abs(tz) > 24 * 60)
      throw fault(`tz ${tz} is not a whole number of minutes`);
    return FixedOffsetZone.instance(tz);
  }
  if (typeof tz === 'string') {
    if (/^(utc|z)$/i.test(tz)) return UTC;
    const m = /^([+-])(\d{2}):?(\d{2})$/.exec(tz);
    if (m && Number(m[2]) <= 23 && Number(m[3]) <= 59) {
      return FixedOffsetZone.instance((m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])));
    }
    if (/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz) && IANAZone.isValidZone(tz)) {
      return IANAZone.create(tz);
    }
  }
  throw fault(
    `tz ${JSON.stringify(tz)} is not a zone such as 'UTC', '+05:30', -480 or an IANA name like 'Europe/Paris'`,
  );
}

/** Format an instant with the token set above, in `zone`. */
export function formatInstant(ms: number, format: string, zone: Zone): string {
  const dt = DateTime.fromMillis(ms, { zone, locale: 'en-US' });
  return format.replace(TOKENS, (token: string, literal: string | undefined) =>
    literal !== undefined ? literal : dt.toFormat(LUXON_TOKENS[token] as string),
  );
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
  return formatInstant(toEpochMs(value), format, zoneOf(args[1] ?? kw.tz));
}

/** `value | isoformat(tz=None)` → '2024-01-31T12:00:00.000Z' (or '…+05:30' in another zone). */
export function isoformatFilter(value: unknown, ...rest: unknown[]): string {
  const [args, kw] = splitKwargs(rest);
  const zone = zoneOf(args[0] ?? kw.tz);
  const ms = toEpochMs(value);
  if (zone.equals(UTC)) return new Date(ms).toISOString();
  return formatInstant(ms, 'YYYY-MM-DD[T]HH:mm:ss.SSSZ', zone);
}

function unitName(unit: unknown): string {
  const name = typeof unit === 'string' ? unit.toLowerCase().replace(/s$/, '') : '';
  if (UNITS.has(name)) return name;
  throw fault(
    `unknown unit ${JSON.stringify(unit)} (use seconds, minutes, hours, days, weeks, months or years)`,
  );
}

/**
 * Add `amount` units to an instant, in UTC: seconds to weeks are fixed lengths; months and years are
 * calendar steps that keep the day where it exists (Jan 31 + 1 month = Feb 28/29).
 */
export function addToInstant(ms: number, amount: number, unit: string): number {
  if (CALENDAR_UNITS.has(unit) && !Number.isInteger(amount))
    throw fault(`${unit}s must be added in whole numbers, not ${amount}`);
  const dt = DateTime.fromMillis(ms, { zone: UTC }).plus({ [`${unit}s`]: amount });
  if (!dt.isValid) throw fault('the resulting date is out of range');
  return dt.toMillis();
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
