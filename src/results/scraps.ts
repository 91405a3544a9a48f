/**
 * Scraps: values a notebook glued, read from its outputs the way scrapbook 0.5 reads them
 * (`Notebook._fetch_scraps`), so notebooks that use `scrapbook.glue` and notebooks that use the one-line
 * helper below hand the same values downstream.
 *
 * What is read, in cell and output order (display_data and execute_result outputs only):
 * - data outputs: a mime key starting `application/scrapbook.scrap` holding `{name, data, encoder, version}`;
 * - legacy papermill (< 1.0) records: a mime key starting `application/papermill.record` holding
 *   `{name: value}` (only the first entry, as scrapbook);
 * - display outputs: `metadata.scrapbook.display` truthy with `metadata.scrapbook.name`, or legacy
 *   `metadata.papermill.name`.
 *
 * A later data output of a name replaces the scrap (its position stays where the name first appeared, as
 * with scrapbook's OrderedDict). Deviation from scrapbook: a later display-only output of a name keeps the
 * earlier data and encoder and only attaches the display (scrapbook drops the data, so
 * `glue(name, value, display=True)` would lose its value).
 */
import {
  isPlainObject,
  parseJsonExact,
  setOwn,
  stringifyJsonExact,
  type JsonObject,
  type JsonValue,
} from '../json';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { DisplayDataOutput, ExecuteResultOutput, Notebook } from '../notebook/types';

export const GLUE_MIME_PREFIX = 'application/scrapbook.scrap';
export const RECORD_MIME_PREFIX = 'application/papermill.record';
/** The newest scrap payload version this reader knows (scrapbook 0.5 writes 1). */
export const LATEST_SCRAP_VERSION = 1;

/**
 * How a notebook glues a value with nothing but IPython (what `scrapbook.glue(name, value)` emits for
 * JSON-encodable values). Paste into a cell, then `glue("rows", 42)`.
 */
export const PYTHON_GLUE_HELPER = `from IPython.display import display
def glue(name, value):
    display({"application/scrapbook.scrap.json+json": {"name": name, "data": value, "encoder": "json", "version": 1}},
            metadata={"scrapbook": {"name": name, "data": True, "display": False}}, raw=True)
`;

export type ScrapOutput = DisplayDataOutput | ExecuteResultOutput;

export interface Scrap {
  name: string;
  /** The decoded value; null only for a display-only scrap (encoder "display"). */
  data: JsonValue | null;
  /** The payload's encoder: "json", "text", "pandas", "display" or a custom one. */
  encoder: string;
  /** The output that displays this scrap, when the notebook glued a display for it. */
  display?: ScrapOutput;
  /**
   * True when `data` is still in the encoder's stored form because Node cannot decode it: "pandas" is
   * base64 parquet (read it with pandas.read_parquet), and unknown custom encoders are kept as stored.
   */
  undecoded?: true;
}

/** Scraps by name, in the order names first appeared. */
export type Scraps = Map<string, Scrap>;

export interface ExtractScrapsOptions {
  /** Malformed payloads are reported here (warn) and skipped. */
  logger?: Logger;
  /** Where the notebook came from, for warnings. */
  source?: string;
}

interface Where {
  source?: string;
  cell: number;
  output: number;
  mime?: string;
}

type Decoded = { ok: true; scrap: Scrap } | { ok: false; reason: string };

/** Python's `str()` of a JSON value, as far as it matters for the text encoder's fallback. */
function pythonStr(v: JsonValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  if (typeof v === 'number') return String(v);
  return stringifyJsonExact(v) ?? 'None';
}

/** The encoders' `decode`: json and text yield values, pandas and unknown encoders stay encoded. */
function decode(name: string, data: JsonValue, encoder: string): Decoded {
  switch (encoder) {
    case 'json':
      if (typeof data === 'string') {
        // scrapbook: "just in case we somehow got a valid JSON string pushed"
        try {
          return { ok: true, scrap: { name, data: parseJsonExact(data) as JsonValue, encoder } };
        } catch {
          return { ok: true, scrap: { name, data, encoder } };
        }
      }
      return { ok: true, scrap: { name, data, encoder } };
    case 'text':
      return { ok: true, scrap: { name, data: pythonStr(data), encoder } };
    case 'pandas':
      if (typeof data !== 'string') return { ok: false, reason: 'pandas scrap data is not a base64 string' };
      return { ok: true, scrap: { name, data, encoder, undecoded: true } };
    case 'display':
      return { ok: false, reason: 'a data payload cannot use the "display" encoder' };
    default:
      return { ok: true, scrap: { name, data, encoder, undecoded: true } };
  }
}

