/**
 * One workflow run: status, times and why it failed at the top; the graph coloured by status; a timeline;
 * every notebook_run task with each attempt's parameters, scraps, error and output notebook; the other
 * tasks; the input and output. While the run is going the page refreshes its live part.
 */
import { escapeHtml, formatDuration, formatTime } from '../render/html';
import { workflowGraph } from './graph';
import { href, kvTable, pageShell, statusBadge, type PageContext } from './layout';
import { timeline } from './timeline';
import { isPlainObject, type JsonObject } from '../../json';

export const REFRESH_MS = 3000;
const ACTIVE = new Set(['RUNNING', 'PAUSED']);
const FAILED = new Set(['FAILED', 'FAILED_WITH_TERMINAL_ERROR', 'TIMED_OUT', 'CANCELED', 'TERMINATED']);

const obj = (v: unknown): JsonObject => (isPlainObject(v) ? (v as JsonObject) : {});
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export interface RunPageInput {
  workflow: JsonObject;
  now: number;
  /**
   * The viewer link (escaped) of an output notebook URI, or null when it is not under the viewer's root.
   * (A failed notebook's page opens at its failing cell by itself.)
   */
  notebookLink(uri: string): string | null;
}

function tasksOf(wf: JsonObject): JsonObject[] {
  return Array.isArray(wf.tasks) ? wf.tasks.map(obj) : [];
}

/** Loop iterations carry `__<n>` after the definition's reference name. */
function baseRef(ref: string): string {
  return ref.replace(/__\d+$/, '');
}

function duration(t: JsonObject, now: number): string {
  const start = num(t.startTime);
  if (start <= 0) return '';
  const end = num(t.endTime) > 0 ? num(t.endTime) : now;
  return formatDuration((end - start) / 1000);
}

function notebookCell(uri: string, link: string | null, label: string): string {
  if (!uri) return '';
  return link
    ? `<a href="${link}">${escapeHtml(label)}</a>`
    : `<span title="outside the viewer's root">${escapeHtml(uri)}</span>`;
}

function attempt(t: JsonObject, o: RunPageInput): string {
  const out = obj(t.outputData);
  const input = obj(t.inputData);
  const status = text(t.status);
  const failed = FAILED.has(status);
  const uri = text(out.outputNotebook);
  const link = uri ? o.notebookLink(uri) : null;
  const err = obj(out.error);
  const errText = text(err.ename)
    ? `<div class="banner"><span class="ename">${escapeHtml(text(err.ename))}</span>: ${escapeHtml(text(err.evalue))}${
        typeof err.cellIndex === 'number'
          ? ` <span class="note">(cell ${err.cellIndex + 1}${typeof err.executionCount === 'number' ? `, In [${err.executionCount}]` : ''})</span>`
          : ''
      }</div>`
    : failed && text(t.reasonForIncompletion)
      ? `<div class="banner">${escapeHtml(text(t.reasonForIncompletion))}</div>`
      : '';
  const params = obj(out.parameters ?? input.parameters);
  return [
    `<div class="attempt${failed ? ' failed' : ''}" data-attempt="${num(t.retryCount)}">`,
    `<div>attempt ${num(t.retryCount)} ${statusBadge(status || 'UNKNOWN')} `,
    `<span class="note">${escapeHtml(formatTime(num(t.startTime)))}${duration(t, o.now) ? ` · ${escapeHtml(duration(t, o.now))}` : ''}`,
    `${text(t.workerId) ? ` · worker ${escapeHtml(text(t.workerId))}` : ''}</span></div>`,
    uri ? `<div>output notebook: ${notebookCell(uri, link, uri.split('/').slice(-3).join('/'))}</div>` : '',
    errText,
    `<details${failed ? ' open' : ''}><summary>parameters</summary>${kvTable(params, 'none')}</details>`,
    `<details open><summary>scraps</summary>${kvTable(obj(out.scraps), 'none')}</details>`,
    '</div>',
  ].join('');
}

function notebookTasks(tasks: JsonObject[], o: RunPageInput): string {
  const byRef = new Map<string, JsonObject[]>();
  for (const t of tasks) {
    if (text(t.taskType) !== 'notebook_run') continue;
    const ref = text(t.referenceTaskName);
    byRef.set(ref, [...(byRef.get(ref) ?? []), t]);
  }
  if (byRef.size === 0) return '<p class="note">No notebook_run tasks (yet).</p>';
  return [...byRef.entries()]
    .map(([ref, attempts]) => {
      const sorted = [...attempts].sort(
        (a, b) => num(b.retryCount) - num(a.retryCount) || num(b.seq) - num(a.seq),
      );
      const nb = text(obj(sorted[0]?.inputData).notebook);
      return `<div class="task" id="task-${escapeHtml(ref)}"><h3>${escapeHtml(ref)} <span class="note">${escapeHtml(nb)}</span></h3>${sorted
        .map((t) => attempt(t, o))
        .join('')}</div>`;
    })
    .join('');
}

