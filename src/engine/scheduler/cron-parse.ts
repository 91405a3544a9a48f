/**
 * Cron expressions as Conductor reads them: Spring's `CronExpression.parse` (6 fields `sec min hour dom
 * month dow`, macros, `?`, names, Quartz `L`/`W`/`#`). The rules follow Spring's `CronField`,
 * `BitsCronField` and `QuartzCronField`:
 *   - exactly 6 fields (5-field Unix and 7-field Quartz expressions are rejected);
 *   - `a/n` means a..max step n; a step must be ≥ 1; a range must not run backwards;
 *   - day-of-week is 0-7 (0 and 7 are Sunday, `*` is 1-7 so `*` + step counts from Monday); names
 *     JAN-DEC and MON-SUN in any case; `?` only as the whole day-of-month or day-of-week field;
 *   - day-of-month `L`, `L-n`, `LW`, `nW`; day-of-week `nL` (last n-day) and `d#n` (n-th d-day);
 *   - day-of-month AND day-of-week must both match (Spring; Vixie cron would OR them).
 * An error names the field and the part that is wrong.
 */

const MACROS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

/** A date as the day rules see it: day of week 1 = Monday … 7 = Sunday (java.time numbering). */
export interface CalendarDay {
  day: number;
  dayOfWeek: number;
  daysInMonth: number;
}

type DayRule = (d: CalendarDay) => boolean;

export interface CronSpec {
  /** The expression as given (used in `_schedulerCron`). */
  readonly source: string;
  readonly seconds: readonly boolean[];
  readonly minutes: readonly boolean[];
  readonly hours: readonly boolean[];
  /** Index 1-12. */
  readonly months: readonly boolean[];
  readonly dayOfMonth: DayRule;
  readonly dayOfWeek: DayRule;
  /**
   * One value in each of seconds, minutes and hours (e.g. `0 30 2 * * *`): such a schedule runs once when
   * its time occurs twice (DST fall-back); interval schedules run on both occurrences.
   */
  readonly fixedTime: boolean;
}

export class CronSyntaxError extends Error {
  override readonly name = 'CronSyntaxError';
}

interface FieldType {
  label: string;
  min: number;
  max: number;
}

