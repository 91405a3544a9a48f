/**
 * Server-side rendering of notebooks: what ends up in the sandboxed document for each kind of cell and
 * output. (The browser tests check what a person sees; these pin the rules behind it.)
 */
import { extractMath } from '../../src/viewer/render/math';
import { renderMarkdown } from '../../src/viewer/render/markdown';
import { applyTerminalControls, ansiToHtml } from '../../src/viewer/render/ansi';
import { renderOutput } from '../../src/viewer/render/outputs';
import { renderNotebookDocument } from '../../src/viewer/render/document';
import { notebookFacts } from '../../src/viewer/notebook-facts';
import { codeCell, markdownCell, notebookJson } from '../helpers/viewer';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8AARAwQCgQAAP//Ax4B/6DtBw0AAAAASUVORK5CYII=';

describe('math in Markdown', () => {
  it('lifts $…$, $$…$$, \\(…\\), \\[…\\] and bare environments out of the Markdown', () => {
    const src =
      'a $x_1 * y_2$ b $$\\frac{a}{b}$$ c \\(z\\) d \\[w\\]\n\n\\begin{align}a&=b\\\\c&=d\\end{align}';
    const m = extractMath(src);
    expect(m.math.map((s) => [s.tex, s.display])).toEqual([
      ['x_1 * y_2', false],
      ['\\frac{a}{b}', true],
      ['z', false],
      ['w', true],
      ['\\begin{align}a&=b\\\\c&=d\\end{align}', true],
    ]);
  });

  it('leaves prices, escaped dollars, code spans and fenced code alone', () => {
    const src = 'It costs $5 and $10. Not \\$math\\$.\n\n`a $b$ c`\n\n```\n$$not math$$\n```\n';
    expect(extractMath(src).math).toEqual([]);
  });

  it('typesets math with KaTeX and keeps Markdown emphasis out of TeX', () => {
    const html = renderMarkdown('Euler: $e^{i\\pi} + a_1 * b_2 * c$ is *neat*');
    expect(html).toContain('class="katex"');
    expect(html).toContain('<em>neat</em>');
    expect(html).not.toContain('<em> b_2'); // the underscores and stars inside TeX were not Markdown
  });

  it('shows TeX that KaTeX cannot typeset as its source, not an exception', () => {
    const html = renderMarkdown('$$\\notacommand{x}$$');
    expect(html).toContain('notacommand');
  });
});

describe('Markdown', () => {
  it('renders GFM tables and raw HTML (the document is sandboxed)', () => {
    const html = renderMarkdown('| a | b |\n|---|---|\n| 1 | 2 |\n\n<b>bold</b>');
    expect(html).toContain('<table>');
    expect(html).toContain('<td>2</td>');
    expect(html).toContain('<b>bold</b>');
  });

  it('resolves attachment: images from the cell, relative images from the loaded map, nothing else', () => {
    const html = renderMarkdown('![a](attachment:dot.png) ![b](chart.png) ![c](missing.png)', {
      attachments: { 'dot.png': { 'image/png': PNG } },
      images: new Map([['chart.png', 'data:image/png;base64,AAAA']]),
    });
    expect(html).toContain(`src="data:image/png;base64,${PNG}"`);
    expect(html).toContain('src="data:image/png;base64,AAAA"');
    expect(html).toContain('src="missing.png"'); // left as is: the document may not load it (img-src data:)
  });

  it('does not turn javascript: Markdown links into links', () => {
    expect(renderMarkdown("[x](javascript:alert('x'))")).not.toContain('href="javascript:');
  });
});

