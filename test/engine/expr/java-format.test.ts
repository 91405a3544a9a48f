import { javaDoubleToString, javaNumberToString, javaToString } from '../../../src/engine/expr';
import type { JsonValue } from '../../../src/json';

describe('Java string forms (checked against OpenJDK 17/21 output)', () => {
  it.each<[number, string]>([
    [100, '100.0'],
    [1.5, '1.5'],
    [0.001, '0.001'],
    [1e-4, '1.0E-4'],
    [1e7, '1.0E7'],
    [9999999.5, '9999999.5'],
    [12345678.9, '1.23456789E7'],
    [1e21, '1.0E21'],
    [-2.5e-9, '-2.5E-9'],
    [5e-324, '4.9E-324'],
    [1.7976931348623157e308, '1.7976931348623157E308'],
    [0, '0.0'],
    [-0, '-0.0'],
  ])('Double.toString(%d) = %s', (value, text) => {
    expect(javaDoubleToString(value)).toBe(text);
  });

  it.each<[number, string]>([
    [2, '2'],
    [-7, '-7'],
    [12345678901234567000, '12345678901234567000'], // a BigInteger after Jackson parsed the JSON digits
    [1.5, '1.5'],
    [1e21, '1.0E21'],
    [1e-5, '1.0E-5'],
  ])('a JSON number %d prints as %s', (value, text) => {
    expect(javaNumberToString(value)).toBe(text);
  });

  it.each<[JsonValue, string]>([
    [null, 'null'],
    ['text', 'text'],
    [true, 'true'],
    [[1, 'a', null], '[1, a, null]'],
    [{ a: 1, b: { c: [true] } }, '{a=1, b={c=[true]}}'],
    [[], '[]'],
    [{}, '{}'],
    [18446744073709551617n, '18446744073709551617'], // a BigInteger, held exactly
    [[9223372036854775807n, { n: -9223372036854775809n }], '[9223372036854775807, {n=-9223372036854775809}]'],
  ])('Objects.toString(%p) = %s', (value, text) => {
    expect(javaToString(value)).toBe(text);
  });
});
