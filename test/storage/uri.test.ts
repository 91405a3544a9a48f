import { NbcError } from '../../src/errors';
import { basename, dirname, isRemote, joinUri, parseUri, redactUri, uriScheme } from '../../src/storage/uri';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof NbcError ? err.code : 'not-nbc';
  }
  return undefined;
}

describe('parseUri', () => {
  test('plain paths stay as given; file:// URIs are decoded', () => {
    expect(parseUri('out/run.ipynb')).toEqual({ scheme: 'file', path: 'out/run.ipynb', form: 'path' });
    expect(parseUri('/tmp/a.ipynb')).toEqual({ scheme: 'file', path: '/tmp/a.ipynb', form: 'path' });
    expect(parseUri('file:///tmp/my%20notes/%C3%BCber.ipynb')).toEqual({
      scheme: 'file',
      path: '/tmp/my notes/über.ipynb',
      form: 'url',
    });
  });

  test('s3 URIs split into bucket and key (key may be empty)', () => {
    expect(parseUri('s3://bucket/a/b c/x.ipynb')).toEqual({
      scheme: 's3',
      bucket: 'bucket',
      key: 'a/b c/x.ipynb',
    });
    expect(parseUri('s3://bucket')).toEqual({ scheme: 's3', bucket: 'bucket', key: '' });
    expect(codeOf(() => parseUri('s3:///key'))).toBe('E_USAGE');
  });

  test('http(s) URLs parse; unknown schemes are refused with the supported list', () => {
    const parsed = parseUri('https://example.com/nb.ipynb?x=1');
    expect(parsed.scheme).toBe('https');
    let error: unknown;
    try {
      parseUri('gs://bucket/nb.ipynb');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(NbcError);
    expect((error as NbcError).code).toBe('E_STORAGE_UNSUPPORTED');
    expect((error as NbcError).message).toMatch(/"gs:\/\/".*s3:\/\/.*https:\/\//);
  });

  test('scheme detection and isRemote', () => {
    expect(uriScheme('S3://b/k')).toBe('s3');
    expect(uriScheme('relative/path.ipynb')).toBe('file');
    expect(isRemote('s3://b/k')).toBe(true);
    expect(isRemote('https://x/y')).toBe(true);
    expect(isRemote('file:///tmp/x')).toBe(false);
    expect(isRemote('./x.ipynb')).toBe(false);
  });
});

describe('joinUri / basename / dirname', () => {
  test('keep the form of the base', () => {
    expect(joinUri('runs', 'wf', 'a.ipynb')).toBe('runs/wf/a.ipynb');
    expect(joinUri('/runs/', 'a.ipynb')).toBe('/runs/a.ipynb');
    expect(joinUri('file:///tmp/my%20runs', 'ü x.ipynb')).toBe('file:///tmp/my%20runs/%C3%BC%20x.ipynb');
    expect(joinUri('s3://b', 'runs', 'a.ipynb')).toBe('s3://b/runs/a.ipynb');
    expect(joinUri('s3://b/runs/', '/wf/', 'a.ipynb')).toBe('s3://b/runs/wf/a.ipynb');
    expect(joinUri('https://h/base/', 'a b.ipynb')).toBe('https://h/base/a%20b.ipynb');
  });

  test('basename and dirname', () => {
    expect(basename('s3://b/runs/x.ipynb')).toBe('x.ipynb');
    expect(basename('s3://b/runs/')).toBe('runs');
    expect(basename('s3://b')).toBe('b');
    expect(basename('file:///tmp/%C3%BC.ipynb')).toBe('ü.ipynb');
    expect(basename('https://h/a/b%20c.ipynb?x=1')).toBe('b c.ipynb');
    expect(dirname('s3://b/runs/x.ipynb')).toBe('s3://b/runs');
    expect(dirname('s3://b/x.ipynb')).toBe('s3://b');
    expect(dirname('runs/x.ipynb')).toBe('runs');
    expect(dirname('file:///tmp/my%20dir/x.ipynb')).toBe('file:///tmp/my%20dir');
    expect(dirname('https://h/a/b.ipynb?sig=1')).toBe('https://h/a');
  });
});

test('redactUri hides user info and credential-like query values', () => {
  const shown = redactUri('https://user:hunter2@h/x.ipynb?X-Amz-Signature=abc&token=t0k&page=2');
  expect(shown).not.toMatch(/hunter2|abc|t0k/);
  expect(shown).toContain('page=2');
  expect(redactUri('s3://b/k')).toBe('s3://b/k');
});
