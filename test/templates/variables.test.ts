import { usesVariable } from '../../src/templates';

describe('usesVariable', () => {
  it.each([
    ['{{ tasks.step1.output.x }}', true],
    ['{{ tasks["step1"].output }}', true],
    ['{{ x | default(tasks.a.output) }}', true],
    ['{% for t in tasks %}{{ t }}{% endfor %}', true],
    ['{% if tasks %}y{% endif %}', true],
    ['{{ f(a=tasks) }}', true],
    ['{% macro m(a=tasks) %}{% endmacro %}', true],
    ['{{ tasks is defined }}', true],
    ['{% set x %}{{ tasks.a }}{% endset %}', true],
    ['{{ "tasks" }}', false],
    ['tasks {{ workflow.input.x }}', false],
    ['{{ workflow.tasks }}', false],
    ['{{ workflow["tasks"] }}', false],
    ['{% set tasks = 1 %}{{ 2 }}', false],
    ['{% for tasks in [1] %}{% endfor %}', false],
    ['{{ {tasks: 1} }}', false],
    ['{{ f(tasks=1) }}', false],
    ['{% macro m(tasks) %}{% endmacro %}', false],
    ['{{ x | tasks }}', false],
    ['{{ x is tasks }}', false],
    ['no template at all: tasks', false],
  ])('%s → %s', (template, expected) => {
    expect(usesVariable(template, 'tasks')).toBe(expected);
  });

  it('walks JSON data and only looks at template strings', () => {
    expect(usesVariable({ a: ['x', { b: '{{ tasks.s.output.v }}' }], c: 1 }, 'tasks')).toBe(true);
    expect(usesVariable({ a: 'tasks', b: ['{{ workflow.input.tasks }}'], c: null, d: 3 }, 'tasks')).toBe(
      false,
    );
    expect(usesVariable(42, 'tasks')).toBe(false);
  });

  it('answers conservatively for a template that does not parse', () => {
    expect(usesVariable('{{ tasks.a ', 'tasks')).toBe(true);
  });

  it('works for any variable name', () => {
    expect(usesVariable('{{ now | date }}', 'now')).toBe(true);
    expect(usesVariable('{{ now | date }}', 'tasks')).toBe(false);
  });
});
