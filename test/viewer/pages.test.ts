/** The viewer's page builders: the workflow graph's layout rules and the run filters sent to Conductor. */
import { workflowGraph } from '../../src/viewer/pages/graph';
import { parseRunsQuery, runsSearch } from '../../src/viewer/pages/runs';
import { pageOfEntries, parseFolderQuery } from '../../src/viewer/pages/folder';
import type { Entry } from '../../src/viewer/source';
import type { JsonObject as Json } from '../../src/json';

function graph(definition: Json[], executed: Record<string, Json>): string {
  return workflowGraph({
    definition,
    nodeInfo: (ref) => (executed[ref] ? { status: String(executed[ref]?.status), link: `/x/${ref}` } : null),
    execution: (ref) => executed[ref] ?? null,
  });
}

const nodeClass = (svg: string, ref: string): string | undefined =>
  new RegExp(`<g class="node ([A-Za-z_]+)" id="node-${ref}"`).exec(svg)?.[1];

describe('the workflow graph', () => {
  it('draws the branches a dynamic fork made, from the run', () => {
    const svg = graph(
      [
        { name: 'f', taskReferenceName: 'fan', type: 'FORK_JOIN_DYNAMIC' },
        { name: 'j', taskReferenceName: 'join', type: 'JOIN' },
      ],
      {
        fan: { status: 'COMPLETED', inputData: { forkedTasks: ['nb_us', 'nb_gb'] } },
        nb_us: { status: 'COMPLETED', taskType: 'notebook_run' },
        nb_gb: { status: 'FAILED', taskType: 'notebook_run' },
      },
    );
    expect(nodeClass(svg, 'nb_us')).toBe('COMPLETED');
    expect(nodeClass(svg, 'nb_gb')).toBe('FAILED');
    expect(nodeClass(svg, 'join')).toBe('notrun');
    expect(svg).toContain('href="/x/nb_gb"');
  });

  it('frames a DO_WHILE body and marks SWITCH cases, the one taken in bold', () => {
    const svg = graph(
      [
        {
          name: 'l',
          taskReferenceName: 'loop',
          type: 'DO_WHILE',
          loopOver: [{ name: 'n', taskReferenceName: 'step', type: 'SIMPLE' }],
        },
        {
          name: 's',
          taskReferenceName: 'route',
          type: 'SWITCH',
          decisionCases: { hot: [{ name: 'n', taskReferenceName: 'alert', type: 'SIMPLE' }], cold: [] },
          defaultCase: [],
        },
      ],
      {
        loop: { status: 'COMPLETED' },
        step: { status: 'COMPLETED' },
        route: { status: 'COMPLETED', outputData: { evaluationResult: ['cold'] } },
      },
    );
    expect(svg).toContain('stroke-dasharray="5 4"');
    expect(svg).toMatch(/<text class="label"[^>]*font-weight="bold">cold<\/text>/);
    expect(svg).toMatch(/<text class="label"[^>]*>hot<\/text>/);
    expect(nodeClass(svg, 'alert')).toBe('notrun');
  });

  it('escapes task names (they come from workflow definitions)', () => {
    const svg = graph([{ name: 'x', taskReferenceName: '<script>alert(1)</script>', type: 'SIMPLE' }], {});
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
  });
});

describe('run filters', () => {
  it('cannot add clauses to the Conductor search query', () => {
    const q = parseRunsQuery(
      new URLSearchParams({
        name: 'nb) OR (status IN (X',
        status: 'FAILED) OR 1',
        correlationId: 'a AND b=c',
        q: 'x"y',
      }),
    );
    expect(q).toMatchObject({ name: 'nbORstatusINX', status: '', correlationId: 'aANDbc', text: 'xy' });
    expect(runsSearch(q).query).toBe('workflowType IN (nbORstatusINX) AND correlationId = aANDbc');
    expect(runsSearch(parseRunsQuery(new URLSearchParams({ status: 'running', page: '3' })))).toMatchObject({
      query: 'status IN (RUNNING)',
      start: 100,
      size: 50,
      sort: 'startTime:DESC',
    });
  });
});

describe('folder paging', () => {
  const entries: Entry[] = Array.from({ length: 450 }, (_, i) => ({
    name: `run-${String(i).padStart(3, '0')}.ipynb`,
    path: `run-${i}.ipynb`,
    kind: 'file',
    size: i,
    mtimeMs: 1000 - i,
    createdMs: null,
    etag: null,
  }));
  entries.push({
    name: 'zz',
    path: 'zz',
    kind: 'directory',
    size: null,
    mtimeMs: null,
    createdMs: null,
    etag: null,
  });

  it('pages every entry (folders first), sorting and filtering the whole folder', () => {
    const first = pageOfEntries(entries, parseFolderQuery(new URLSearchParams()));
    expect([first.matching, first.pages, first.shown.length, first.shown[0]?.name]).toEqual([
      451,
      3,
      200,
      'zz',
    ]);
    const last = pageOfEntries(entries, parseFolderQuery(new URLSearchParams({ page: '3' })));
    expect(last.shown.map((e) => e.name).slice(-1)).toEqual(['run-449.ipynb']);
    const bySize = pageOfEntries(
      entries,
      parseFolderQuery(new URLSearchParams({ sort: 'size', order: 'desc' })),
    );
    expect(bySize.shown[1]?.name).toBe('run-449.ipynb');
    const filtered = pageOfEntries(entries, parseFolderQuery(new URLSearchParams({ q: 'RUN-44' })));
    expect(filtered.matching).toBe(10);
  });
});
