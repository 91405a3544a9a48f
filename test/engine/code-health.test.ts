/**
 * Code health the lead checks (issue 8): no module imports itself back, even through type-only imports
 * (the engine's executor and JsonPath compiler had such cycles); every declared dependency is used; and
 * package.json points at nothing that does not exist; and one JSON value type and one plain-object guard
 * (src/json.ts) serve every module.
 */
import fs from 'node:fs';
import path from 'node:path';

import { importCycles } from '../helpers/import-graph';
import { jsonTwins } from '../helpers/json-twins';

const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  main?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

it('src/ has no import cycles', () => {
  expect(importCycles(path.join(ROOT, 'src'))).toEqual([]);
});

it('the cycle check finds a cycle, type-only imports included', () => {
  expect(importCycles(path.join(ROOT, 'test/fixtures/import-cycle'))).toEqual([
    ['a.ts', path.join('sub', 'b.ts')],
  ]);
});

/** Every file of these trees that could import a package. */
function sources(dirs: string[]): string {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.(ts|js|cjs|mjs|json)$/.test(e.name)) out.push(fs.readFileSync(full, 'utf8'));
    }
  };
  for (const d of dirs) if (fs.existsSync(path.join(ROOT, d))) walk(path.join(ROOT, d));
  return out.join('\n');
}

const imports = (text: string, name: string): boolean =>
  new RegExp(
    `(from\\s+|require(?:\\.resolve)?\\(|import\\()['"]${name.replace(/[/.]/g, '\\$&')}(/[^'"]*)?['"]`,
  ).test(text);

it('every runtime dependency is imported by the code that ships', () => {
  const code = sources(['src', 'workers', 'bin']);
  const unused = Object.keys(pkg.dependencies ?? {}).filter((d) => !imports(code, d));
  expect(unused).toEqual([]);
});

it('every development dependency is used by tests, benchmarks, scripts or tool configuration', () => {
  const all = { ...pkg.dependencies, ...pkg.devDependencies };
  const code = sources(['src', 'workers', 'bin', 'test', 'bench', 'scripts']);
  const config = ['jest.config.js', 'eslint.config.js', '.prettierrc.json', 'tsconfig.json']
    .map((f) => (fs.existsSync(path.join(ROOT, f)) ? fs.readFileSync(path.join(ROOT, f), 'utf8') : ''))
    .join('\n');
  const scripts = Object.values(pkg.scripts ?? {}).join('\n');
  const unused = Object.keys(pkg.devDependencies ?? {}).filter((d) => {
    if (d.startsWith('@types/')) {
      const typed = d.slice('@types/'.length);
      return !(typed === 'node' || typed === 'jest' || typed in all);
    }
    const bin = d.split('/').pop() as string;
    return !imports(code, d) && !config.includes(d) && !scripts.includes(bin);
  });
  expect(unused).toEqual([]);
});

it('package.json names only files that exist once built', () => {
  if (pkg.main !== undefined) expect(fs.existsSync(path.join(ROOT, pkg.main))).toBe(true);
  expect(fs.existsSync(path.join(ROOT, 'bin/nbconductor.js'))).toBe(true);
});

it('src/ has one JSON value type and one plain-object guard, in src/json.ts', () => {
  expect(jsonTwins(path.join(ROOT, 'src'), 'json.ts')).toEqual([]);
});

it('the JSON-twin check finds second JSON types and plain-object guards', () => {
  expect(jsonTwins(path.join(ROOT, 'test/fixtures/json-twins'), 'json.ts')).toEqual([
    { file: 'sub/guards.ts', line: 2, what: 'a plain-object guard (isRecord)' },
    { file: 'sub/guards.ts', line: 5, what: 'an inline plain-object check (v)' },
    { file: 'sub/guards.ts', line: 6, what: 'an inline plain-object check (v)' },
    { file: 'sub/guards.ts', line: 7, what: 'a prototype check for plain objects' },
    { file: 'types.ts', line: 3, what: 'a JSON type (JsonMap)' },
    { file: 'types.ts', line: 4, what: 'a JSON type (JSONObject)' },
    { file: 'types.ts', line: 6, what: 'a JSON value union (Data)' },
  ]);
});
