/** A page for a request the viewer cannot answer (missing path, unreadable notebook, refused access). */
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
