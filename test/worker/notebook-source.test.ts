/** Notebooks over http(s) only from allowed URL prefixes (issue 7 §1). */
import { isNbcError } from '../../src/errors';
import { checkNotebookSource } from '../../src/worker/notebook-source';

const ALLOWED = ['https://nb.example.com/team/', 'http://127.0.0.1:8000/shared'];

function refused(uri: string, allowed = ALLOWED): Error {
  try {
    checkNotebookSource(uri, allowed);
  } catch (err) {
    if (isNbcError(err, 'E_NOT_ALLOWED')) return err;
    throw err;
  }
  throw new Error(`${uri} was allowed`);
}

it('by default no http(s) source is allowed; the error names the URL and the configuration key', () => {
  const err = refused('https://evil.example/x.ipynb', []);
  expect(err.message).toMatch(
    /^notebook: https:\/\/evil\.example\/x\.ipynb is not an allowed notebook source/,
  );
  expect(err.message).toContain('worker.allowedNotebookUrls');
  expect(err.message).toContain('none are configured');
});

it('local paths, file:// and s3:// are not affected', () => {
  for (const uri of ['notebooks/a.ipynb', '/abs/a.ipynb', 'file:///abs/a.ipynb', 's3://b/a.ipynb'])
    expect(() => checkNotebookSource(uri, [])).not.toThrow();
});

it.each([
  'https://nb.example.com/team/a.ipynb',
  'https://nb.example.com/team/sub/a.ipynb?ref=main',
  'https://user:pw@nb.example.com/team/a.ipynb',
  'HTTPS://NB.EXAMPLE.COM/team/a.ipynb',
  'https://nb.example.com:443/team/a.ipynb',
  'http://127.0.0.1:8000/shared',
  'http://127.0.0.1:8000/shared/a.ipynb',
])('allows %s', (uri) => {
  expect(() => checkNotebookSource(uri, ALLOWED)).not.toThrow();
});

it.each([
  'https://nb.example.com/other/a.ipynb',
  'https://nb.example.com/team-evil/a.ipynb',
  'https://nb.example.com/team/../other/a.ipynb',
  'https://nb.example.com/team/%2e%2e/other/a.ipynb',
  'https://nb.example.com.evil.example/team/a.ipynb',
  'https://nb.example.com@evil.example/team/a.ipynb',
  'http://nb.example.com/team/a.ipynb',
  'https://nb.example.com:8443/team/a.ipynb',
  'http://127.0.0.1:8000/shared-evil/a.ipynb',
  'http://127.0.0.1:8001/shared/a.ipynb',
])('refuses %s', (uri) => {
  expect(refused(uri).message).toContain(
    'allowed: https://nb.example.com/team/, http://127.0.0.1:8000/shared',
  );
});

it('redacts credentials in the message', () => {
  const msg = refused('https://ann:pw@evil.example/x.ipynb?X-Amz-Signature=abc&token=def').message;
  expect(msg).not.toMatch(/pw|abc|def/);
});
