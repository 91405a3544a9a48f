/**
 * Cron evaluation against Spring's `CronExpression` (what Conductor uses): the expected values are the
 * ones Spring Framework's own CronExpressionTests assert, plus Spring's parse rules and DST behaviour.
 */
import { CronSyntaxError, parseCron } from '../../../src/engine/scheduler/cron-parse';
import { nextSlot, nextSlots, zoneFor } from '../../../src/engine/scheduler/cron-next';

const UTC = zoneFor('UTC')!;

/** Local ISO date-times (no zone) are read as UTC here. */
function next(expr: string, afterIso: string, zone = 'UTC'): string | null {
  const z = zoneFor(zone)!;
  const after = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(afterIso) ? afterIso : `${afterIso}Z`);
  const r = nextSlot(parseCron(expr), z, after);
  return r === null ? null : new Date(r).toISOString().replace('.000Z', '');
}

function chain(expr: string, afterIso: string, n: number): string[] {
  const out: string[] = [];
  let cur = afterIso;
  for (let i = 0; i < n; i++) {
    const v = next(expr, cur);
    if (v === null) break;
    out.push(v);
    cur = v;
  }
  return out;
}

describe('parsing (Spring rules)', () => {
  it.each([
    ['', /empty/],
    ['*', /6 fields.*found 1/],
    ['0 9 * * *', /6 fields.*found 5.*prefix a 0/],
    ['* * * * * * *', /6 fields.*found 7.*year/],
    ['60 * * * * *', /second field '60': 60 is out of range 0-59/],
    ['0 0 24 * * *', /hour field '24'/],
    ['0 0 0 0 * *', /day-of-month field '0'/],
    ['0 0 0 * 13 *', /month field '13'/],
    ['0 0 0 * * 8', /day-of-week field '8'/],
    ['0 0 0 * * FRI-MON', /day-of-week field 'FRI-MON': range 5-1 runs backwards/],
    ['*/0 * * * * *', /second field '\*\/0': the step must be 1 or higher/],
    ['? * * * * *', /second field '\?'/],
    ['0 0 0 L3 * *', /day-of-month field 'L3'/],
    ['0 0 0 L-0 * *', /offset/],
    ['0 0 0 W * *', /no day-of-month before 'W'/],
    ['0 0 0 * * L', /no day-of-week before 'L'/],
    ['0 0 0 * * 5#0', /ordinal/],
    ['0 0 0 * * 5#', /no ordinal after '#'/],
    ['H * * * * *', /second field 'H'/],
    ['@minutely', /6 fields/],
    ['0 0 0 l * *', /day-of-month field 'l'/],
  ])('rejects %j', (expr, message) => {
    expect(() => parseCron(expr)).toThrow(CronSyntaxError);
    expect(() => parseCron(expr)).toThrow(message);
  });

  it.each([
    '* * * * * *',
    '0 0 7 ? * MON-FRI',
    '0 30 23 30 1/3 ?',
    '0 0 0 1W,15,LW * ?',
    '0 0 0 ? * THU#1,THU#3,THU#5',
    '0 0 * ? * FRIL',
    '0 0 0 ? * fri#2',
    '0 0 0 1 jan-mar sun',
    '  0   0 0 * * *  ',
    '@DAILY',
  ])('accepts %j', (expr) => expect(() => parseCron(expr)).not.toThrow());

  it('macros are the 6-field expressions Spring maps them to', () => {
    expect(chain('@yearly', '2024-05-01T00:00:00', 2)).toEqual([
      '2025-01-01T00:00:00',
      '2026-01-01T00:00:00',
    ]);
    expect(chain('@annually', '2024-05-01T00:00:00', 1)).toEqual(['2025-01-01T00:00:00']);
    expect(chain('@monthly', '2024-05-01T00:00:00', 1)).toEqual(['2024-06-01T00:00:00']);
    expect(chain('@weekly', '2024-05-01T00:00:00', 1)).toEqual(['2024-05-05T00:00:00']);
    expect(chain('@daily', '2024-05-01T10:00:00', 1)).toEqual(['2024-05-02T00:00:00']);
    expect(chain('@midnight', '2024-05-01T10:00:00', 1)).toEqual(['2024-05-02T00:00:00']);
    expect(chain('@hourly', '2024-05-01T10:00:00', 1)).toEqual(['2024-05-01T11:00:00']);
  });

  it('marks one-time-of-day expressions as fixed-time', () => {
    expect(parseCron('0 30 1 * * *').fixedTime).toBe(true);
    expect(parseCron('0 */15 * * * *').fixedTime).toBe(false);
    expect(parseCron('0 30 1,2 * * *').fixedTime).toBe(false);
  });
});

