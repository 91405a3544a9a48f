/** Validate notebooks with the real nbformat package (the reference implementation) from the project venv. */
import { spawnSync } from 'node:child_process';

import { testVenv } from './python';

const SCRIPT = `
import sys, json, nbformat
results = []
for path in sys.argv[1:]:
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        results.append({"path": path, "ok": True})
    except Exception as e:
        results.append({"path": path, "ok": False, "error": f"{type(e).__name__}: {e}"[:2000]})
print(json.dumps(results))
`;

export interface NbformatResult {
  path: string;
  ok: boolean;
  error?: string;
}

/** Runs nbformat.read + nbformat.validate on each file. */
export function validateWithNbformat(...paths: string[]): NbformatResult[] {
  const r = spawnSync(testVenv().python, ['-c', SCRIPT, ...paths], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nbformat validation script failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as NbformatResult[];
}
