import { createTemplateEngine, renderString, renderValue } from '../../src/templates';
import { expectTemplateError } from './expect-error';

// A fixed instant: Thursday 29 February 2024, 13:05:09.123 UTC.
const INSTANT = '2024-02-29T13:05:09.123Z';
const INSTANT_MS = Date.UTC(2024, 1, 29, 13, 5, 9, 123);
const ctx = { now: INSTANT, ms: INSTANT_MS, when: new Date(INSTANT_MS), day: '2024-01-31' };

const render = (template: string): string => renderString(template, ctx, 'p');
const value = (template: string): unknown => renderValue(template, ctx, 'p');

describe('date', () => {
  it.each([
    ['{{ now | date }}', '2024-02-29'],
    ['{{ now | date("YYYY-MM-DD") }}', '2024-02-29'],
    ['{{ now | date("YYYYMMDD") }}', '20240229'],
    ['{{ now | date("HH:mm:ss") }}', '13:05:09'],
    ['{{ now | date("H:m:s.SSS") }}', '13:5:9.123'],
    ['{{ now | date("X") }}', '1709211909'],
    ['{{ now | date("x") }}', String(INSTANT_MS)],
    ['{{ now | date("ddd, D MMM YY") }}', 'Thu, 29 Feb 24'],
    ['{{ now | date("dddd MMMM M/D") }}', 'Thursday February 2/29'],
    ['{{ now | date("[Week of] YYYY-MM-DD[T]HH") }}', 'Week of 2024-02-29T13'],
    ['{{ now | date("YYYY-MM-DD HH:mm Z", "+05:30") }}', '2024-02-29 18:35 +05:30'],
    ['{{ now | date("YYYY-MM-DD HH:mm ZZ", tz="-0800") }}', '2024-02-29 05:05 -0800'],
    ['{{ now | date("HH:mm", -480) }}', '05:05'],
    ['{{ now | date("HH:mm", "UTC") }}', '13:05'],
    ['{{ now | date("X", "+05:30") }}', '1709211909'],
    ['{{ ms | date("YYYY-MM-DD HH:mm") }}', '2024-02-29 13:05'],
    ['{{ when | date("YYYY-MM-DD HH:mm") }}', '2024-02-29 13:05'],
    ['{{ day | date("YYYY-MM-DD HH:mm") }}', '2024-01-31 00:00'],
    ['{{ "20240131" | date("DD/MM/YYYY") }}', '31/01/2024'],
    ['{{ "2024-01-31T23:30:00-02:00" | date("YYYY-MM-DD HH:mm") }}', '2024-02-01 01:30'],
    ['{{ "2024-01-31 23:30" | date("HH:mm") }}', '23:30'],
    // IANA zones, daylight saving time included
    ['{{ now | date("YYYY-MM-DD HH:mm Z", "Europe/Paris") }}', '2024-02-29 14:05 +01:00'],
    ['{{ "2024-07-01T12:00:00Z" | date("HH:mm ZZ", tz="America/New_York") }}', '08:00 -0400'],
    ['{{ "2024-12-01T12:00:00Z" | date("HH:mm ZZ", tz="America/New_York") }}', '07:00 -0500'],
    ['{{ "2024-03-31T00:59:59Z" | date("HH:mm", "Europe/London") }}', '00:59'],
    ['{{ "2024-03-31T01:00:00Z" | date("HH:mm", "Europe/London") }}', '02:00'],
  ])('%s → %s', (template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('refuses dates it cannot read, naming the value', () => {
    expectTemplateError(
      () => render('{{ "2024-02-30" | date }}'),
      'p',
      /date: "2024-02-30" is not a valid date/,
    );
    expectTemplateError(() => render('{{ "yesterday" | date }}'), 'p', /cannot read "yesterday" as a date/);
    expectTemplateError(() => render('{{ now | date("YYYY", "Mars/Base") }}'), 'p', /tz "Mars\/Base"/);
    expectTemplateError(() => render('{{ none | date }}'), 'p', /cannot read null as a date/);
  });
});

describe('dateAdd, addDays, isoformat', () => {
  it.each([
    ['{{ now | dateAdd(1, "days") }}', '2024-03-01T13:05:09.123Z'],
    ['{{ now | dateAdd(-2, "hours") | date("HH:mm") }}', '11:05'],
    ['{{ now | dateAdd(90, "minutes") | date("HH:mm") }}', '14:35'],
    ['{{ now | dateAdd(30, "seconds") | date("HH:mm:ss") }}', '13:05:39'],
    ['{{ now | dateAdd(1, "week") | date }}', '2024-03-07'],
    ['{{ now | dateAdd(1, "month") | date }}', '2024-03-29'],
    ['{{ "2024-01-31" | dateAdd(1, "months") | date }}', '2024-02-29'],
    ['{{ "2024-03-31" | dateAdd(-1, "months") | date }}', '2024-02-29'],
    ['{{ "2024-01-15" | dateAdd(-13, "months") | date }}', '2022-12-15'],
    ['{{ now | dateAdd(1, "year") | date }}', '2025-02-28'],
    ['{{ now | dateAdd(2) | date }}', '2024-03-02'],
    ['{{ now | addDays(-1) | date("YYYYMMDD") }}', '20240228'],
    ['{{ ms | isoformat }}', INSTANT],
    ['{{ now | isoformat("+05:30") }}', '2024-02-29T18:35:09.123+05:30'],
    ['{{ now | isoformat("Asia/Kolkata") }}', '2024-02-29T18:35:09.123+05:30'],
    ['{{ now | dateAdd(1.5, "days") }}', '2024-03-02T01:05:09.123Z'],
  ])('%s → %s', (template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('rejects unknown units and fractional months', () => {
    expectTemplateError(
      () => render('{{ now | dateAdd(1, "fortnights") }}'),
      'p',
      /unknown unit "fortnights"/,
    );
    expectTemplateError(() => render('{{ now | dateAdd(1.5, "months") }}'), 'p', /whole numbers/);
    expectTemplateError(() => render('{{ now | dateAdd("1", "days") }}'), 'p', /amount must be a number/);
  });
});

describe('conversions and JSON', () => {
  it.each([
    ['{{ "42" | int }}', 42],
    ['{{ " -7 " | int }}', -7],
    ['{{ "3.7" | int }}', 3],
    ['{{ -3.9 | int }}', -3],
    ['{{ true | int }}', 1],
    ['{{ "abc" | int(0) }}', 0],
    ['{{ "2.5" | float }}', 2.5],
    ['{{ "x" | float(1.5) }}', 1.5],
    ['{{ 2.5 | round }}', 3],
    ['{{ -2.5 | round }}', -3],
    ['{{ 1.005 | round(2) }}', 1.01],
    ['{{ 3.14159 | round(2, "floor") }}', 3.14],
    ['{{ 3.14159 | round(1, "ceil") }}', 3.2],
    ['{{ {"a": [1, "x", none, true]} | tojson }}', '{"a":[1,"x",null,true]}'],
    ['{{ [1] | tojson(2) }}', '[\n  1\n]'],
    ['{{ "a\\"b" | tojson }}', '"a\\"b"'],
    ['{{ [1, 2] | string }}', '[1,2]'],
    ['{{ 5 | string }}', '5'],
  ])('%s → %j', (template, expected) => {
    expect(value(template)).toEqual(expected);
  });

  it('refuses conversions without a default instead of guessing', () => {
    expectTemplateError(
      () => render('{{ "abc" | int }}'),
      'p',
      /int: cannot convert "abc" to int \(give a default/,
    );
    expectTemplateError(() => render('{{ "1,5" | float }}'), 'p', /cannot convert "1,5" to float/);
    expectTemplateError(() => render('{{ range | tojson }}'), 'p', /a function/);
  });
});

describe('path helpers', () => {
  it.each([
    ['{{ "Région Île-de-France / 2024" | slug }}', 'region-ile-de-france-2024'],
    ['{{ "  Hello,  World!  " | slug("_") }}', 'hello_world'],
    ['{{ 2024 | slug }}', '2024'],
    ['{{ "s3://bucket/runs/a/out.ipynb?versionId=3#x" | basename }}', 'out.ipynb'],
    ['{{ "/tmp/x/y/" | basename }}', 'y'],
    ['{{ "runs/out.ipynb" | basename(".ipynb") }}', 'out'],
    ['{{ "name" | basename }}', 'name'],
    ['{{ "us-east" | pathSegment }}', 'us-east'],
    ['{{ "../../etc/passwd" | pathSegment }}', '.._.._etc_passwd'],
    ['{{ ".." | pathSegment }}', '__'],
    ['{{ "." | pathSegment }}', '_'],
    ['{{ "a/b\\\\c" | pathSegment }}', 'a_b_c'],
    ['{{ "%2e%2e" | pathSegment }}', '_2e_2e'],
    ['{{ "" | pathSegment }}', '_'],
    ['{{ 2024 | pathSegment }}', '2024'],
    ['{{ "Région" | pathSegment }}', 'R_gion'],
  ])('%s → %s', (template, expected) => {
    expect(render(template)).toBe(expected);
  });

  it('refuses a slug with nothing left in it', () => {
    expectTemplateError(() => render('{{ "%%%" | slug }}'), 'p', /no letters or digits/);
  });

  it('keeps any value to one path segment, however long', () => {
    expect(renderString('{{ v | pathSegment }}', { v: 'line\nbreak\u0000x\u2028' }, 'p')).toBe(
      'line_break_x_',
    );
    const long = renderString('{{ v | pathSegment }}', { v: 'a'.repeat(1000) }, 'p');
    expect(long).toBe('a'.repeat(200));
    expectTemplateError(
      () => renderString('{{ v | pathSegment }}', { v: ['a'] }, 'p'),
      'p',
      /string or a number/,
    );
  });
});

describe('string and list filters', () => {
  const data = {
    rows: [
      { name: 'b', n: 2, ok: true, meta: { rank: 1 } },
      { name: 'A', n: 5, ok: false, meta: { rank: 3 } },
      { name: 'c', n: 1, ok: true, meta: { rank: 2 } },
    ],
    words: ['x', 'y'],
  };
  it.each([
    ['{{ rows | join(",", "name") }}', 'b,A,c'],
    ['{{ rows | sum("n") }}', 8],
    ['{{ rows | sort(false, false, "name") | join("", "name") }}', 'Abc'],
    ['{{ rows | sort(true, false, "meta.rank") | join("", "name") }}', 'Acb'],
    ['{{ rows | selectattr("ok") | join("", "name") }}', 'bc'],
    ['{{ rows | rejectattr("ok") | join("", "name") }}', 'A'],
    ['{{ words | join("-") }}', 'x-y'],
    ['{{ words | first }}{{ words | last }}{{ words | length }}', 'xy2'],
    ['{{ words | reverse | join }}', 'yx'],
    ['{{ "abc" | upper }}{{ "DEF" | lower }}{{ " t " | trim }}', 'ABCdeft'],
    ['{{ "a-b-c" | replace("-", "/") }}', 'a/b/c'],
    ['{{ "a-b-c" | replace("-", "", 1) }}', 'ab-c'],
    ['{{ "abc" | replace("", ".") }}', '.a.b.c.'],
    ['{{ "hello world" | title }}', 'Hello World'],
    ['{{ [1, 2, 3, 4] | select("odd") | join }}', '13'],
    [
      '{{ 5 in [1, 5] }}{{ "b" in "abc" }}{{ "n" in rows[0] }}{{ "constructor" in rows[0] }}',
      'truetruetruefalse',
    ],
  ])('%s → %j', (template, expected) => {
    expect(renderValue(template, data, 'p')).toEqual(expected);
  });

  it('refuses unknown filters and the ones left out of the sandbox', () => {
    for (const name of [
      'nope',
      'safe',
      'escape',
      'center',
      'indent',
      'batch',
      'slice',
      'random',
      'groupby',
      'urlize',
    ]) {
      expectTemplateError(() => render(`{{ "x" | ${name} }}`), 'p', new RegExp(`unknown filter '${name}'`));
    }
  });

  it('refuses a replace whose result would exceed the output limit before building it', () => {
    const engine = createTemplateEngine({ maxOutputLength: 1000 });
    expectTemplateError(
      () => engine.renderString('{{ s | replace("", s) | length }}', { s: 'x'.repeat(100) }, 'p'),
      'p',
      /replace: the result would be 10200 characters; the limit is 1000/,
    );
  });

  it('reads attributes in list filters under the sandbox rules', () => {
    expectTemplateError(
      () => renderValue('{{ rows | join(",", "missing") }}', data, 'p'),
      'p',
      /no attribute 'missing'/,
    );
    expectTemplateError(
      () => renderValue('{{ rows | sum("constructor") }}', data, 'p'),
      'p',
      /'constructor'.*not accessible/,
    );
  });
});
