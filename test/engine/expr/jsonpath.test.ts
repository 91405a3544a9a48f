import { checkJsonPath, readPath } from '../../../src/engine/expr';
import type { JsonValue } from '../../../src/json';

const store: JsonValue = {
  store: {
    book: [
      { category: 'reference', author: 'Nigel Rees', title: 'Sayings of the Century', price: 8.95 },
      { category: 'fiction', author: 'Evelyn Waugh', title: 'Sword of Honour', price: 12.99 },
      {
        category: 'fiction',
        author: 'Herman Melville',
        title: 'Moby Dick',
        isbn: '0-553-21311-3',
        price: 8.99,
      },
      {
        category: 'fiction',
        author: 'J. R. R. Tolkien',
        title: 'The Lord of the Rings',
        isbn: '0-395-19395-8',
        price: 22.99,
      },
    ],
    bicycle: { color: 'red', price: 19.95 },
  },
  expensive: 10,
  nums: [3, 1, 2],
};

describe('readPath (Jayway semantics; expected values checked on json-path 2.10)', () => {
  it.each<[string, JsonValue, string]>([
    // definite paths: one value, or null
    ['store.bicycle.color', 'red', 'red'],
    ['$.store.book[0].author', 'Nigel Rees', 'Nigel Rees'],
    ["$['store']['bicycle']['price']", 19.95, '19.95'],
    ['store.book[-1].title', 'The Lord of the Rings', 'The Lord of the Rings'],
    ['store.book[9].title', null, 'null'],
    ['store.missing.deeper', null, 'null'],
    ['store.bicycle', { color: 'red', price: 19.95 }, '{color=red, price=19.95}'],
    ["store.bicycle['color','price']", { color: 'red', price: 19.95 }, '{color=red, price=19.95}'],
    // indefinite paths: a list (JSON text when embedded)
    [
      'store.book[*].author',
      ['Nigel Rees', 'Evelyn Waugh', 'Herman Melville', 'J. R. R. Tolkien'],
      '["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]',
    ],
    ['$..price', [8.95, 12.99, 8.99, 22.99, 19.95], '[8.95,12.99,8.99,22.99,19.95]'],
    ['store.book[1:3].price', [12.99, 8.99], '[12.99,8.99]'],
    ['store.book[-2:].price', [8.99, 22.99], '[8.99,22.99]'],
    ['store.book[0,2].price', [8.95, 8.99], '[8.95,8.99]'],
    [
      'store.book[?(@.isbn)].title',
      ['Moby Dick', 'The Lord of the Rings'],
      '["Moby Dick","The Lord of the Rings"]',
    ],
    ['store.book[?(@.price < 10)].price', [8.95, 8.99], '[8.95,8.99]'],
    [
      "store.book[?(@.category == 'fiction' && @.price > $.expensive)].price",
      [12.99, 22.99],
      '[12.99,22.99]',
    ],
    ['store.book[?(@.author =~ /.*rees/i)].price', [8.95], '[8.95]'],
    ["store.book[?(@.category in ['reference'])].price", [8.95], '[8.95]'],
    ['store.book[?(@.title size 9)].title', ['Moby Dick'], '["Moby Dick"]'],
    ['store.missing[*]', [], '[]'],
    // functions
    ['nums.length()', 3, '3'],
    ['nums.sum()', 6, '6.0'],
    ['nums.max()', 3, '3.0'],
    ['store.bicycle.keys()', ['color', 'price'], '[color, price]'],
    ['$..price.length()', 0, '0'],
  ])('%s', (path, value, text) => {
    const read = readPath(store, path);
    expect(read.value).toEqual(value);
    expect(read.text()).toBe(text);
  });

  it('reads ints beyond 2^53 exactly; filters and functions take them as the nearest double', () => {
    const doc: JsonValue = { ids: [{ id: 18446744073709551617n, ok: true }, { id: 5 }], big: [2n ** 64n, 1] };
    expect(readPath(doc, 'ids[0].id').value).toBe(18446744073709551617n);
    expect(readPath(doc, 'ids[0]').text()).toBe('{id=18446744073709551617, ok=true}');
    expect(readPath(doc, 'ids[*].id').text()).toBe('[18446744073709551617,5]');
    expect(readPath(doc, 'ids[?(@.id > 10)].ok').value).toEqual([true]);
    expect(readPath(doc, 'big.max()').value).toBe(2 ** 64);
  });

  it('yields null for paths that fail at read time (filter on a primitive, empty aggregation)', () => {
    expect(readPath(store, "store.bicycle.color[?(@ == 'red')]").value).toBeNull();
    expect(readPath({ empty: [] }, 'empty.avg()').value).toBeNull();
  });
});

describe('checkJsonPath', () => {
  // Jayway ignores a single trailing character after a token, so `a[` and `$.a[0]x` compile too.
  it.each([
    'a[',
    '$.a[0]x',
    'workflow.input.x',
    '$.a[0].b',
    "t1.output['key with space']",
    '$..x',
    'a[?(@.b == 1)]',
    'a.length()',
    'a[1:]',
  ])('accepts %s', (p) => {
    expect(checkJsonPath(p)).toBeNull();
  });

  it.each([
    '',
    'a.',
    'a..',
    'a b',
    "a['x]",
    'a(',
    'a.b(',
    '$[',
    '$a',
    'a[?(@.b <<< 1)]',
    '$.a.b.',
    'a[1:2:x]',
  ])('rejects %j', (p) => {
    expect(checkJsonPath(p)).toEqual(expect.any(String));
  });
});
