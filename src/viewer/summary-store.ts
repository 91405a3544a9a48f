/**
 * Rows of the summary across runs (one per output notebook under a folder), built from the same cached
 * facts as the notebook headers, so a notebook is read once per version whichever page asks first.
 */
import { unreadableSummary, type RunSummary } from '../results';
import type { NotebookStore } from './notebook-store';
import type { ContentSource, Entry } from './source';

const CONCURRENCY = 4;

export interface SummaryRow extends RunSummary {
  /** The notebook's path under the viewer's root. */
  path: string;
}

export class SummaryStore {
  constructor(
    private readonly source: ContentSource,
    private readonly store: NotebookStore,
  ) {}

  async rows(segments: readonly string[], signal?: AbortSignal): Promise<SummaryRow[]> {
    const notebooks = (await this.source.walk(segments, signal)).filter((e) => e.name.endsWith('.ipynb'));
    const rows = new Array<SummaryRow>(notebooks.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < notebooks.length) {
        const i = next++;
        const e = notebooks[i] as Entry;
        const segs = e.path.split('/');
        try {
          const f = await this.store.notebookFacts(segs, e, signal);
          rows[i] = {
            path: e.path,
            uri: f.uri,
            parameters: f.parameters,
            scraps: f.scraps,
            status: f.status,
            duration: f.duration,
            exception: f.exception,
            startTime: f.startTime,
            endTime: f.endTime,
          };
        } catch (err) {
          signal?.throwIfAborted();
          rows[i] = { path: e.path, ...unreadableSummary(this.source.uriOf(segs), err) };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, notebooks.length) }, worker));
    return rows;
  }
}