describe('outputs', () => {
  it('chooses the richest representation in JupyterLab order', () => {
    const out = renderOutput({
      output_type: 'execute_result',
      execution_count: 1,
      metadata: {},
      data: { 'text/plain': 'df', 'text/html': '<table class="dataframe"><td>7</td></table>' },
    });
    expect(out.html).toContain('<table class="dataframe">');
    expect(out.html).not.toContain('>df<');
  });

  it('draws PNG and SVG as data: images, so SVG scripts never run', () => {
    const png = renderOutput({
      output_type: 'display_data',
      metadata: { 'image/png': { width: 40 } },
      data: { 'image/png': `${PNG}\n` },
    });
    expect(png.html).toContain(
      `<img class="output-image" alt="image/png output" src="data:image/png;base64,${PNG}\n" width="40">`,
    );
    const broken = renderOutput({
      output_type: 'display_data',
      metadata: {},
      data: { 'image/png': 'AAAA" onerror="x' },
    });
    expect(broken.html).toContain('[unreadable image data]');
    const svg = renderOutput({
      output_type: 'display_data',
      metadata: {},
      data: { 'image/svg+xml': '<svg><script>alert(1)</script></svg>' },
    });
    expect(svg.html).toMatch(/^<img [^>]*src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
    expect(svg.html).not.toContain('<script');
  });

  it('shows JavaScript and widget outputs as their text fallback with a badge', () => {
    const js = renderOutput({
      output_type: 'display_data',
      metadata: {},
      data: {
        'application/javascript': 'alert(1)',
        'text/plain': '<IPython.core.display.Javascript object>',
      },
    });
    expect(js.html).toContain('JavaScript output (not run)');
    expect(js.html).toContain('&lt;IPython.core.display.Javascript object&gt;');
    expect(js.html).not.toContain('<script');
    const widget = renderOutput({
      output_type: 'display_data',
      metadata: {},
      data: {
        'application/vnd.jupyter.widget-view+json': { model_id: 'a' },
        'text/plain': 'IntSlider(value=3)',
      },
    });
    expect(widget.html).toContain('Widget (needs a live kernel)');
    expect(widget.html).toContain('IntSlider(value=3)');
  });

  it('renders JSON, LaTeX and Markdown outputs', () => {
    expect(
      renderOutput({ output_type: 'display_data', metadata: {}, data: { 'application/json': { a: [1] } } })
        .html,
    ).toContain('&quot;a&quot;');
    expect(
      renderOutput({ output_type: 'display_data', metadata: {}, data: { 'text/latex': '$$x^2$$' } }).html,
    ).toContain('katex-display');
    expect(
      renderOutput({ output_type: 'display_data', metadata: {}, data: { 'text/markdown': '**b**' } }).html,
    ).toContain('<strong>b</strong>');
  });

  it('colours ANSI text, escapes it, and applies carriage returns like a terminal', () => {
    expect(ansiToHtml('\u001b[31mred\u001b[0m <b>')).toBe(
      '<span style="color:rgb(187, 0, 0)">red</span> &lt;b&gt;',
    );
    expect(applyTerminalControls('10%\r50%\r100%\ndone\n')).toBe('100%\ndone\n');
    expect(applyTerminalControls('abc\b\bx')).toBe('ax');
  });

  it('marks errors and shows their traceback', () => {
    const out = renderOutput({
      output_type: 'error',
      ename: 'ValueError',
      evalue: 'bad',
      traceback: ['\u001b[31mValueError\u001b[0m: bad'],
    });
    expect(out.isError).toBe(true);
    expect(out.html).toContain('ValueError');
  });

  it('cuts a huge stream and says how much is missing', () => {
    const out = renderOutput({ output_type: 'stream', name: 'stdout', text: 'x'.repeat(1_200_000) });
    expect(out.html).toContain('200,000 more characters');
  });
});

describe('the notebook document', () => {
  const nb = notebookJson(
    [
      markdownCell('# Title'),
      codeCell('x = 1', [], { metadata: { tags: ['injected-parameters'], papermill: { duration: 1.5 } } }),
      codeCell('secret_code()', [{ output_type: 'stream', name: 'stdout', text: 'shown\n' }], {
        metadata: { jupyter: { source_hidden: true } },
      }),
      codeCell(
        '1/0',
        [{ output_type: 'error', ename: 'ZeroDivisionError', evalue: 'division by zero', traceback: [] }],
        {
          execution_count: 3,
          metadata: { papermill: { exception: true, status: 'failed' } },
        },
      ),
    ],
    {
      papermill: {
        parameters: { x: 1 },
        start_time: '2026-01-01T00:00:00Z',
        end_time: '2026-01-01T00:00:02Z',
        duration: 2,
        exception: true,
      },
    },
  );

  it('gives every cell an id, shows execution counts and cell durations, marks injected parameters', () => {
    const html = renderNotebookDocument(nb, { title: 't' });
    for (const i of [0, 1, 2, 3]) expect(html).toContain(`id="cell-${i}"`);
    expect(html).toContain('In [3]:');
    expect(html).toContain('1.50 s');
    expect(html).toContain('injected parameters');
    expect(html).toMatch(/class="cell code failed" id="cell-3"/);
  });

  it('hides inputs marked source_hidden, and every input in report mode, but keeps outputs', () => {
    const html = renderNotebookDocument(nb, { title: 't' });
    expect(html).not.toContain('secret_code');
    expect(html).toContain('shown');
    const report = renderNotebookDocument(nb, { title: 't', reportMode: true });
    expect(report).not.toContain('x = 1');
    expect(report).toContain('shown');
  });

  it('contains no script of its own', () => {
    expect(renderNotebookDocument(nb, { title: '<script>' })).not.toMatch(/<script/i);
  });

  it('has header facts: status, parameters, the failing cell and where to open', () => {
    const f = notebookFacts('/runs/x.ipynb', nb);
    expect(f).toMatchObject({
      status: 'failed',
      parameters: { x: 1 },
      duration: 2,
      kernel: 'Python 3',
      failingCell: { index: 3, executionCount: 3, ename: 'ZeroDivisionError', evalue: 'division by zero' },
      anchor: 'cell-3',
    });
  });

  it('reads the run a worker-written notebook belongs to', () => {
    const f = notebookFacts(
      'x',
      notebookJson([], {
        nbconductor: {
          workflow_id: 'wf1',
          workflow_type: 'nb_linear',
          task_id: 't1',
          task_ref: 'agg',
          attempt: 2,
        },
      }),
    );
    expect(f.run).toMatchObject({ workflowId: 'wf1', workflowType: 'nb_linear', taskRef: 'agg', attempt: 2 });
  });

  it('renders whatever it can of a notebook that is not valid nbformat', () => {
    const html = renderNotebookDocument(
      { cells: [{ cell_type: 'code', source: ['a = ', '1'], outputs: 'nope' }, 7] },
      { title: 't' },
    );
    expect(html).toContain('<code>a = 1</code>');
    expect(html).not.toContain('id="cell-1"');
  });
});