const SECOND: FieldType = { label: 'second', min: 0, max: 59 };
const MINUTE: FieldType = { label: 'minute', min: 0, max: 59 };
const HOUR: FieldType = { label: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldType = { label: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldType = { label: 'month', min: 1, max: 12 };
const DAY_OF_WEEK: FieldType = { label: 'day-of-week', min: 1, max: 7 };

class FieldError extends Error {}

function int(text: string, what: string): number {
  if (!/^\+?\d+$/.test(text)) throw new FieldError(`'${text}' is not a number (${what})`);
  return Number(text);
}

function checkValue(type: FieldType, v: number): number {
  // Day-of-week also takes 0 (Sunday, as in cron).
  if ((type === DAY_OF_WEEK && v === 0) || (v >= type.min && v <= type.max)) return v;
  const lo = type === DAY_OF_WEEK ? 0 : type.min;
  throw new FieldError(`${v} is out of range ${lo}-${type.max}`);
}

function parseRange(text: string, type: FieldType): [number, number] {
  if (text === '*') return [type.min, type.max];
  const dash = text.indexOf('-');
  if (dash === -1) {
    const v = checkValue(type, int(text, 'a value'));
    return [v, v];
  }
  let lo = checkValue(type, int(text.slice(0, dash), 'range start'));
  const hi = checkValue(type, int(text.slice(dash + 1), 'range end'));
  // As a range start, Sunday is 0, so SUN-SAT means 0-6.
  if (type === DAY_OF_WEEK && lo === 7) lo = 0;
  if (lo > hi) throw new FieldError(`range ${text} runs backwards (the start must not be after the end)`);
  return [lo, hi];
}

/** `*`, `a`, `a-b`, `*\/n`, `a/n`, `a-b/n`, comma lists: the set of values (index = value). */
function parseBits(value: string, type: FieldType): boolean[] {
  if (value === '') throw new FieldError('empty value');
  const bits = new Array<boolean>(type.max + 1).fill(false);
  for (const part of value.split(',')) {
    const slash = part.indexOf('/');
    const [lo, end] = parseRange(slash === -1 ? part : part.slice(0, slash), type);
    let hi = end;
    let step = 1;
    if (slash !== -1) {
      const rangeText = part.slice(0, slash);
      if (!rangeText.includes('-')) hi = type.max;
      step = int(part.slice(slash + 1), 'step');
      if (step <= 0) throw new FieldError('the step must be 1 or higher');
    }
    for (let v = lo; v <= hi; v += step) bits[v] = true;
  }
  return bits;
}

function replaceNames(value: string, names: readonly string[]): string {
  let out = value.toUpperCase();
  names.forEach((name, i) => (out = out.split(name).join(String(i + 1))));
  return out;
}

function dayBits(value: string, type: FieldType): boolean[] {
  const bits = parseBits(value === '?' ? '*' : value, type);
  if (type === DAY_OF_WEEK && bits[0]) {
    bits[7] = true;
    bits[0] = false;
  }
  return bits;
}

function isWeekday(dow: number): boolean {
  return dow >= 1 && dow <= 5;
}

/** Weekday of day `n` of the month given the weekday of day `d`. */
function dowOf(d: CalendarDay, n: number): number {
  return ((((d.dayOfWeek - 1 + n - d.day) % 7) + 7) % 7) + 1;
}

function quartzDayOfMonth(value: string): DayRule {
  const l = value.lastIndexOf('L');
  if (l !== -1) {
    if (l !== 0) throw new FieldError(`unrecognized characters before 'L' in '${value}'`);
    if (value === 'L') return (d) => d.day === d.daysInMonth;
    if (value === 'LW') {
      return (d) => {
        const lastDow = dowOf(d, d.daysInMonth);
        const shift = lastDow === 6 ? 1 : lastDow === 7 ? 2 : 0;
        return d.day === d.daysInMonth - shift;
      };
    }
    if (!/^L-\d+$/.test(value))
      throw new FieldError(`'${value}' is not L, LW or L-n (n days before the last day)`);
    const offset = Number(value.slice(2));
    if (offset === 0) throw new FieldError(`the offset in '${value}' must be 1 or more`);
    return (d) => d.day === d.daysInMonth - offset;
  }
  const w = value.lastIndexOf('W');
  if (w === 0) throw new FieldError(`no day-of-month before 'W' in '${value}'`);
  if (w !== value.length - 1) throw new FieldError(`unrecognized characters after 'W' in '${value}'`);
  const n = checkValue(DAY_OF_MONTH, int(value.slice(0, w), 'day before W'));
  // The weekday nearest to day n, within the month (Saturday the 1st moves to Monday the 3rd).
  return (d) => {
    if (n > d.daysInMonth) return false;
    const target = dowOf(d, n);
    if (isWeekday(target)) return d.day === n;
    if (target === 6) return d.day === (n === 1 ? 3 : n - 1);
    return n < d.daysInMonth && d.day === n + 1;
  };
}

function parseDayOfWeekNumber(text: string, value: string): number {
  const v = int(text, `day of week in '${value}'`);
  if (v > 7) throw new FieldError(`day of week ${v} in '${value}' is out of range 0-7`);
  return v === 0 ? 7 : v;
}

function quartzDayOfWeek(value: string): DayRule {
  const l = value.lastIndexOf('L');
  if (l !== -1) {
    if (l !== value.length - 1) throw new FieldError(`unrecognized characters after 'L' in '${value}'`);
    if (l === 0) throw new FieldError(`no day-of-week before 'L' in '${value}'`);
    const dow = parseDayOfWeekNumber(value.slice(0, l), value);
    return (d) => d.dayOfWeek === dow && d.day + 7 > d.daysInMonth;
  }
  const hash = value.lastIndexOf('#');
  if (hash === 0) throw new FieldError(`no day-of-week before '#' in '${value}'`);
  if (hash === value.length - 1) throw new FieldError(`no ordinal after '#' in '${value}'`);
  const dow = parseDayOfWeekNumber(value.slice(0, hash), value);
  const ordinal = int(value.slice(hash + 1), `ordinal in '${value}'`);
  if (ordinal <= 0) throw new FieldError(`the ordinal in '${value}' must be 1 or more`);
  return (d) => d.dayOfWeek === dow && Math.ceil(d.day / 7) === ordinal;
}

/** A day field: plain values as bits; when Quartz syntax appears, a comma list mixing both. */
function dayField(
  value: string,
  type: FieldType,
  isQuartz: (part: string) => boolean,
  quartz: (part: string) => DayRule,
  key: 'day' | 'dayOfWeek',
): DayRule {
  if (!isQuartz(value)) {
    const bits = dayBits(value, type);
    return (d) => bits[d[key]] === true;
  }
  const rules = value.split(',').map((part): DayRule => {
    if (isQuartz(part)) return quartz(part);
    const bits = dayBits(part, type);
    return (d) => bits[d[key]] === true;
  });
  return (d) => rules.some((r) => r(d));
}

function field<T>(type: FieldType, value: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof FieldError)
      throw new CronSyntaxError(`${type.label} field '${value}': ${err.message}`);
    throw err;
  }
}

function count(bits: readonly boolean[]): number {
  return bits.filter(Boolean).length;
}

/** Parses `expression` or throws a CronSyntaxError whose message says what is wrong and where. */
export function parseCron(expression: string): CronSpec {
  if (typeof expression !== 'string' || expression.trim() === '')
    throw new CronSyntaxError('the cron expression is empty');
  const trimmed = expression.trim();
  const resolved = MACROS[trimmed.toLowerCase()] ?? trimmed;
  const parts = resolved.split(' ').filter((p) => p !== '');
  if (parts.length !== 6) {
    const hint =
      parts.length === 5
        ? ' (Conductor uses 6 fields with seconds first: prefix a 0 for "at second 0")'
        : parts.length === 7
          ? ' (the 7th, year, field of Quartz is not supported)'
          : '';
    throw new CronSyntaxError(
      `a cron expression must consist of 6 fields "second minute hour day-of-month month day-of-week" (found ${parts.length})${hint}`,
    );
  }
  const [sec, min, hour, dom, month, dow] = parts as [string, string, string, string, string, string];
  const dowValue = replaceNames(dow, DAYS);
  const spec: CronSpec = {
    source: expression,
    seconds: field(SECOND, sec, () => parseBits(sec, SECOND)),
    minutes: field(MINUTE, min, () => parseBits(min, MINUTE)),
    hours: field(HOUR, hour, () => parseBits(hour, HOUR)),
    dayOfMonth: field(DAY_OF_MONTH, dom, () =>
      dayField(dom, DAY_OF_MONTH, (p) => /[LW]/.test(p), quartzDayOfMonth, 'day'),
    ),
    months: field(MONTH, month, () => parseBits(replaceNames(month, MONTHS), MONTH)),
    dayOfWeek: field(DAY_OF_WEEK, dow, () =>
      dayField(dowValue, DAY_OF_WEEK, (p) => /[L#]/.test(p), quartzDayOfWeek, 'dayOfWeek'),
    ),
    fixedTime: false,
  };
  return {
    ...spec,
    fixedTime: count(spec.seconds) === 1 && count(spec.minutes) === 1 && count(spec.hours) === 1,
  };
}
