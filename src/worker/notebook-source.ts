/**
 * Where a workflow may load a notebook from. Running a notebook runs its code as the worker's user, so
 * notebooks from http(s):// are read only from the URL prefixes in `worker.allowedNotebookUrls`; there
 * are none by default (issue 7 §1). Prefixes match by origin (scheme, host and port) and whole path
 * segments of the parsed URL, so `https://good.example@evil.example/` or `/team-evil/` do not pass for
 * `https://good.example/team/`, and `..` cannot climb out of a prefix. Every redirect is held to the
 * same rule: an allowed source cannot hand the worker a notebook from elsewhere.
 */
import { NbcError } from '../errors';
import { redactUri, uriScheme } from '../storage';

function matches(url: URL, prefix: URL): boolean {
  if (url.protocol !== prefix.protocol || url.host !== prefix.host) return false;
  const base = prefix.pathname;
  if (base.endsWith('/')) return url.pathname.startsWith(base);
  return url.pathname === base || url.pathname.startsWith(`${base}/`);
}

function isAllowed(uri: string, allowed: readonly string[]): boolean {
  if (!URL.canParse(uri)) return false;
  const url = new URL(uri);
  return allowed.some((p) => URL.canParse(p) && matches(url, new URL(p)));
}

/** `what` reads on with "not an allowed notebook source" ("<url> is", "<url> redirected to <url>, which is"). */
function notAllowed(what: string, uri: string, allowed: readonly string[]): NbcError {
  const configured = allowed.length === 0 ? 'none are configured' : `allowed: ${allowed.join(', ')}`;
  return new NbcError(
    'E_NOT_ALLOWED',
    `notebook: ${what} not an allowed notebook source; notebooks are read over http(s) ` +
      `only from the URL prefixes in the worker's configuration key worker.allowedNotebookUrls ` +
      `(env NBCONDUCTOR_ALLOWED_NOTEBOOK_URLS; ${configured})`,
    { field: 'notebook', uri: redactUri(uri) },
  );
}

/** Throws E_NOT_ALLOWED when `notebook` is an http(s) URL outside every allowed prefix. */
export function checkNotebookSource(notebook: string, allowed: readonly string[]): void {
  const scheme = uriScheme(notebook);
  if (scheme !== 'http' && scheme !== 'https') return;
  if (!isAllowed(notebook, allowed)) throw notAllowed(`${redactUri(notebook)} is`, notebook, allowed);
}

/** Throws E_NOT_ALLOWED when a redirect from an allowed source points outside every allowed prefix. */
export function checkNotebookRedirect(from: string, to: string, allowed: readonly string[]): void {
  if (!isAllowed(to, allowed))
    throw notAllowed(`${redactUri(from)} redirected to ${redactUri(to)}, which is`, to, allowed);
}
