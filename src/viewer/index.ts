/**
 * The read-only viewer of output notebooks and pipeline runs: a Jupyter-compatible contents API over a
 * local directory or an S3 prefix, notebooks rendered on the server into sandboxed documents, folder,
 * run and summary pages. `createViewer` gives a request handler to mount (the engine does, at `/`);
 * `startViewServer` runs it alone (`nbconductor view`).
 */
export { createViewer, normalizeBaseUrl, type Viewer, type ViewerOptions } from './http/handler';
export { securityGuard, type GuardResult, type RouteKind, type ViewerGuard } from './http/guard';
export {
  createHttpRunsApi,
  type HttpRunsApiOptions,
  type RunsApi,
  type WorkflowSummaryRow,
} from './conductor/api';
export { conductorAuth, NO_AUTH, type ConductorAuth, type ConductorCredentials } from './conductor/auth';
export {
  createViewerSecurity,
  startViewServer,
  type RunningViewServer,
  type ViewerSecuritySettings,
  type ViewServerOptions,
} from './http/server';
export { RENDERER_VERSION, renderNotebookBytes, renderNotebookDocument } from './render/document';
