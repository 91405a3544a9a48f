/**
 * A workflow's graph as SVG, laid out from its definition: tasks in sequence top to bottom, FORK_JOIN
 * branches and SWITCH/DECISION cases side by side (the case taken is marked), dynamic forks with the
 * branches the run spawned, DO_WHILE bodies in a dashed frame, sub-workflows linked to their own run
 * page. Each node is coloured by the status of its latest execution and links to its output notebook.
 */
import { escapeHtml } from '../render/html';
import { isPlainObject, type JsonObject } from '../../json';

export interface GraphNodeInfo {
  status: string | null;
  /** Where a click on the node goes (already escaped for an attribute), if anywhere. */
  link: string | null;
}

export interface GraphInput {
  /** `workflowDefinition.tasks` of the execution. */
  definition: unknown[];
  /** Status and link of a task reference (latest execution), null when it never ran. */
  nodeInfo(ref: string): GraphNodeInfo | null;
  /** The execution of a task reference (for the case a SWITCH took, the branches a dynamic fork made). */
  execution(ref: string): JsonObject | null;
}

interface Point {
  x: number;
  y: number;
}
interface Ports {
  top: Point;
  bottoms: Point[];
}
interface Laid {
  w: number;
  h: number;
  place(x: number, y: number, out: string[]): Ports;
}

const NODE_W = 190;
const NODE_H = 40;
const VGAP = 26;
const HGAP = 18;
const LABEL_H = 14;
const PAD = 12;

