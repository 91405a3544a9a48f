import { collectReferences } from '../../../src/engine/expr';

describe('collectReferences (as Conductor’s ConstraintParamUtil splits inputParameters)', () => {
  it('finds every reference with its root, location and key', () => {
    const refs = collectReferences({
      a: '${workflow.input.x}',
      b: { c: ['${t1.output.y} and ${t2.output}', 5, null] },
      d: 'no references',
      e: '$${escaped.ref}',
    });
    expect(refs).toEqual([
      {
        expression: '${workflow.input.x}',
        path: 'workflow.input.x',
        root: 'workflow',
        location: 'a',
        key: 'a',
      },
      { expression: '${t1.output.y}', path: 't1.output.y', root: 't1', location: 'b.c[0]', key: 'c' },
      { expression: '${t2.output}', path: 't2.output', root: 't2', location: 'b.c[0]', key: 'c' },
    ]);
  });

  it('reports paths that do not compile, as Conductor rejects them at registration', () => {
    const [blank, bad] = collectReferences({ k: '${}', j: 'x ${t1.output(}' });
    expect(blank).toMatchObject({ expression: '${}', problem: expect.any(String) });
    expect(bad).toMatchObject({ root: 't1', problem: expect.any(String) });
  });

  it('marks system names (predefined and allowlisted env names)', () => {
    const refs = collectReferences(
      { id: '${CPEWF_TASK_ID}', r: '${REGION}', h: '${HOME}' },
      { env: { REGION: 'x' } },
    );
    expect(refs.map((r) => [r.root, r.system ?? false])).toEqual([
      ['CPEWF_TASK_ID', true],
      ['REGION', true],
      ['HOME', false],
    ]);
  });

  it('sees only the innermost parts of nested expressions, like Conductor', () => {
    expect(collectReferences({ k: '${map.${key}[${i}]}' }).map((r) => r.expression)).toEqual([
      '${key}',
      '${i}',
    ]);
  });

  it('uses the first dot-separated component as the root, even for $. and bracket paths', () => {
    expect(collectReferences({ a: '${$.t1.output}', b: "${t1['output']}" }).map((r) => r.root)).toEqual([
      '$',
      "t1['output']",
    ]);
  });
});
