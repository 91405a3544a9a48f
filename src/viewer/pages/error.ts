/** Pages for a request the viewer cannot answer (missing path, unreadable notebook, refused access). */
import { escapeHtml } from '../render/html';
import { href, pageShell, type PageContext, type Section } from './layout';

export function errorPage(
  ctx: PageContext,
  status: number,
  message: string,
  section: Section = 'files',
): string {
  const title =
    status === 404 ? 'Not found' : status === 403 ? 'Forbidden' : status === 400 ? 'Bad request' : 'Error';
  const body = `<h1>${status} ${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="${href(ctx, 'view', [], {}, true)}">back to the files</a></p>`;
  return pageShell(ctx, { title, section, body });
}

/**
 * The answer to a person without the login session: where the way in is. `again` is the page asked for:
 * a link from another site (a chat, a ticket) arrives without the SameSite=Strict cookie, and following
 * it from here, within this site, sends it.
 */
export function signInPage(ctx: PageContext, message: string, again: string): string {
  const body = [
    '<h1>401 Sign-in needed</h1>',
    '<p>These pages open only for people holding this server&rsquo;s key.</p>',
    '<p>Open the <strong>one-time login link</strong> printed on the terminal when the server started ',
    '(<code>nbconductor up</code>, <code>nbconductor server</code> or <code>nbconductor view</code>): it signs ',
    'this browser in and brings you to the page it names. Each link works once; restarting the server ',
    'prints a new one.</p>',
    `<p>Signed in already? Links from other sites come without the sign-in cookie: `,
    `<a href="${escapeHtml(again)}">open this page again</a>.</p>`,
    `<p class="note">${escapeHtml(message)}</p>`,
  ].join('');
  return pageShell(ctx, { title: 'Sign-in needed', section: 'files', body });
}