describe('next slot (values from Spring CronExpressionTests)', () => {
  it('basic fields and rollovers', () => {
    expect(next('10 * * * * *', '2024-01-01T10:00:09')).toBe('2024-01-01T10:00:10');
    expect(next('10 * * * * *', '2024-01-01T10:00:10')).toBe('2024-01-01T10:01:10');
    expect(next('10-15 * * * * *', '2024-01-01T10:00:12')).toBe('2024-01-01T10:00:13');
    expect(next('0 0 0 31 * *', '2024-04-01T00:00:00')).toBe('2024-05-31T00:00:00');
    expect(next('0 0 0 31 6 *', '2024-01-01T00:00:00')).toBeNull();
    expect(next('0 0 0 29 2 *', '2023-01-01T00:00:00')).toBe('2024-02-29T00:00:00');
    expect(next('*/28 56 22 */6 * *', '2022-02-27T08:00:42')).toBe('2022-03-01T22:56:00');
    expect(next('3-57 13-28 17,18 1,15 3-12 6#1', '2022-09-15T17:44:11')).toBe('2022-10-01T17:13:03');
  });

  it('day-of-month AND day-of-week (Spring), not OR (Vixie cron)', () => {
    expect(chain('0 0 0 13 * FRI', '2018-07-31T11:47:14', 2)).toEqual([
      '2019-09-13T00:00:00',
      '2019-12-13T00:00:00',
    ]);
    for (const d of chain('0 0 0 13 * FRI', '2018-07-31T11:47:14', 5)) {
      expect(new Date(`${d}Z`).getUTCDay()).toBe(5);
      expect(new Date(`${d}Z`).getUTCDate()).toBe(13);
    }
    expect(chain('0 15 12 */10 1-8 5', '2021-04-30T12:14:59', 3)).toEqual([
      '2021-05-21T12:15:00',
      '2021-06-11T12:15:00',
      '2022-01-21T12:15:00',
    ]);
    expect(next('0 0 0 29 2 WED', '2020-01-01T00:00:00')).toBe('2040-02-29T00:00:00');
  });

  it('day-of-week 0 and 7 are Sunday; SUN-FRI counts from Sunday; * with a step counts from Monday', () => {
    expect(next('0 0 0 * * 0', '2024-05-01T00:00:00')).toBe('2024-05-05T00:00:00');
    expect(next('0 0 0 * * 7', '2024-05-01T00:00:00')).toBe('2024-05-05T00:00:00');
    expect(chain('0 0 0 ? * SUN-FRI', '2021-02-25T15:00:00', 2)).toEqual([
      '2021-02-26T00:00:00',
      '2021-02-28T00:00:00',
    ]);
    // */2 over 1-7: Monday, Wednesday, Friday, Sunday (2024-05-06 is a Monday).
    expect(chain('0 0 0 * * */2', '2024-05-05T12:00:00', 4)).toEqual([
      '2024-05-06T00:00:00',
      '2024-05-08T00:00:00',
      '2024-05-10T00:00:00',
      '2024-05-12T00:00:00',
    ]);
  });

  it('Quartz L, L-n, LW, nW, nL and #', () => {
    expect(chain('0 0 0 L-3 * *', '2008-01-04T10:00:00', 4)).toEqual([
      '2008-01-28T00:00:00',
      '2008-02-26T00:00:00',
      '2008-03-28T00:00:00',
      '2008-04-27T00:00:00',
    ]);
    expect(chain('0 0 0 L * *', '2008-01-04T10:00:00', 2)).toEqual([
      '2008-01-31T00:00:00',
      '2008-02-29T00:00:00',
    ]);
    expect(chain('0 0 0 31W * ?', '2020-01-01T00:00:00', 6)).toEqual([
      '2020-01-31T00:00:00',
      '2020-03-31T00:00:00',
      '2020-07-31T00:00:00',
      '2020-08-31T00:00:00',
      '2020-10-30T00:00:00',
      '2020-12-31T00:00:00',
    ]);
    expect(chain('0 0 0 1W,15,LW * ?', '2019-12-30T00:00:00', 4)).toEqual([
      '2019-12-31T00:00:00',
      '2020-01-01T00:00:00',
      '2020-01-15T00:00:00',
      '2020-01-31T00:00:00',
    ]);
    // 2022-01-01 is a Saturday: 1W is Monday the 3rd; 2022-05-15 is a Sunday: 15W is Monday the 16th.
    expect(next('0 0 0 1W * ?', '2021-12-31T00:00:00')).toBe('2022-01-03T00:00:00');
    expect(next('0 0 0 15W * ?', '2022-05-01T00:00:00')).toBe('2022-05-16T00:00:00');
    expect(next('0 0 0 * * 5L', '2022-01-01T00:00:00')).toBe('2022-01-28T00:00:00');
    expect(next('0 0 0 ? * FRI#2', '2022-01-01T00:00:00')).toBe('2022-01-14T00:00:00');
    expect(next('0 0 0 ? * 3#5', '2022-01-01T00:00:00')).toBe('2022-03-30T00:00:00');
  });
});

