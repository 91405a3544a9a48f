/** What every viewer route handler gets: the shared viewer state and the parsed request. */
import type http from 'node:http';

import type { Logger } from '../../log';
import type { NotebookStore } from '../notebook-store';
import type { PageContext } from '../pages/layout';
import type { RunsApi } from '../conductor/api';
import type { ContentSource } from '../source';
import type { SummaryStore } from '../summary-store';

export interface ViewerContext {
  page: PageContext;
  source: ContentSource;
  store: NotebookStore;
  summaries: SummaryStore;
  runs: RunsApi | null;
  logger: Logger;
  /** How the root is named in breadcrumbs (its URI). */
  rootLabel: string;
  /** URL path of KaTeX's fonts. */
  fontBase: string;
}

export interface RouteRequest {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  /** Path segments after the route name (validated: inside the root, no hidden names). */
  segments: string[];
  trailingSlash: boolean;
  query: URLSearchParams;
  head: boolean;
  signal: AbortSignal;
}
