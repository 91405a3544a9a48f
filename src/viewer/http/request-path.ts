/**
 * A request's path below a route prefix, as segments under the viewer's root. The raw (undecoded) path is
 * checked segment by segment, so traversal is refused whatever its spelling: `..`, `%2e%2e`, an encoded
 * slash or backslash, a NUL byte, an absolute path (`//etc`, an empty segment) are 400; hidden names
 * (dotfiles) are 404, as in Jupyter Server.
 */

export type PathResult =
  | { ok: true; segments: string[]; trailingSlash: boolean }
  | { ok: false; status: 400 | 404; message: string };

export function parseRequestPath(raw: string): PathResult {
  const trailingSlash = raw.endsWith('/');
  const body = trailingSlash ? raw.slice(0, -1) : raw;
  if (body === '') return { ok: true, segments: [], trailingSlash };
  const segments: string[] = [];
  for (const part of body.split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(part);
    } catch {
      return { ok: false, status: 400, message: 'malformed percent-encoding in the path' };
    }
    if (seg === '') return { ok: false, status: 400, message: 'empty or absolute path segment' };
    if (seg === '.' || seg === '..') return { ok: false, status: 400, message: 'the path leaves the root' };
    if (/[/\\\0]/.test(seg))
      return { ok: false, status: 400, message: 'forbidden character in a path segment' };
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(seg))
      return { ok: false, status: 400, message: 'control character in the path' };
    if (seg.startsWith('.')) return { ok: false, status: 404, message: 'not found' };
    segments.push(seg);
  }
  return { ok: true, segments, trailingSlash };
}

/** A URL path for segments (each percent-encoded). */
export function encodePath(segments: readonly string[]): string {
  return segments.map(encodeURIComponent).join('/');
}
