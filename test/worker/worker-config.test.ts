/** The worker's safety settings: output roots and the http(s) notebook allow-list (issue 7 §1, §3). */
import path from 'node:path';

import { compileConfig } from '../../src/config';

const base = { HOME: '/home/u' };

it('defaults: only the output root, and no http(s) notebook source', () => {
  const c = compileConfig({ env: base, cwd: '/work' });
  expect(c.worker.outputRoots).toEqual([]);
  expect(c.worker.allowedNotebookUrls).toEqual([]);
});

it('reads lists from the environment and resolves local roots against the working directory', () => {
  const c = compileConfig({
    env: {
      ...base,
      NBCONDUCTOR_OUTPUT_ROOTS: 'shared/runs, s3://bucket/runs /abs/runs',
      NBCONDUCTOR_ALLOWED_NOTEBOOK_URLS: 'https://nb.example.com/team/,http://127.0.0.1:8000/',
    },
    cwd: '/work',
  });
  expect(c.worker.outputRoots).toEqual([path.resolve('/work/shared/runs'), 's3://bucket/runs', '/abs/runs']);
  expect(c.worker.allowedNotebookUrls).toEqual(['https://nb.example.com/team/', 'http://127.0.0.1:8000/']);
});

it.each([
  [{ worker: { outputRoots: 's3://bucket/runs' } }, /worker\.outputRoots must be array/],
  [
    { worker: { outputRoots: [''] } },
    /worker\.outputRoots\[0\] must be a folder, file:\/\/ URI or s3:\/\/ prefix, got ""/,
  ],
  [
    { worker: { allowedNotebookUrls: ['file:///etc/'] } },
    /worker\.allowedNotebookUrls\[0\] must be an http\(s\) URL prefix/,
  ],
  [{ worker: { allowedNotebookUrls: ['https://'] } }, /worker\.allowedNotebookUrls/],
])('refuses %j', (flags, message) => {
  expect(() => compileConfig({ env: base, cwd: '/work', flags: flags as never })).toThrow(message);
});