describe('time zones and DST (Spring: local wall time; gaps skipped)', () => {
  it('keeps local wall time across offset changes', () => {
    expect(next('0 0 9 * * *', '2021-03-27T09:00:00+01:00', 'Europe/Amsterdam')).toBe('2021-03-28T07:00:00');
    expect(next('0 0 9 * * *', '2021-10-30T09:00:00+02:00', 'Europe/Amsterdam')).toBe('2021-10-31T08:00:00');
    expect(next('0 5 0 * * *', '2021-03-28T01:00:00+01:00', 'Europe/Amsterdam')).toBe('2021-03-28T22:05:00');
  });

  it('a slot in the spring-forward gap is skipped that day', () => {
    // 2013-03-31 02:10 does not exist in Amsterdam: Spring answers 2013-04-01T02:10+02:00.
    expect(next('0 10 2 * * *', '2013-03-31T01:09:00+01:00', 'Europe/Amsterdam')).toBe('2013-04-01T00:10:00');
    // Cairo skips midnight 2025-04-25: the next even hour is 02:00+03:00.
    expect(next('0 0 */2 * * ?', '2025-04-24T22:00:00+02:00', 'Africa/Cairo')).toBe('2025-04-24T23:00:00');
  });

  it('a fixed-time slot in the fall-back overlap fires once; interval slots run through both passes', () => {
    const ny = 'America/New_York';
    // 2024-11-03 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
    expect(next('0 30 1 * * *', '2024-11-03T00:00:00-04:00', ny)).toBe('2024-11-03T05:30:00');
    expect(next('0 30 1 * * *', '2024-11-03T05:30:00Z', ny)).toBe('2024-11-04T06:30:00');
    const every30 = nextSlots(
      parseCron('0 */30 * * * *'),
      zoneFor(ny)!,
      Date.parse('2024-11-03T04:59:00Z'),
      5,
    );
    expect(every30.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual([
      '05:00',
      '05:30',
      '06:00',
      '06:30',
      '07:00',
    ]);
  });

  it('zone ids: IANA names and Java offsets; unknown ids are null', () => {
    expect(zoneFor('Asia/Kolkata')).not.toBeNull();
    expect(zoneFor('Mars/Olympus')).toBeNull();
    expect(zoneFor('')).toBeNull();
    expect(next('0 0 9 * * *', '2024-01-01T00:00:00Z', '+05:30')).toBe('2024-01-01T03:30:00');
    expect(next('0 0 9 * * *', '2024-01-01T00:00:00Z', 'UTC-3')).toBe('2024-01-01T12:00:00');
    expect(next('0 0 9 * * *', '2024-01-01T00:00:00Z', 'Asia/Kolkata')).toBe('2024-01-01T03:30:00');
  });

  it('bounds: a slot exactly at the start is included; none after the end', () => {
    const spec = parseCron('0 * * * * *');
    const start = Date.parse('2024-01-01T10:05:00Z');
    const got = nextSlots(spec, UTC, Date.parse('2024-01-01T10:00:00Z'), 5, { start, end: start + 120_000 });
    expect(got.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(['10:05', '10:06', '10:07']);
  });
});
