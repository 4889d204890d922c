import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { PipelineValidationError } from '../../pipeline-dsl/errors.ts';
import { compilePipeline, loadPipelineFile } from '../../pipeline-dsl/load.ts';
import { repoRoot } from '../../app/paths.ts';
import { resolveStepInput } from '../../pipeline-dsl/inputs.ts';
import { resolveParams } from '../../pipeline-dsl/params.ts';

const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const header = 'apiVersion: mmflow/v1\nkind: Pipeline\nmetadata:\n  name: t\nsteps:\n';

function errorsOf(text: string): string[] {
  try {
    compilePipeline('p.yaml', text);
  } catch (err) {
    if (err instanceof PipelineValidationError)
      return err.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected the pipeline to be rejected');
}

describe('pipeline compiler', () => {
  it('compiles the shipped demo pipeline into a hashed plan in dependency order', async () => {
    const plan = await loadPipelineFile(resolve(repoRoot, 'pipelines/demo.yaml'));
    expect(plan.name).toBe('demo');
    expect(plan.steps.map((s) => s.id)).toEqual(['ingest', 'backtest']);
    expect(plan.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const backtest = plan.steps[1];
    expect(backtest?.uses).toBe('backtest');
    // The inputs are parameters now; with the defaults they render to what the demo always ran.
    expect(backtest?.with).toEqual({
      session: '${{ params.session }}',
      model: '${{ params.model }}',
      entryLatencyMs: '${{ params.entryLatencyMs }}',
      cancelLatencyMs: '${{ params.cancelLatencyMs }}',
    });
    if (backtest === undefined) return;
    expect(resolveStepInput(backtest, { params: resolveParams(plan.params), steps: {} })).toEqual({
      uses: 'backtest',
      input: { session: SESSION, model: 'as-v1-alpha-btcusdt-spot@1', entryLatencyMs: 5, cancelLatencyMs: 5 },
    });
  });

  it('gives the same hash for the same steps and a different one when an input changes', () => {
    const text = `${header}  - id: a\n    uses: backtest\n    with: {session: ${SESSION}, model: m@1}\n`;
    const a = compilePipeline('a.yaml', text);
    const b = compilePipeline('b.yaml', `# comment\n${text}`);
    const c = compilePipeline('c.yaml', text.replace('m@1', 'm@2'));
    expect(a.contentHash).toBe(b.contentHash);
    expect(a.contentHash).not.toBe(c.contentHash);
  });

  it('orders steps topologically and keeps declaration order among independent ones', () => {
    const step = (id: string, needs: string) =>
      `  - id: ${id}\n    uses: backtest\n    needs: [${needs}]\n    with: {session: ${SESSION}, model: m@1}\n`;
    const plan = compilePipeline('p.yaml', header + step('c', 'a, b') + step('a', '') + step('b', 'a'));
    expect(plan.steps.map((s) => s.id)).toEqual(['a', 'b', 'c']);
  });

  it.each([
    [
      'YAML syntax error',
      'apiVersion: [\n',
      ['2:1 : YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ],
    [
      'wrong apiVersion',
      `apiVersion: v2\nkind: Pipeline\nmetadata: {name: t}\nsteps: [{id: a, uses: backtest, with: {session: ${SESSION}, model: m}}]\n`,
      ['1:13 apiVersion: Invalid input: expected "mmflow/v1"'],
    ],
    [
      'unknown top-level field',
      `${header}  - {id: a, uses: backtest, with: {session: ${SESSION}, model: m}}\nspec: x\n`,
      ['7:1 spec: unknown field "spec"'],
    ],
    [
      'unknown step type',
      `${header}  - id: a\n    uses: retrain\n`,
      [
        '7:11 steps[0].uses: unknown step type "retrain"; known: ingest, backtest, validate-market-data, wait, approve, data-quality-gate, calibrate, study, train-alpha, evaluate-model, register-model, holdout-gate, ab-test, canary, rollback, promote',
      ],
    ],
    [
      'bad step id',
      `${header}  - id: A_1\n    uses: backtest\n`,
      ['6:9 steps[0].id: expected a step id: a lower-case letter'],
    ],
    [
      'wrong type in with',
      `${header}  - id: a\n    uses: backtest\n    with:\n      session: 12\n      model: m\n`,
      ['9:16 steps[0].with.session: Invalid input: expected string, received number'],
    ],
    [
      'unknown field in with',
      `${header}  - id: a\n    uses: backtest\n    with: {session: ${SESSION}, model: m, speed: 2}\n`,
      ['steps[0].with.speed: unknown field "speed"'],
    ],
    [
      'negative latency',
      `${header}  - id: a\n    uses: backtest\n    with: {session: ${SESSION}, model: m, entryLatencyMs: -1}\n`,
      ['steps[0].with.entryLatencyMs: Too small'],
    ],
    [
      'absolute data path',
      `${header}  - id: a\n    uses: ingest\n    with:\n      sources:\n        - {kind: trades, file: /etc/passwd, venue: binance-spot, symbol: BTCUSDT}\n`,
      ['steps[0].with.sources[0].file: must be a path relative to the data directory'],
    ],
    [
      'unknown venue',
      `${header}  - id: a\n    uses: ingest\n    with:\n      sources:\n        - {kind: trades, file: t.gz, venue: kraken, symbol: BTCUSDT}\n`,
      ['steps[0].with.sources[0].venue: Invalid option'],
    ],
    [
      'duplicate ids',
      `${header}  - {id: a, uses: backtest, with: {session: ${SESSION}, model: m}}\n  - {id: a, uses: backtest, with: {session: ${SESSION}, model: m}}\n`,
      ['7:10 steps[1].id: duplicate step id "a" (first declared at steps[0])'],
    ],
    [
      'dangling needs',
      `${header}  - {id: a, uses: backtest, needs: [nope], with: {session: ${SESSION}, model: m}}\n`,
      ['steps[0].needs[0]: unknown step "nope"'],
    ],
    [
      'cycle',
      `${header}  - {id: a, uses: backtest, needs: [b], with: {session: ${SESSION}, model: m}}\n  - {id: b, uses: backtest, needs: [a], with: {session: ${SESSION}, model: m}}\n`,
      ['steps[0].needs: cycle in needs between steps "a", "b"'],
    ],
    [
      'no steps',
      'apiVersion: mmflow/v1\nkind: Pipeline\nmetadata: {name: t}\nsteps: []\n',
      ['4:8 steps: Too small'],
    ],
  ])('rejects %s with file position and field path', (_name, text, expected) => {
    const errors = errorsOf(text);
    expect(errors.length).toBe(expected.length);
    expected.forEach((fragment, i) => expect(errors[i]).toContain(fragment));
  });

  it('reports every error of a file at once, in file order', () => {
    const errors = errorsOf(
      `${header}  - id: a\n    uses: bogus\n  - id: b\n    uses: backtest\n    needs: [zz]\n    with:\n      session: 12\n      model: m\n`,
    );
    expect(errors).toEqual([
      '7:11 steps[0].uses: unknown step type "bogus"; known: ingest, backtest, validate-market-data, wait, approve, data-quality-gate, calibrate, study, train-alpha, evaluate-model, register-model, holdout-gate, ab-test, canary, rollback, promote',
      '10:13 steps[1].needs[0]: unknown step "zz"; steps: a, b',
      '12:16 steps[1].with.session: Invalid input: expected string, received number',
    ]);
  });

  it('names the file in the message of the thrown error', () => {
    expect(() => compilePipeline('pipelines/x.yaml', 'kind: 3\n')).toThrow(
      /^invalid pipeline \(\d+ errors?\):\npipelines\/x\.yaml:1:1: /,
    );
  });

  it('reports an unreadable file as a validation error, not a crash', async () => {
    await expect(loadPipelineFile('/nonexistent/p.yaml')).rejects.toThrow(
      /\/nonexistent\/p\.yaml:1:1: cannot read file/,
    );
  });
});
