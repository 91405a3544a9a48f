/**
 * Output notebooks read, summarised and rendered once per version: facts (for headers and folder pages)
 * and rendered documents are cached by (path, ETag, renderer version). A notebook page parses the notebook
 * once for both its header and the document its frame loads right after.
 */
import { parseNotebookJson } from '../notebook/io';
import { guessContentType } from '../storage';
import { katexCss, katexCssInline } from './assets';
import { SizedCache } from './cache';
import { notebookFacts, type NotebookFacts } from './notebook-facts';
import { RENDERER_VERSION, renderNotebookBytes } from './render/document';
import { joinText } from './render/html';
import { relativeImageSources } from './render/markdown';
import type { ContentSource, Entry } from './source';
import { isHiddenName } from './source';
import { isPlainObject, type JsonObject } from '../json';

export interface DocumentVariant {
  /** Hide code inputs. */
  report: boolean;
  /** Fonts inlined, for a downloaded file that must stand alone. */
  standalone: boolean;
}

export interface NotebookStoreOptions {
  /** URL path KaTeX's fonts are served from (ends with "/"). */
  fontBase: string;
  /** Budget for cached rendered documents (bytes of HTML). */
  cacheBytes?: number;
}

const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const MAX_IMAGES_BYTES = 40 * 1024 * 1024;
const IMAGE_EXT = /\.(png|jpe?g|gif|svg|webp)$/i;

function keyOf(entry: Entry): string {
  return `${entry.path}\0${entry.etag ?? `${entry.size}-${entry.mtimeMs}`}`;
}

/** `src` (relative to the notebook's folder) as segments under the root, or null if it leaves it. */
function resolveRelative(dir: readonly string[], src: string): string[] | null {
  const out = [...dir];
  for (const raw of src.split(/[?#]/)[0]?.split('/') ?? []) {
    let part: string;
    try {
      part = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return null;
      out.pop();
      continue;
    }
    if (isHiddenName(part) || /[\\\0]/.test(part)) return null;
    out.push(part);
  }
  return out.length > 0 ? out : null;
}

export class NotebookStore {
  private readonly facts = new SizedCache<NotebookFacts>(4 * 1024 * 1024, () => 2048);
  /** Rendered documents as UTF-8 bytes, ready to send. */
  private readonly documents: SizedCache<Buffer>;

  constructor(
    private readonly source: ContentSource,
    private readonly options: NotebookStoreOptions,
  ) {
    this.documents = new SizedCache<Buffer>(options.cacheBytes ?? 256 * 1024 * 1024, (html) => html.length);
  }

  private async parse(segments: readonly string[], signal?: AbortSignal): Promise<JsonObject> {
    const uri = this.source.uriOf(segments);
    return parseNotebookJson(await this.source.read(segments, signal), uri);
  }

  private async images(
    segments: readonly string[],
    nb: JsonObject,
    signal?: AbortSignal,
  ): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    const cells = Array.isArray(nb.cells) ? nb.cells : [];
    const wanted = new Set<string>();
    for (const cell of cells) {
      if (isPlainObject(cell) && cell.cell_type === 'markdown') {
        for (const src of relativeImageSources(joinText(cell.source))) wanted.add(src);
      }
    }
    let budget = MAX_IMAGES_BYTES;
    const dir = segments.slice(0, -1);
    for (const src of wanted) {
      const target = resolveRelative(dir, src);
      if (target === null || !IMAGE_EXT.test(target[target.length - 1] as string)) continue;
      const entry = await this.source.stat(target, signal);
      if (
        entry?.kind !== 'file' ||
        entry.size === null ||
        entry.size > MAX_IMAGE_BYTES ||
        entry.size > budget
      )
        continue;
      budget -= entry.size;
      const bytes = await this.source.read(target, signal);
      const mime = guessContentType(entry.name).split(';')[0] as string;
      map.set(src, `data:${mime};base64,${bytes.toString('base64')}`);
    }
    return map;
  }

  private async render(
    segments: readonly string[],
    entry: Entry,
    nb: JsonObject,
    variant: DocumentVariant,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const images = await this.images(segments, nb, signal);
    return renderNotebookBytes(nb, {
      title: entry.name,
      reportMode: variant.report,
      mathCss: variant.standalone ? katexCssInline() : katexCss(this.options.fontBase),
      images,
    });
  }

  private docKey(entry: Entry, v: DocumentVariant): string {
    return `${keyOf(entry)}\0${RENDERER_VERSION}\0${v.report ? 'R' : ''}${v.standalone ? 'S' : ''}`;
  }

  /** Header facts of a notebook (cached). */
  notebookFacts(segments: readonly string[], entry: Entry, signal?: AbortSignal): Promise<NotebookFacts> {
    return this.facts.getOrCompute(keyOf(entry), async () =>
      notebookFacts(this.source.uriOf(segments), await this.parse(segments, signal)),
    );
  }

  /** The rendered document, UTF-8 (cached). */
  document(
    segments: readonly string[],
    entry: Entry,
    variant: DocumentVariant,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    return this.documents.getOrCompute(this.docKey(entry, variant), async () =>
      this.render(segments, entry, await this.parse(segments, signal), variant, signal),
    );
  }

  /** Facts and the document a notebook page's frame will ask for, from one parse. */
  async prepare(
    segments: readonly string[],
    entry: Entry,
    variant: DocumentVariant,
    signal?: AbortSignal,
  ): Promise<NotebookFacts> {
    const cachedFacts = this.facts.get(keyOf(entry));
    const docKey = this.docKey(entry, variant);
    if (cachedFacts && this.documents.get(docKey) !== undefined) return cachedFacts;
    let nb: JsonObject | undefined;
    const parsed = async (): Promise<JsonObject> => (nb ??= await this.parse(segments, signal));
    const facts = await this.facts.getOrCompute(keyOf(entry), async () =>
      notebookFacts(this.source.uriOf(segments), await parsed()),
    );
    // The frame's request arrives moments later: have its document ready, once this page has been sent
    // (errors surface on the frame's own request).
    setImmediate(() => {
      void this.documents
        .getOrCompute(docKey, async () => this.render(segments, entry, await parsed(), variant))
        .catch(() => undefined);
    });
    return facts;
  }
}
