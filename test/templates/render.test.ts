import {
  createTemplateEngine,
  renderDeep,
  renderString,
  renderValue,
  taskTemplateContext,
} from '../../src/templates';
import { FloatValue } from '../../src/notebook/values';
import { expectTemplateError, templateFailure } from './expect-error';

const context = {
  workflow: {
    workflowId: 'wf-1',
    workflowType: 'daily_report',
    correlationId: null,
    input: { date: '2024-01-31', n: 3, regions: ['us', 'eu'], ratio: 0.5, enabled: true },
    variables: {},
  },
  task: { taskId: 't-9', referenceTaskName: 'report', retryCount: 1 },
  tasks: {
    step1: { status: 'COMPLETED', output: { scraps: { rows: 42 }, outputNotebook: 's3://b/o.ipynb' } },
  },
  now: '2024-02-29T13:05:09.123Z',
};

describe('renderString', () => {
  it('interpolates variables, arithmetic, conditions, loops and macros', () => {
    expect(renderString('{{ workflow.workflowType }}/{{ workflow.input.n * 2 }}', context, 'p')).toBe(
      'daily_report/6',
    );
    expect(renderString('{% if workflow.input.n > 2 %}big{% else %}small{% endif %}', context, 'p')).toBe(
      'big',
    );
    expect(
      renderString(
        '{% for r in workflow.input.regions %}{{ loop.index }}:{{ r }};{% endfor %}',
        context,
        'p',
      ),
    ).toBe('1:us;2:eu;');
    expect(
      renderString(
        '{% macro tag(x, sep="-") %}{{ x }}{{ sep }}{% endmacro %}{{ tag("a") }}{{ tag("b", "+") }}',
        context,
        'p',
      ),
    ).toBe('a-b+');
    expect(renderString('{% set k = workflow.input.n + 1 %}{{ k }}', context, 'p')).toBe('4');
    expect(renderString('{{ tasks.step1.output.scraps.rows }}', context, 'p')).toBe('42');
    expect(renderString('{{ workflow.input.regions[1] | upper }}', context, 'p')).toBe('EU');
  });

  it.each([
    ['{% macro m() %}[{{ caller() }}]{% endmacro %}{% call m() %}x{% endcall %}', '[x]'],
    ['{% filter upper %}abc{% endfilter %}', 'ABC'],
    ['{% set block %}a{{ workflow.input.n }}{% endset %}{{ block }}', 'a3'],
    ['{% switch workflow.input.n %}{% case 3 %}three{% default %}other{% endswitch %}', 'three'],
    ['{% raw %}{{ not rendered }}{% endraw %}', '{{ not rendered }}'],
    ['{# a comment #}{{ 1 if workflow.input.enabled else 2 }}', '1'],
    ['{% for k, v in tasks.step1.output.scraps %}{{ k }}={{ v }}{% endfor %}', 'rows=42'],
    ['{% for r in [] %}x{% else %}empty{% endfor %}', 'empty'],
    ['{{ 7 // 2 }} {{ 7 % 2 }} {{ 2 ** 3 }} {{ "a" ~ 1 }}', '3 1 8 a1'],
  ])('supports %s', (template, expected) => {
    expect(renderString(template, context, 'p')).toBe(expected);
  });

  it('leaves text without tags alone and renders booleans and numbers as JavaScript does', () => {
    expect(renderString('plain text', context, 'p')).toBe('plain text');
    expect(renderString('{{ workflow.input.enabled }}-{{ workflow.input.ratio }}', context, 'p')).toBe(
      'true-0.5',
    );
  });

  it('does not let a template modify the caller context', () => {
    const vars = { a: 1, obj: { b: 2 } };
    renderString('{% set a = 5 %}{% set obj = 7 %}{{ a }}', vars, 'p');
    expect(vars).toEqual({ a: 1, obj: { b: 2 } });
  });
});

