/**
 * Terminal text (streams, tracebacks) as HTML: ANSI colours through anser's parser, escaped by us; carriage
 * returns and backspaces applied the way a terminal (and Jupyter) would, so progress bars show their last state.
 */
import type Anser from 'anser';

import { escapeHtml } from './html';

let anser: typeof Anser | undefined;

/** Text after `\r` overwrites its line; `\b` deletes the character before it. */
export function applyTerminalControls(text: string): string {
  let t = text.replace(/\r+\n/g, '\n');
  if (t.includes('\r')) {
    t = t
      .split('\n')
      .map((line) => line.slice(line.lastIndexOf('\r') + 1))
      .join('\n');
  }
  while (t.includes('\x08')) {
    // eslint-disable-next-line no-control-regex
    const next = t.replace(/[^\n\x08]\x08/g, '');
    // eslint-disable-next-line no-control-regex
    if (next === t) return t.replace(/\x08/g, '');
    t = next;
  }
  return t;
}

export function ansiToHtml(text: string): string {
  const plain = applyTerminalControls(text);
  // eslint-disable-next-line no-control-regex
  if (!/\x1b/.test(plain)) return escapeHtml(plain);
  anser ??= require('anser') as typeof Anser;
  let out = '';
  for (const part of anser.ansiToJson(plain, { json: true, remove_empty: true })) {
    const content = escapeHtml(part.content);
    const styles: string[] = [];
    const fg = part.fg_truecolor || part.fg;
    const bg = part.bg_truecolor || part.bg;
    if (fg) styles.push(`color:rgb(${fg})`);
    if (bg) styles.push(`background-color:rgb(${bg})`);
    for (const d of part.decorations) {
      if (d === 'bold') styles.push('font-weight:bold');
      else if (d === 'dim') styles.push('opacity:0.7');
      else if (d === 'italic') styles.push('font-style:italic');
      else if (d === 'underline') styles.push('text-decoration:underline');
      else if (d === 'strikethrough') styles.push('text-decoration:line-through');
      else if (d === 'hidden') styles.push('visibility:hidden');
    }
    // anser's colour values are digits, commas and spaces: nothing to escape, checked anyway.
    const style = styles.join(';');
    out +=
      style && /^[a-z0-9:;(), .#-]*$/i.test(style) ? `<span style="${style}">${content}</span>` : content;
  }
  return out;
}
