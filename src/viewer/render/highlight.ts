/** Syntax highlighting with highlight.js, on the server; only the languages kernels speak are loaded. */
import type { HLJSApi } from 'highlight.js';

import { escapeHtml } from './html';

const LANGUAGES: Record<string, string> = {
  python: 'python',
  python3: 'python',
  ipython: 'python',
  ipython3: 'python',
  r: 'r',
  julia: 'julia',
  scala: 'scala',
  matlab: 'matlab',
  octave: 'matlab',
  'c#': 'csharp',
  csharp: 'csharp',
  'f#': 'fsharp',
  fsharp: 'fsharp',
  powershell: 'powershell',
  pwsh: 'powershell',
  bash: 'bash',
  sh: 'bash',
  shell: 'bash',
  sql: 'sql',
  json: 'json',
  javascript: 'javascript',
  js: 'javascript',
  typescript: 'typescript',
  ts: 'typescript',
  yaml: 'yaml',
  yml: 'yaml',
  xml: 'xml',
  html: 'xml',
  markdown: 'markdown',
  md: 'markdown',
};

let hljs: HLJSApi | undefined;

function api(): HLJSApi {
  if (hljs) return hljs;
  const core = require('highlight.js/lib/core') as HLJSApi & { default?: HLJSApi };
  const h = core.default ?? core;
  for (const name of new Set(Object.values(LANGUAGES))) {
    const mod = require(`highlight.js/lib/languages/${name}`) as { default?: unknown };
    h.registerLanguage(name, (mod.default ?? mod) as Parameters<HLJSApi['registerLanguage']>[1]);
  }
  hljs = h;
  return h;
}

/** Code as highlighted HTML (escaped plain text when the language is unknown or the code is huge). */
export function highlightCode(code: string, language: string | undefined | null): string {
  const lang = language ? LANGUAGES[language.toLowerCase()] : undefined;
  // highlight.js is linear but not cheap; megabytes of code in one cell are shown plain.
  if (lang === undefined || code.length > 200_000) return escapeHtml(code);
  try {
    return api().highlight(code, { language: lang, ignoreIllegals: true }).value;
  } catch {
    return escapeHtml(code);
  }
}