describe('undefined names are errors that say what and where', () => {
  it('names an undefined variable with the label, position and template text', () => {
    const err = expectTemplateError(
      () => renderString('{{ nope }}', context, 'parameters.run_date'),
      'parameters.run_date',
      /undefined variable 'nope' \(line 1, column 4\) in template "\{\{ nope \}\}"/,
    );
    expect(err.details).toMatchObject({ reason: 'undefined', line: 1, column: 4, template: '{{ nope }}' });
  });

  it('names a missing attribute with the path that lacks it', () => {
    expectTemplateError(
      () => renderString('x\n  {{ workflow.input.region }}', context, 'parameters.region'),
      'parameters.region',
      /'workflow\.input' has no attribute 'region' \(line 2, column 20\)/,
    );
    expectTemplateError(
      () => renderString('{{ workflow.input.regions[5] }}', context, 'p'),
      'p',
      /index 5 is out of range for 'workflow\.input\.regions' \(length 2\)/,
    );
  });

  it('refuses to output null, and undefined variables in conditions too', () => {
    expectTemplateError(() => renderString('id={{ workflow.correlationId }}', context, 'p'), 'p', /null/);
    expectTemplateError(
      () => renderString('{% if maybe %}x{% endif %}', context, 'p'),
      'p',
      /undefined variable 'maybe'/,
    );
  });

  it('refuses to output lists and objects directly, pointing at join/tojson', () => {
    expectTemplateError(
      () => renderString('r={{ workflow.input.regions }}', context, 'p'),
      'p',
      /join.*tojson/,
    );
    expectTemplateError(() => renderString('i={{ workflow.input }}', context, 'p'), 'p', /tojson/);
  });

  it('reports syntax errors with nunjucks position and a truncated template', () => {
    const err = expectTemplateError(
      () => renderString('{% if %}', context, 'p'),
      'p',
      /template syntax error: .*\(line 1, column 7\)/,
    );
    expect(err.details.reason).toBe('syntax');
    expectTemplateError(
      () => renderString('{{ x ', context, 'p'),
      'p',
      /template syntax error: expected variable end/,
    );
    const long = `{{ nope }}${'x'.repeat(500)}`;
    const longErr = templateFailure(() => renderString(long, context, 'p'));
    expect(longErr.message).toContain('…');
    expect(longErr.message).not.toContain('x'.repeat(300));
  });
});

describe('default and defined work with strict undefined', () => {
  it.each([
    ['{{ maybe | default("x") }}', 'x'],
    ['{{ maybe | d("x") }}', 'x'],
    ['{{ workflow.input.maybe | default("x") }}', 'x'],
    ['{{ maybe.deeper.still | default("x") }}', 'x'],
    ['{{ tasks.missing.output.rows | default(0) }}', '0'],
    ['{{ workflow.input.n | default(0) }}', '3'],
    ['{{ maybe | default }}', ''],
    ['[{{ "" | default("x") }}]', '[]'],
    ['{{ "" | default("x", true) }}', 'x'],
    ['{{ workflow.correlationId | default("none", true) }}', 'none'],
    ['{% if maybe is defined %}yes{% else %}no{% endif %}', 'no'],
    ['{% if workflow.input.n is defined %}yes{% endif %}', 'yes'],
    ['{{ workflow.nope is undefined }}', 'true'],
  ])('%s → %s', (template, expected) => {
    expect(renderString(template, context, 'p')).toBe(expected);
  });

  it('keeps strictness inside the default argument and after it', () => {
    expectTemplateError(
      () => renderString('{{ maybe | default(other) }}', context, 'p'),
      'p',
      /undefined variable 'other'/,
    );
    expectTemplateError(
      () => renderString('{{ (maybe | default({})).x }}', context, 'p'),
      'p',
      /has no attribute 'x'/,
    );
  });
});

