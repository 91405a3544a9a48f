/** Output roots: a worker writes only under them; hostile output URIs are refused before any I/O. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { isNbcError } from '../../src/errors';
import { createOutputRoots } from '../../src/storage';

let base: string;
let root: string;

beforeEach(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'nbc-roots-'));
  root = path.join(base, 'runs');
  mkdirSync(root);
});

afterEach(() => rmSync(base, { recursive: true, force: true }));

async function refusal(uri: string, roots = [root]): Promise<Error> {
  const err = await createOutputRoots(roots)
    .confine(uri, 'output')
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!isNbcError(err, 'E_NOT_ALLOWED')) throw new Error(`expected a refusal for ${uri}, got ${String(err)}`);
  return err;
}

describe('refused, naming the field and the roots, with nothing created', () => {
  it.each([
    ['../../../x.ipynb', /contains a "\.\." segment/],
    ['a/../../x.ipynb', /contains a "\.\." segment/],
    ['ROOT/..', /contains a "\.\." segment/],
    ['ROOT/a\\..\\..\\x.ipynb', /contains a "\.\." segment/],
    ['ROOTURL/%2e%2e/%2E%2E/x.ipynb', /contains a "\.\." segment/],
    ['ROOTURL/a/%252e%252e/x.ipynb', /contains a "\.\." segment/],
    ['ROOT/a\nb.ipynb', /control character/],
    ['ROOT/a\u0000.ipynb', /control character/],
    ['/etc/cron.d/x.ipynb', /is outside the output roots/],
    ['BASE/runs-evil/x.ipynb', /is outside the output roots/],
    ['BASE/x.ipynb', /is outside the output roots/],
    ['ROOT', /is outside the output roots/],
    ['https://example.com/x.ipynb', /is outside the output roots/],
    ['s3://bucket/runs/x.ipynb', /is outside the output roots/],
  ])('%j', async (template, why) => {
    const uri = template
      .replace('ROOTURL', pathToFileURL(root).href)
      .replace('ROOT', root)
      .replace('BASE', base);
    const err = await refusal(uri);
    expect(err.message).toMatch(why);
    expect(err.message).toMatch(/^output: /);
    expect(err.message).toContain(`output roots (${root})`);
    expect(readdirSync(base)).toEqual(['runs']);
    expect(readdirSync(root)).toEqual([]);
  });

  it('a symbolic link inside a root does not lead out of it', async () => {
    const outside = path.join(base, 'outside');
    mkdirSync(outside);
    symlinkSync(outside, path.join(root, 'link'));
    await refusal(path.join(root, 'link', 'x.ipynb'));
    await refusal(path.join(root, 'link', 'new', 'deeper', 'x.ipynb'));
    expect(existsSync(path.join(outside, 'new'))).toBe(false);
  });
});

describe('accepted', () => {
  it('paths and file:// URIs inside a root; a relative path goes under the first root', async () => {
    const roots = createOutputRoots([root]);
    expect(await roots.confine(path.join(root, 'a', 'b.ipynb'), 'output')).toBe(
      path.join(root, 'a', 'b.ipynb'),
    );
    const url = pathToFileURL(path.join(root, 'c.ipynb')).href;
    expect(await roots.confine(url, 'output')).toBe(url);
    expect(await roots.confine('daily/us/x.ipynb', 'output')).toBe(path.join(root, 'daily', 'us', 'x.ipynb'));
    expect(await roots.confine('..a/b..c.ipynb', 'output')).toBe(path.join(root, '..a', 'b..c.ipynb'));
    expect(readdirSync(root)).toEqual([]); // nothing created
  });

  it('a root that is itself reached through a symbolic link', async () => {
    const real = path.join(base, 'real');
    mkdirSync(real);
    const linked = path.join(base, 'linked');
    symlinkSync(real, linked);
    expect(await createOutputRoots([linked]).confine(path.join(linked, 'x.ipynb'), 'output')).toBe(
      path.join(linked, 'x.ipynb'),
    );
  });

  it('S3 prefixes, and more than one root', async () => {
    const roots = createOutputRoots([root, 's3://bucket/runs/', 's3://whole-bucket']);
    expect(await roots.confine('s3://bucket/runs/a/x.ipynb', 'output')).toBe('s3://bucket/runs/a/x.ipynb');
    expect(await roots.confine('s3://whole-bucket/x.ipynb', 'output')).toBe('s3://whole-bucket/x.ipynb');
    const outside = ['s3://bucket/runs-evil/x.ipynb', 's3://bucket/x.ipynb', 's3://other/runs/x.ipynb'];
    for (const uri of outside) {
      const err = await refusal(uri, [root, 's3://bucket/runs/', 's3://whole-bucket']);
      expect(err.message).toContain(`(${root}, s3://bucket/runs/, s3://whole-bucket)`);
    }
    await refusal('s3://bucket/runs/%2e%2e/secret/x.ipynb', ['s3://bucket/runs']);
  });

  it('relative outputs go under an S3 first root', async () => {
    expect(await createOutputRoots(['s3://bucket/runs']).confine('a/x.ipynb', 'output')).toBe(
      's3://bucket/runs/a/x.ipynb',
    );
  });
});

it('a relative root is a configuration error', () => {
  expect(() => createOutputRoots(['runs'])).toThrow(/must be an absolute path/);
});