/** scrapbook's `payload_to_scrap` + schema v1 checks + `registry.decode`. */
function payloadToScrap(raw: JsonValue, warn: (reason: string) => void): Scrap | undefined {
  let payload: JsonValue = raw;
  if (typeof payload === 'string') {
    try {
      payload = parseJsonExact(payload) as JsonValue;
    } catch {
      warn('payload is a string that is not JSON');
      return undefined;
    }
  }
  if (!isPlainObject(payload)) return (warn('payload is not an object'), undefined);
  const { name, data, encoder, version } = payload;
  if (version === undefined) return (warn('payload has no version'), undefined);
  if (typeof version !== 'number' || !Number.isInteger(version))
    return (warn('version is not an integer'), undefined);
  if (version > LATEST_SCRAP_VERSION) {
    warn(`payload version ${version} is newer than ${LATEST_SCRAP_VERSION}; reading it as version 1`);
  }
  if (typeof name !== 'string') return (warn('name is not a string'), undefined);
  if (typeof encoder !== 'string') return (warn(`scrap "${name}": encoder is not a string`), undefined);
  if (data === undefined || data === null)
    return (warn(`scrap "${name}": data is missing or null`), undefined);
  const decoded = decode(name, data, encoder);
  if (!decoded.ok) return (warn(`scrap "${name}": ${decoded.reason}`), undefined);
  return decoded.scrap;
}

/** A legacy `application/papermill.record+json` payload: `{name: value}`, first entry only. */
function recordToScrap(mime: string, raw: JsonValue, warn: (reason: string) => void): Scrap | undefined {
  if (!isPlainObject(raw)) return (warn('papermill record is not an object'), undefined);
  // "application/papermill.record+json" → "json"
  const encoder = mime.slice(RECORD_MIME_PREFIX.length + 1);
  const first = Object.entries(raw)[0];
  if (!first) return (warn('papermill record is empty'), undefined);
  const [name, data] = first;
  if (data === null) return (warn(`papermill record "${name}": value is null`), undefined);
  const decoded = decode(name, data, encoder);
  if (!decoded.ok) return (warn(`papermill record "${name}": ${decoded.reason}`), undefined);
  return decoded.scrap;
}

function displayName(output: ScrapOutput): string | undefined {
  const md = output.metadata;
  if (!isPlainObject(md)) return undefined;
  // papermill's legacy pm.display() first, as scrapbook checks it first
  if (isPlainObject(md.papermill)) {
    const n = md.papermill.name;
    return typeof n === 'string' && n !== '' ? n : undefined;
  }
  const sb = md.scrapbook;
  if (isPlainObject(sb) && sb.display) {
    const n = sb.name;
    return typeof n === 'string' && n !== '' ? n : undefined;
  }
  return undefined;
}

function dataScrapsOf(output: ScrapOutput, where: Where, logger: Logger): Scrap[] {
  const found = new Map<string, Scrap>();
  const data: JsonObject = isPlainObject(output.data) ? output.data : {};
  for (const [mime, payload] of Object.entries(data)) {
    const warn = (reason: string): void =>
      logger.warn({ ...where, mime }, `skipping a malformed scrap output: ${reason}`);
    let scrap: Scrap | undefined;
    if (mime.startsWith(RECORD_MIME_PREFIX)) scrap = recordToScrap(mime, payload, warn);
    else if (mime.startsWith(GLUE_MIME_PREFIX)) scrap = payloadToScrap(payload, warn);
    if (scrap) found.set(scrap.name, scrap);
  }
  return [...found.values()];
}

/** Every scrap glued in the notebook, later outputs of a name winning (see the module comment). */
export function extractScraps(notebook: Notebook, options: ExtractScrapsOptions = {}): Scraps {
  const logger = options.logger ?? silentLogger();
  const scraps: Scraps = new Map();
  notebook.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== 'code' || !Array.isArray(cell.outputs)) return;
    cell.outputs.forEach((output, outputIndex) => {
      if (output.output_type !== 'display_data' && output.output_type !== 'execute_result') return;
      const where: Where = { source: options.source, cell: cellIndex, output: outputIndex };
      const dataScraps = dataScrapsOf(output, where, logger);
      const shown = displayName(output);
      for (const scrap of dataScraps) {
        scraps.set(scrap.name, scrap.name === shown ? { ...scrap, display: output } : scrap);
      }
      if (shown !== undefined && !dataScraps.some((s) => s.name === shown)) {
        const earlier = scraps.get(shown);
        scraps.set(
          shown,
          earlier && earlier.data !== null
            ? { ...earlier, display: output }
            : { name: shown, data: null, encoder: 'display', display: output },
        );
      }
    });
  });
  return scraps;
}

/**
 * `{name: value}` for scraps that carry data (scrapbook's `data_dict`), as the task output reports them.
 * An undecoded scrap is reported as `{encoder, data}` so a consumer can tell it is still encoded.
 */
export function scrapData(scraps: Scraps): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const scrap of scraps.values()) {
    if (scrap.data === null) continue;
    setOwn(out, scrap.name, scrap.undecoded ? { encoder: scrap.encoder, data: scrap.data } : scrap.data);
  }
  return out;
}
