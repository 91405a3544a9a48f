#!/usr/bin/env node
'use strict';
// Runs jest with its normal reporter, then prints one plain closing line ("N passed, N failed, N skipped")
// that CI systems recognise, built from jest's JSON results. Extra args are passed to jest.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dir = mkdtempSync(path.join(os.tmpdir(), 'nbc-jest-'));
const outFile = path.join(dir, 'results.json');
const jestBin = require.resolve('jest/bin/jest');
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const result = spawnSync(
  process.execPath,
  [jestBin, '--json', `--outputFile=${outFile}`, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env,
  },
);
let code = result.status ?? 1;
try {
  const r = JSON.parse(readFileSync(outFile, 'utf8'));
  const skipped = r.numPendingTests + r.numTodoTests;
  process.stdout.write(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped\n`);
  if (r.numTotalTests === 0) code = code || 1;
  if (r.numFailedTestSuites > 0 || r.numRuntimeErrorTestSuites > 0) code = code || 1;
} catch (err) {
  process.stderr.write(`run-tests: could not read jest results: ${err.message}\n`);
  code = code || 1;
}
rmSync(dir, { recursive: true, force: true });
process.exit(code);
