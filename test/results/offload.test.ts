/**
 * Large values written next to the output notebook and passed by reference: against a temp dir and
 * against a real S3-protocol server (moto on 127.0.0.1), including write-once behaviour, and end to end
 * from a notebook that glued a big value on a real kernel and saved its output to S3.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { NbcError } from '../../src/errors';
import { jsonByteLength, type JsonValue } from '../../src/json';
import {
  DEFAULT_OFFLOAD_LIMIT_BYTES,
  PYTHON_GLUE_HELPER,
  extractScraps,
  isValueRef,
  offloadLargeValues,
  scrapData,
  valueFileName,
  type ValueRef,
} from '../../src/results';
import type { Storage } from '../../src/storage';
import { quietLogger } from '../helpers/logger';
import { startTestProvider, type TestProvider } from '../helpers/providers';
import { startMoto, type S3TestServer } from '../helpers/s3-server';
import { fileStorage, pythonNotebook, runCells } from './support';

const logger = quietLogger();
const BUCKET = 'nbc-results';

let dir: string;
let moto: S3TestServer;
let storage: Storage;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nbc-offload-'));
  moto = await startMoto();
  await moto.createBucket(BUCKET);
  storage = fileStorage(dir, logger, moto.config());
});

afterAll(async () => {
  await storage?.close();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<NbcError> {
  const err: unknown = await p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  if (!(err instanceof NbcError)) throw err;
  return err;
}

/** A value whose JSON is exactly `bytes` long: a string of bytes - 2 characters. */
const sized = (bytes: number): string => 'x'.repeat(bytes - 2);

test('jsonByteLength counts the UTF-8 bytes of the JSON text', () => {
  expect(jsonByteLength({ a: 'é' })).toBe(Buffer.byteLength('{"a":"é"}'));
  expect(jsonByteLength(sized(100))).toBe(100);
  expect(jsonByteLength(undefined)).toBe(0);
});

test('value names become safe, distinct file names', () => {
  expect(valueFileName('total_rows')).toBe('total_rows');
  expect(valueFileName('a/b')).toBe('a%2Fb');
  expect(valueFileName('..')).toBe('%2E%2E');
  expect(valueFileName('ü x')).toBe('%C3%BC%20x');
  expect(valueFileName('a%2Fb')).toBe('a%252Fb');
  expect(valueFileName('')).toBe('%EMPTY');
  const long = valueFileName('n'.repeat(500));
  expect(long.length).toBeLessThanOrEqual(150);
  expect(long).not.toBe(valueFileName(`${'n'.repeat(499)}m`));
});

describe.each([
  ['a local directory', (): string => path.join(dir, 'wf', 'step1', 'attempt-0.ipynb')],
  ['S3', (): string => `s3://${BUCKET}/runs/wf/step1/attempt-0.ipynb`],
])('offloading to %s', (_label, baseUri) => {
  it('values over the limit go next to the notebook as JSON; the rest stay inline', async () => {
    const big = { rows: Array.from({ length: 10_000 }, (_, i) => ({ i, name: `row-${i}` })) };
    const values: Record<string, JsonValue> = {
      small: 1,
      at_limit: sized(DEFAULT_OFFLOAD_LIMIT_BYTES),
      over_limit: sized(DEFAULT_OFFLOAD_LIMIT_BYTES + 1),
      'big/table': big,
    };
    const out = await offloadLargeValues(values, { storage, baseUri: baseUri(), kind: 'scraps' });
    expect(out.small).toBe(1);
    expect(out.at_limit).toBe(values.at_limit);
    const folder = baseUri().replace(/attempt-0\.ipynb$/, 'attempt-0.scraps');
    expect(out.over_limit).toEqual({
      $ref: `${folder}/over_limit.json`,
      bytes: DEFAULT_OFFLOAD_LIMIT_BYTES + 1,
    });
    const ref = out['big/table'] as unknown as ValueRef;
    expect(ref).toEqual({ $ref: `${folder}/big%2Ftable.json`, bytes: jsonByteLength(big) });
    expect(isValueRef(ref)).toBe(true);
    // what was written is the value, byte for byte
    expect(JSON.parse((await storage.read(ref.$ref)).toString('utf8'))).toEqual(big);
    // the task output is now small
    expect(jsonByteLength(out)).toBeLessThan(DEFAULT_OFFLOAD_LIMIT_BYTES + 500);
    // the caller's object is untouched
    expect(values['big/table']).toBe(big);
  });

  it('is write-once: the same value again reuses the file, a different value is E_STORAGE_EXISTS', async () => {
    const opts = { storage, baseUri: baseUri(), kind: 'outputs' as const, limitBytes: 10 };
    const first = await offloadLargeValues({ result: 'first value' }, opts);
    const again = await offloadLargeValues({ result: 'first value' }, opts);
    expect(again).toEqual(first);
    const err = await failure(offloadLargeValues({ result: 'another value' }, opts));
    expect(err.code).toBe('E_STORAGE_EXISTS');
    expect(err.message).toContain((first.result as unknown as ValueRef).$ref);
    expect(JSON.parse((await storage.read((first.result as unknown as ValueRef).$ref)).toString())).toBe(
      'first value',
    );
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await failure(
      offloadLargeValues(
        { v: sized(100) },
        { storage, baseUri: baseUri(), kind: 'outputs', limitBytes: 10, signal: controller.signal },
      ),
    );
    expect(err.code).toBe('E_ABORTED');
  });
});

test('a relative output path stays relative in the reference', async () => {
  const out = await offloadLargeValues(
    { v: sized(100) },
    { storage, baseUri: 'rel/run.ipynb', kind: 'outputs', limitBytes: 10 },
  );
  expect(out.v).toEqual({ $ref: path.join('rel', 'run.outputs', 'v.json'), bytes: 100 });
  expect(JSON.parse(await readFile(path.join(dir, 'rel', 'run.outputs', 'v.json'), 'utf8'))).toBe(sized(100));
});

describe('end to end: a notebook glues a big value and saves its output to S3', () => {
  let provider: TestProvider;

  beforeAll(async () => {
    provider = await startTestProvider('local', logger);
  });

  afterAll(async () => {
    await provider?.stop();
  });

  it('the scrap comes back as a reference to S3 holding the glued value', async () => {
    const output = `s3://${BUCKET}/e2e/wf-1/step/attempt-0.ipynb`;
    const run = await runCells(
      pythonNotebook([PYTHON_GLUE_HELPER, 'glue("ids", list(range(20000)))\nglue("count", 20000)']),
      { provider, storage, dir, logger, name: 'e2e', output },
    );
    expect(run.status).toBe('completed');
    const scraps = await offloadLargeValues(scrapData(extractScraps(run.saved)), {
      storage,
      baseUri: output,
      kind: 'scraps',
    });
    expect(scraps.count).toBe(20000);
    const ref = scraps.ids as unknown as ValueRef;
    expect(ref.$ref).toBe(`s3://${BUCKET}/e2e/wf-1/step/attempt-0.scraps/ids.json`);
    const stored = JSON.parse((await storage.read(ref.$ref)).toString()) as number[];
    expect(stored).toHaveLength(20000);
    expect(stored[19999]).toBe(19999);
    expect(ref.bytes).toBe(jsonByteLength(stored));
  });
});
