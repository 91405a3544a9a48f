/** A run's timeline as SVG: one bar per task execution, from its start to its end (or now, if running). */
import { escapeHtml, formatDuration } from '../render/html';
import type { JsonObject } from '../../json';

const LABEL_W = 230;
const CHART_W = 640;
const ROW_H = 18;
const TOP = 18;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

export function timeline(tasks: readonly JsonObject[], now: number): string {
  const rows = tasks
    .filter((t) => num(t.startTime) > 0 || num(t.scheduledTime) > 0)
    .map((t) => {
      const start = num(t.startTime) || num(t.scheduledTime);
      const end = num(t.endTime) > 0 ? num(t.endTime) : now;
      return { t, start, end: Math.max(start, end) };
    })
    .sort((a, b) => a.start - b.start || num(a.t.seq) - num(b.t.seq));
  if (rows.length === 0) return '<p class="note">No task has started yet.</p>';
  const t0 = Math.min(...rows.map((r) => r.start));
  const t1 = Math.max(...rows.map((r) => r.end), t0 + 1);
  const scale = CHART_W / (t1 - t0);
  const out: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const x = LABEL_W + (CHART_W * i) / 4;
    out.push(`<line class="tl-grid" x1="${x}" y1="${TOP - 4}" x2="${x}" y2="${TOP + rows.length * ROW_H}"/>`);
    out.push(
      `<text class="tl-axis" x="${x}" y="${TOP - 6}" text-anchor="middle">+${escapeHtml(formatDuration(((t1 - t0) * i) / 4 / 1000))}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const y = TOP + i * ROW_H;
    const ref = text(r.t.referenceTaskName) || text(r.t.taskType);
    const status = text(r.t.status);
    const cls = /^[A-Za-z_]+$/.test(status) ? status : '';
    const label = `${ref}${num(r.t.retryCount) > 0 ? ` (attempt ${num(r.t.retryCount)})` : ''}`;
    const x = LABEL_W + (r.start - t0) * scale;
    const w = Math.max(2, (r.end - r.start) * scale);
    out.push(
      `<text class="tl-label" x="4" y="${y + 13}">${escapeHtml(label.length > 34 ? `${label.slice(0, 33)}…` : label)}</text>`,
    );
    out.push(
      `<rect class="bar ${cls}" x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW_H - 6}" rx="2"><title>${escapeHtml(
        `${label}: ${status.toLowerCase()}, ${formatDuration((r.end - r.start) / 1000)}`,
      )}</title></rect>`,
    );
  });
  const w = LABEL_W + CHART_W + 30;
  const h = TOP + rows.length * ROW_H + 6;
  return `<svg class="timeline graph" role="img" aria-label="timeline" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${out.join('')}</svg>`;
}