describe('renderValue', () => {
  it.each([
    ['{{ workflow.input.n }}', 3],
    ['{{ workflow.input.n * 1.5 }}', 4.5],
    ['{{ workflow.input.n > 2 }}', true],
    ['{{ none }}', null],
    ['{{ workflow.correlationId }}', null],
    ['{{ [1, workflow.input.n] }}', [1, 3]],
    ['{{ {"a": workflow.input.n, "b": [true]} }}', { a: 3, b: [true] }],
    ['{{ workflow.input.regions }}', ['us', 'eu']],
    ['{{ "x" ~ workflow.input.n }}', 'x3'],
    ['{{- workflow.input.n -}}', 3],
    ['n={{ workflow.input.n }}', 'n=3'],
    [' {{ workflow.input.n }}', ' 3'],
    ['{{ workflow.input.n }}{{ workflow.input.n }}', '33'],
    ['{% if true %}1{% endif %}', '1'],
  ])('%s → %j', (template, expected) => {
    expect(renderValue(template, context, 'p')).toEqual(expected);
  });

  it('returns copies, not the caller objects', () => {
    const value = renderValue('{{ tasks.step1.output.scraps }}', context, 'p') as Record<string, unknown>;
    expect(value).toEqual({ rows: 42 });
    value.rows = 0;
    expect(context.tasks.step1.output.scraps.rows).toBe(42);
  });

  it('rejects results that are not JSON data', () => {
    expectTemplateError(() => renderValue('{{ range }}', context, 'p'), 'p', /a function/);
    expectTemplateError(() => renderValue('{{ 1 / 0 }}', context, 'p'), 'p', /Infinity/);
    expectTemplateError(() => renderValue('{{ [] | first }}', context, 'p'), 'p', /undefined/);
  });

  it('returns the string of a macro call', () => {
    expect(renderValue('{% macro m() %}hi{% endmacro %}{{ m() }}', context, 'p')).toBe('hi');
  });
});

describe('renderDeep', () => {
  it('renders template leaves with typed values and leaves other leaves untouched', () => {
    const marker = new FloatValue(2);
    const input = {
      run_date: '{{ now | date("YYYY-MM-DD") }}',
      rows: '{{ tasks.step1.output.scraps.rows }}',
      label: 'report for {{ workflow.input.date }}',
      regions: [{ code: '{{ workflow.input.regions[0] }}' }, { code: 'eu' }],
      plain: 'no templates here {not one}',
      count: 7,
      flag: false,
      nothing: null,
      custom: marker,
    };
    const out = renderDeep(input, context, 'parameters') as Record<string, unknown>;
    expect(out).toEqual({
      run_date: '2024-02-29',
      rows: 42,
      label: 'report for 2024-01-31',
      regions: [{ code: 'us' }, { code: 'eu' }],
      plain: 'no templates here {not one}',
      count: 7,
      flag: false,
      nothing: null,
      custom: marker,
    });
    expect(out.custom).toBe(marker);
    expect(input.rows).toBe('{{ tasks.step1.output.scraps.rows }}');
  });

  it('labels errors with the path of the failing leaf', () => {
    const input = { regions: [{ code: 'ok' }, { code: '{{ region_missing }}' }] };
    expectTemplateError(
      () => renderDeep(input, context, 'parameters'),
      'parameters.regions[1].code',
      /undefined variable 'region_missing'.*in template "\{\{ region_missing \}\}"/,
    );
    expectTemplateError(
      () => renderDeep({ 'odd key': '{% if %}' }, context, 'parameters'),
      'parameters["odd key"]',
      /template syntax error/,
    );
  });

  it('treats a template string at the top level like renderValue', () => {
    expect(renderDeep('{{ workflow.input.n }}', context, 'output')).toBe(3);
  });
});

describe('taskTemplateContext', () => {
  it('fixes now as an ISO string and includes tasks only when given', () => {
    const base = {
      workflow: { workflowId: 'w', workflowType: 't', input: {}, variables: {} },
      task: { taskId: 'k', referenceTaskName: 'r', retryCount: 0 },
      now: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    };
    const ctx = taskTemplateContext(base);
    expect(renderString('{{ now }}|{{ task.referenceTaskName }}', ctx, 'p')).toBe(
      '2024-01-02T03:04:05.000Z|r',
    );
    expectTemplateError(() => renderString('{{ tasks.a }}', ctx, 'p'), 'p', /undefined variable 'tasks'/);
    const withTasks = taskTemplateContext({
      ...base,
      tasks: { a: { status: 'COMPLETED', output: { v: 1 } } },
    });
    expect(renderValue('{{ tasks.a.output.v }}', withTasks, 'p')).toBe(1);
  });
});

describe('engine options', () => {
  it('rejects invalid limits as configuration errors', () => {
    expect(() => createTemplateEngine({ timeLimitMs: 0 })).toThrow(/timeLimitMs must be a positive number/);
  });

  it('refuses templates longer than the limit', () => {
    const engine = createTemplateEngine({ maxTemplateLength: 10 });
    expectTemplateError(() => engine.renderString('{{ "01234567890" }}', {}, 'p'), 'p', /limit is 10/);
  });
});
