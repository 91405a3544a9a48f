/**
 * Where a worker may write: only under its configured output roots (local folders or S3 prefixes). An
 * output URI is checked before anything is read, run or created: control characters and `..` segments
 * (also percent-encoded, once or more) are refused outright; a relative path is taken under the first
 * root; the result must lie inside a root. For local paths symbolic links count: the deepest existing
 * ancestor is resolved, so a link inside a root that points elsewhere does not lead out of it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { NbcError } from '../errors';
import { errnoOf, fsError } from './file-errors';
import { joinUri, parseUri, redactUri, uriScheme } from './uri';

export interface OutputRoots {
  /** The roots, as configured (the first one holds relative outputs and the default layout). */
  readonly roots: readonly string[];
  /**
   * The URI to write for a task's `output` (relative paths go under the first root), after checking it;
   * throws E_NOT_ALLOWED naming `field` and the roots. Creates nothing.
   */
  confine(uri: string, field: string): Promise<string>;
}

// eslint-disable-next-line no-control-regex -- control characters are what we refuse
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Percent-decoding applied until nothing changes (bounded), so `%252e%252e` counts as `..` too. */
function fullyDecoded(segment: string): string {
  let current = segment;
  for (let i = 0; i < 5; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

function hasDotDot(uri: string): boolean {
  const rest = uri.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//, '');
  return rest.split(/[/\\]/).some((s) => fullyDecoded(s).split(/[/\\]/).includes('..'));
}

function inside(child: string, root: string, sep: string): boolean {
  return child.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The real path of `p` when it exists, else of its deepest existing ancestor with the rest appended. */
async function realPathOf(p: string, shown: string): Promise<string> {
  const rest: string[] = [];
  let current = p;
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...rest.reverse());
    } catch (err) {
      const errno = errnoOf(err);
      if (errno !== 'ENOENT' && errno !== 'ENOTDIR') throw fsError(err, 'check', shown, current);
      const parent = path.dirname(current);
      if (parent === current) return p;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

type Root = { kind: 'file'; dir: string } | { kind: 's3'; bucket: string; prefix: string };

function parseRoot(root: string): Root {
  const parsed = parseUri(root);
  if (parsed.scheme === 's3')
    return { kind: 's3', bucket: parsed.bucket, prefix: parsed.key.replace(/\/+$/, '') };
  if (parsed.scheme === 'file' && path.isAbsolute(parsed.path))
    return { kind: 'file', dir: path.resolve(parsed.path) };
  throw new NbcError(
    'E_CONFIG',
    `output root ${redactUri(root)} must be an absolute path, a file:// URI or an s3:// prefix`,
    { field: 'worker.outputRoots', uri: redactUri(root) },
  );
}

export function createOutputRoots(roots: readonly string[]): OutputRoots {
  if (roots.length === 0)
    throw new NbcError('E_CONFIG', 'at least one output root is needed', { field: 'worker.outputRoot' });
  const parsedRoots = roots.map(parseRoot);
  const listed = roots.map(redactUri).join(', ');

  const refuse = (field: string, uri: string, why: string): NbcError =>
    new NbcError(
      'E_NOT_ALLOWED',
      `${field}: ${JSON.stringify(redactUri(uri))} ${why}; the worker writes only under its output roots (${listed}), ` +
        'set by worker.outputRoot and worker.outputRoots',
      { field, uri: redactUri(uri), roots: roots.map(redactUri) },
    );

  async function insideFileRoot(file: string, uri: string): Promise<boolean> {
    const candidates = parsedRoots.filter((r): r is Extract<Root, { kind: 'file' }> => r.kind === 'file');
    if (!candidates.some((r) => inside(file, r.dir, path.sep))) return false;
    const real = await realPathOf(file, uri);
    for (const r of candidates) {
      if (inside(real, await realPathOf(r.dir, r.dir), path.sep)) return true;
    }
    return false;
  }

  return {
    roots,
    async confine(uri: string, field: string): Promise<string> {
      if (CONTROL.test(uri)) throw refuse(field, uri, 'contains a control character');
      if (hasDotDot(uri)) throw refuse(field, uri, 'contains a ".." segment');
      const scheme = uriScheme(uri);
      const relative = scheme === 'file' && !/^file:/i.test(uri) && !path.isAbsolute(uri);
      const target = relative ? joinUri(roots[0] as string, uri) : uri;
      const parsed = parseUri(target);
      if (parsed.scheme === 'file') {
        if (await insideFileRoot(path.resolve(parsed.path), target)) return target;
      } else if (parsed.scheme === 's3') {
        const { bucket, key } = parsed;
        const ok = parsedRoots.some(
          (r) =>
            r.kind === 's3' &&
            r.bucket === bucket &&
            (r.prefix === '' ? key !== '' : inside(key, r.prefix, '/')),
        );
        if (ok) return target;
      }
      throw refuse(field, target, 'is outside the output roots');
    },
  };
}