const obj = (v: unknown): JsonObject => (isPlainObject(v) ? (v as JsonObject) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function edge(from: Point, to: Point, out: string[]): void {
  const mid = (from.y + to.y) / 2;
  out.push(
    `<path class="edge" marker-end="url(#arrow)" d="M${from.x} ${from.y} V${mid} H${to.x} V${to.y - 2}"/>`,
  );
}

function node(ref: string, type: string, g: GraphInput): Laid {
  const info = g.nodeInfo(ref);
  const status = info?.status ?? 'notrun';
  const cls = /^[A-Za-z_]+$/.test(status) ? status : 'notrun';
  return {
    w: NODE_W,
    h: NODE_H,
    place(x, y, out) {
      const label = `<text x="${x + 10}" y="${y + 17}">${escapeHtml(cut(ref, 26))}</text>`;
      const kind = `<text class="kind" x="${x + 10}" y="${y + 32}">${escapeHtml(cut(`${type.toLowerCase()}${info ? ` · ${status.toLowerCase()}` : ''}`, 32))}</text>`;
      const title = `<title>${escapeHtml(`${ref} (${type}): ${info ? status : 'not run'}`)}</title>`;
      const shape = `<rect x="${x}" y="${y}" width="${NODE_W}" height="${NODE_H}" rx="6"/>`;
      const inner = `${title}${shape}${label}${kind}`;
      const id = `node-${escapeHtml(ref)}`;
      out.push(
        info?.link
          ? `<a href="${info.link}"><g class="node ${cls}" id="${id}" data-ref="${escapeHtml(ref)}">${inner}</g></a>`
          : `<g class="node ${cls}" id="${id}" data-ref="${escapeHtml(ref)}">${inner}</g>`,
      );
      return { top: { x: x + NODE_W / 2, y }, bottoms: [{ x: x + NODE_W / 2, y: y + NODE_H }] };
    },
  };
}

/** An empty branch: edges pass straight through it. */
function passThrough(): Laid {
  return {
    w: NODE_W / 2,
    h: 0,
    place(x, y) {
      const p = { x: x + NODE_W / 4, y };
      return { top: p, bottoms: [p] };
    },
  };
}

function sequence(items: Laid[]): Laid {
  if (items.length === 0) return passThrough();
  const w = Math.max(...items.map((i) => i.w));
  const h = items.reduce((s, i) => s + i.h, 0) + VGAP * (items.length - 1);
  return {
    w,
    h,
    place(x, y, out) {
      let cy = y;
      let prev: Point[] | null = null;
      let top: Point = { x: x + w / 2, y };
      for (const item of items) {
        const ports = item.place(x + (w - item.w) / 2, cy, out);
        if (prev) for (const b of prev) edge(b, ports.top, out);
        else top = ports.top;
        prev = ports.bottoms;
        cy += item.h + VGAP;
      }
      return { top, bottoms: prev ?? [top] };
    },
  };
}

/** A head node with branches side by side under it (labels above each branch when given). */
function branching(head: Laid, branches: { laid: Laid; label?: string; chosen?: boolean }[]): Laid {
  const labelled = branches.some((b) => b.label !== undefined);
  const gap = VGAP + (labelled ? LABEL_H : 0);
  const width = branches.reduce((s, b) => s + b.laid.w, 0) + HGAP * Math.max(0, branches.length - 1);
  const w = Math.max(head.w, width);
  const h = head.h + gap + Math.max(0, ...branches.map((b) => b.laid.h));
  return {
    w,
    h,
    place(x, y, out) {
      const hp = head.place(x + (w - head.w) / 2, y, out);
      let bx = x + (w - width) / 2;
      const bottoms: Point[] = [];
      for (const b of branches) {
        const by = y + head.h + gap;
        const ports = b.laid.place(bx, by, out);
        for (const from of hp.bottoms) edge(from, ports.top, out);
        if (b.label !== undefined) {
          const weight = b.chosen ? ' font-weight="bold"' : '';
          out.push(
            `<text class="label" x="${ports.top.x + 4}" y="${by - 4}"${weight}>${escapeHtml(cut(b.label, 24))}</text>`,
          );
        }
        bottoms.push(...ports.bottoms);
        bx += b.laid.w + HGAP;
      }
      return { top: hp.top, bottoms: bottoms.length > 0 ? bottoms : hp.bottoms };
    },
  };
}

function framed(inner: Laid): Laid {
  return {
    w: inner.w + 16,
    h: inner.h + 16,
    place(x, y, out) {
      out.push(
        `<rect class="edge" stroke-dasharray="5 4" x="${x}" y="${y}" width="${inner.w + 16}" height="${inner.h + 16}" rx="8"/>`,
      );
      return inner.place(x + 8, y + 8, out);
    },
  };
}

function layoutTasks(defs: unknown[], g: GraphInput, depth: number): Laid {
  return sequence(defs.map((d) => layoutTask(obj(d), g, depth)));
}

function layoutTask(t: JsonObject, g: GraphInput, depth: number): Laid {
  const ref = text(t.taskReferenceName) || text(t.name) || '?';
  const type = text(t.type) || 'SIMPLE';
  // A worker task is best known by its task name (notebook_run), a system task by its type.
  const head = node(ref, type === 'SIMPLE' ? text(t.name) || type : type, g);
  if (depth > 12) return head; // pathological nesting: stop drawing deeper
  switch (type) {
    case 'FORK_JOIN':
      return branching(
        head,
        list(t.forkTasks).map((branch) => ({ laid: layoutTasks(list(branch), g, depth + 1) })),
      );
    case 'FORK_JOIN_DYNAMIC': {
      const forked = list(obj(g.execution(ref)?.inputData).forkedTasks)
        .map(text)
        .filter(Boolean);
      if (forked.length === 0) return head;
      return branching(
        head,
        forked.map((r) => ({ laid: node(r, text(obj(g.execution(r)).taskType) || 'SIMPLE', g) })),
      );
    }
    case 'SWITCH':
    case 'DECISION': {
      const chosen = g.execution(ref)?.outputData;
      const taken = list(obj(chosen).evaluationResult).map(String)[0] ?? text(obj(chosen).selectedCase);
      const cases = Object.entries(obj(t.decisionCases)).map(([name, tasks]) => ({
        laid: layoutTasks(list(tasks), g, depth + 1),
        label: name,
        chosen: name === taken,
      }));
      const known = cases.some((c) => c.chosen);
      cases.push({
        laid: layoutTasks(list(t.defaultCase), g, depth + 1),
        label: 'default',
        chosen: g.execution(ref) !== null && !known,
      });
      return branching(head, cases);
    }
    case 'DO_WHILE':
      return sequence([head, framed(layoutTasks(list(t.loopOver), g, depth + 1))]);
    default:
      return head;
  }
}

export function workflowGraph(g: GraphInput): string {
  if (g.definition.length === 0) return '<p class="note">The workflow definition has no tasks.</p>';
  const laid = layoutTasks(g.definition, g, 0);
  const out: string[] = [];
  laid.place(PAD, PAD, out);
  const w = Math.ceil(laid.w + 2 * PAD);
  const h = Math.ceil(laid.h + 2 * PAD);
  return (
    `<svg class="graph" role="img" aria-label="workflow graph" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#8c959f"/></marker></defs>' +
    `${out.join('')}</svg>`
  );
}