function otherTasks(ctx: PageContext, tasks: JsonObject[], o: RunPageInput): string {
  const rows = tasks
    .filter((t) => text(t.taskType) !== 'notebook_run')
    .map((t) => {
      const ref = text(t.referenceTaskName);
      const sub = text(t.subWorkflowId) || text(obj(t.outputData).subWorkflowId);
      const reason = text(t.reasonForIncompletion);
      return `<tr id="task-${escapeHtml(ref)}"><td>${escapeHtml(ref)}</td><td>${escapeHtml(text(t.taskType))}</td><td>${statusBadge(
        text(t.status) || 'UNKNOWN',
      )}</td><td class="num">${escapeHtml(duration(t, o.now))}</td><td>${
        sub
          ? `<a href="${href(ctx, 'runs', [sub])}">sub-workflow ${escapeHtml(sub)}</a>`
          : escapeHtml(reason.slice(0, 200))
      }</td></tr>`;
    });
  if (rows.length === 0) return '';
  return `<h2>Other tasks</h2><table class="list"><thead><tr><th>Task</th><th>Type</th><th>Status</th><th class="num">Duration</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function runPage(ctx: PageContext, o: RunPageInput): string {
  const wf = o.workflow;
  const tasks = tasksOf(wf);
  const status = text(wf.status) || 'UNKNOWN';
  const id = text(wf.workflowId);
  const name = text(wf.workflowName) || text(wf.workflowType) || text(obj(wf.workflowDefinition).name);
  const latest = new Map<string, JsonObject>();
  for (const t of [...tasks].sort((a, b) => num(a.seq) - num(b.seq))) {
    latest.set(text(t.referenceTaskName), t);
    latest.set(baseRef(text(t.referenceTaskName)), t);
  }

  const linkOf = (t: JsonObject): string | null => {
    const sub = text(t.subWorkflowId) || text(obj(t.outputData).subWorkflowId);
    if (sub) return href(ctx, 'runs', [sub]);
    const uri = text(obj(t.outputData).outputNotebook);
    if (uri) return o.notebookLink(uri);
    return `#task-${encodeURIComponent(text(t.referenceTaskName))}`;
  };
  const graph = workflowGraph({
    definition: Array.isArray(obj(wf.workflowDefinition).tasks)
      ? (obj(wf.workflowDefinition).tasks as unknown[])
      : [],
    nodeInfo: (ref) => {
      const t = latest.get(ref);
      return t ? { status: text(t.status) || null, link: linkOf(t) } : null;
    },
    execution: (ref) => latest.get(ref) ?? null,
  });

  const failedTasks = tasks.filter((t) => FAILED.has(text(t.status)) && !t.retried);
  const failure = FAILED.has(status)
    ? `<div class="banner" role="alert"><span class="ename">${escapeHtml(status.toLowerCase())}</span>${
        text(wf.reasonForIncompletion) ? `: ${escapeHtml(text(wf.reasonForIncompletion))}` : ''
      }${failedTasks
        .map((t) => {
          const link = linkOf(t);
          const ref = escapeHtml(text(t.referenceTaskName));
          return `<div>failed task: ${link ? `<a href="${link}">${ref}</a>` : ref}</div>`;
        })
        .join('')}</div>`
    : '';
  const output = obj(wf.output);
  const failureWf = text(output['conductor.failure_workflow']);
  const parent = text(wf.parentWorkflowId);
  const end = num(wf.endTime);
  const start = num(wf.startTime) || num(wf.createTime);
  const facts = [
    ['status', statusBadge(status)],
    ['started', escapeHtml(formatTime(start))],
    ['ended', escapeHtml(formatTime(end))],
    ['duration', start ? escapeHtml(formatDuration(((end || o.now) - start) / 1000)) : ''],
    ['correlation id', escapeHtml(text(wf.correlationId))],
    ['started by', escapeHtml(text(wf.event) ? `event ${text(wf.event)}` : text(wf.createdBy))],
    ['parent workflow', parent ? `<a href="${href(ctx, 'runs', [parent])}">${escapeHtml(parent)}</a>` : ''],
    [
      'failure workflow',
      failureWf ? `<a href="${href(ctx, 'runs', [failureWf])}">${escapeHtml(failureWf)}</a>` : '',
    ],
  ]
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`)
    .join('');
  const live = [
    `<div id="live">`,
    failure,
    `<table class="kv">${facts}</table>`,
    `<h2>Graph</h2>${graph}`,
    `<h2>Timeline</h2>${timeline(tasks, o.now)}`,
    `<h2>Notebooks</h2>${notebookTasks(tasks, o)}`,
    otherTasks(ctx, tasks, o),
    `<h2>Input and output</h2><details><summary>input</summary>${kvTable(obj(wf.input))}</details>`,
    `<details open><summary>output</summary>${kvTable(output)}</details>`,
    '</div>',
  ];
  const body = `<div class="crumbs"><a href="${href(ctx, 'runs')}">Runs</a> › ${escapeHtml(name)}</div><h1>${escapeHtml(name)} <span class="note">${escapeHtml(id)}</span></h1>${live.join('')}`;
  return pageShell(ctx, {
    title: `${name} ${id}`,
    section: 'runs',
    body,
    refreshMs: ACTIVE.has(status) ? REFRESH_MS : undefined,
  });
}
