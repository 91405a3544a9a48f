import { FloatValue } from '../../src/notebook/values';
import { renderOutputPath, type RunFacts } from '../../src/templates';
import { expectTemplateError } from './expect-error';

const run: RunFacts = {
  run_id: 'r-20240229',
  run_uuid: '0b7e5f0e-7c3a-4d55-9a55-1f0f3b2a7c11',
  input_path: 's3://nb/templates/vid_agg.ipynb',
  input_name: 'vid_agg',
  now: new Date(Date.UTC(2024, 1, 29, 13, 5, 9)),
};

describe('renderOutputPath', () => {
  it('renders parameters and run facts as top-level names', () => {
    expect(
      renderOutputPath('out/{{ region_code }}-{{ run_id }}.ipynb', {
        parameters: { region_code: 'us' },
        run,
      }),
    ).toBe('out/us-r-20240229.ipynb');
    expect(
      renderOutputPath('runs/{{ input_name }}/{{ now | date("YYYYMMDD") }}/{{ run_uuid }}.ipynb', {
        parameters: {},
        run,
      }),
    ).toBe(`runs/vid_agg/20240229/${run.run_uuid}.ipynb`);
    expect(renderOutputPath('{{ input_path | basename(".ipynb") }}-out.ipynb', { parameters: {}, run })).toBe(
      'vid_agg-out.ipynb',
    );
  });

  it('lets a parameter named like a run fact win, with the fact still under run', () => {
    const parameters = { run_id: 'mine', now: 'then' };
    expect(renderOutputPath('{{ run_id }}/{{ now }}/{{ run.run_id }}.ipynb', { parameters, run })).toBe(
      'mine/then/r-20240229.ipynb',
    );
  });

  it('returns a path without tags unchanged', () => {
    expect(renderOutputPath('out/{x}/plain.ipynb', { parameters: {}, run })).toBe('out/{x}/plain.ipynb');
  });

  it('renders parameter values the notebook module produces', () => {
    const parameters = { alpha: new FloatValue(0.5), big: 12345678901234567890n, n: 3, flag: true };
    expect(renderOutputPath('{{ alpha }}-{{ big }}-{{ n * 2 }}-{{ flag }}.ipynb', { parameters, run })).toBe(
      '0.5-12345678901234567890-6-true.ipynb',
    );
  });

  it('fails with E_TEMPLATE naming the output for undefined names, empty or control-character results', () => {
    expectTemplateError(
      () => renderOutputPath('out/{{ region }}.ipynb', { parameters: { region_code: 'us' }, run }),
      'output',
      /undefined variable 'region'/,
    );
    expectTemplateError(() => renderOutputPath('   ', { parameters: {}, run }), 'output', /empty/);
    expectTemplateError(
      () => renderOutputPath('{{ "" }}', { parameters: {}, run }),
      'output',
      /empty string/,
    );
    expectTemplateError(
      () => renderOutputPath('out/{{ name }}.ipynb', { parameters: { name: 'a\nb' }, run }, 'OUTPUT'),
      'OUTPUT',
      /control character/,
    );
  });
});
