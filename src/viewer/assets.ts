/**
 * Files the viewer serves itself under /static/ (nothing is fetched from a CDN: it works offline): KaTeX's
 * fonts, the pages' stylesheet and their one small script. KaTeX's stylesheet is inlined into each rendered
 * notebook that has math, with its font URLs pointed at /static/ (or, for a downloaded HTML file, at
 * data: URIs so the file stands alone).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { PAGE_CSS } from './pages/styles';
import { PAGE_SCRIPT } from './pages/script';

export interface StaticAsset {
  body: Buffer;
  contentType: string;
}

const FONT_NAME = /^KaTeX_[A-Za-z0-9_-]+\.(woff2|woff|ttf)$/;
const FONT_TYPES: Record<string, string> = { woff2: 'font/woff2', woff: 'font/woff', ttf: 'font/ttf' };

let katexDir: string | undefined;
let katexCssText: string | undefined;
let inlineCss: string | undefined;

function distDir(): string {
  katexDir ??= path.join(path.dirname(require.resolve('katex/package.json')), 'dist');
  return katexDir;
}

function rawKatexCss(): string {
  katexCssText ??= readFileSync(path.join(distDir(), 'katex.min.css'), 'utf8');
  return katexCssText;
}

/** KaTeX's stylesheet loading its fonts from `fontBase` (a URL path ending in "/"). */
export function katexCss(fontBase: string): string {
  return rawKatexCss().replace(/url\(fonts\//g, `url(${fontBase}`);
}

/** KaTeX's stylesheet with its woff2 fonts inlined as data: URIs (for a self-contained HTML file). */
export function katexCssInline(): string {
  inlineCss ??= rawKatexCss().replace(/src:([^;}]*)/g, (_whole, list: string) => {
    const woff2 = /url\(fonts\/([^)]+\.woff2)\)/.exec(list)?.[1];
    if (woff2 === undefined || !FONT_NAME.test(woff2)) return `src:${list}`;
    const data = readFileSync(path.join(distDir(), 'fonts', woff2)).toString('base64');
    return `src:url(data:font/woff2;base64,${data}) format("woff2")`;
  });
  return inlineCss;
}

const fonts = new Map<string, StaticAsset>();

/** A static file by its name under /static/ (e.g. "katex/fonts/KaTeX_Main-Regular.woff2"), or null. */
export function staticAsset(name: string): StaticAsset | null {
  if (name === 'viewer.css') return { body: Buffer.from(PAGE_CSS), contentType: 'text/css; charset=utf-8' };
  if (name === 'viewer.js')
    return { body: Buffer.from(PAGE_SCRIPT), contentType: 'text/javascript; charset=utf-8' };
  const font = /^katex\/fonts\/([^/]+)$/.exec(name)?.[1];
  if (font === undefined || !FONT_NAME.test(font)) return null;
  let asset = fonts.get(font);
  if (!asset) {
    const ext = font.slice(font.lastIndexOf('.') + 1);
    let body: Buffer;
    try {
      body = readFileSync(path.join(distDir(), 'fonts', font));
    } catch {
      return null;
    }
    asset = { body, contentType: FONT_TYPES[ext] ?? 'application/octet-stream' };
    fonts.set(font, asset);
  }
  return asset;
}

/** True for asset names that are fonts (fetched with CORS from the sandboxed document's opaque origin). */
export function isFontAsset(name: string): boolean {
  return name.startsWith('katex/fonts/');
}
