import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../app/paths.ts';
import { compilePipeline, loadPipelineFile } from '../../pipeline-dsl/load.ts';
import { resolveStepInput } from '../../pipeline-dsl/inputs.ts';
import { resolveParams } from '../../pipeline-dsl/params.ts';
import { canonicalJson } from '../../pipeline-dsl/plan.ts';

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

describe('shipped pipelines', () => {
  it('demo.yaml: two steps, params with the defaults the main job ran with', async () => {
    const plan = await loadPipelineFile(join(repoRoot, 'pipelines/demo.yaml'));
    expect(plan.steps.map((s) => [s.id, s.uses, s.kind, s.needs])).toEqual([
      ['ingest', 'ingest', 'workflow', []],
      ['backtest', 'backtest', 'workflow', ['ingest']],
    ]);
    expect(plan.schedule).toBeUndefined();
    expect(plan.concurrency).toBe(4);
    expect(Object.keys(plan.params)).toEqual(['session', 'model', 'entryLatencyMs', 'cancelLatencyMs']);
    expect(plan.steps[1]?.timeoutMs).toBe(30 * 60_000);
    const ingest = plan.steps[0];
    if (ingest === undefined) throw new Error('no ingest step');
    const resolved = resolveStepInput(ingest, { params: resolveParams(plan.params), steps: {} });
    expect(resolved.uses === 'ingest' && resolved.input.sources.map((s) => s.kind)).toEqual([
      'klines',
      'trades',
    ]);
  });

  it('ingest-binance.yaml: daily schedule, parallel ingests, a forEach check per ingested dataset', async () => {
    const plan = await loadPipelineFile(join(repoRoot, 'pipelines/ingest-binance.yaml'));
    expect(plan.schedule).toEqual({
      cron: ['15 2 * * *'],
      timezone: 'UTC',
      overlap: 'skip',
      catchupWindowMs: 86_400_000,
      pauseOnFailure: true,
      jitterMs: 300_000,
      paused: false,
      params: {},
    });
    expect(plan.steps.map((s) => [s.id, s.needs, s.forEach])).toEqual([
      ['ingestKlines', [], undefined],
      ['ingestTrades', [], undefined],
      ['validateKlines', ['ingestKlines'], 'steps.ingestKlines.outputs.datasets'],
      ['validateTrades', ['ingestTrades'], 'steps.ingestTrades.outputs.datasets'],
    ]);
    expect(plan.steps[0]?.retry).toEqual({
      maximumAttempts: 3,
      initialIntervalMs: 30_000,
      backoffCoefficient: 2,
      maximumIntervalMs: 600_000,
    });
    // Without maximumInterval, Temporal's default: 100 × initialInterval.
    expect(plan.steps[1]?.retry?.maximumIntervalMs).toBe(3_000_000);
    const check = plan.steps[2];
    if (check === undefined) throw new Error('no check step');
    const ctx = {
      params: resolveParams(plan.params),
      steps: {},
      item: { venue: 'binance-spot', symbol: 'ETHUSDT', kind: 'klines', interval: '1m' },
    };
    expect(resolveStepInput(check, ctx)).toEqual({
      uses: 'validate-market-data',
      input: {
        venue: 'binance-spot',
        symbol: 'ETHUSDT',
        kind: 'klines',
        interval: '1m',
        failOnImpossible: true,
      },
    });
  });
});

describe('content hash', () => {
  const text = read('pipelines/demo.yaml');
  const base = compilePipeline('pipelines/demo.yaml', text);

  it('is sha256 over the canonical JSON of the plan without file and hash', () => {
    const { file: _file, contentHash, ...body } = base;
    expect(contentHash).toBe(createHash('sha256').update(canonicalJson(body)).digest('hex'));
  });

  it('does not change with the file name, comments, blank lines, key order or YAML style', () => {
    const restyled = text
      .replace(/^#.*\n/gm, '')
      .replace('steps:\n', '# the steps\n\nsteps:\n')
      .replace(
        '    uses: backtest\n    needs: [ingest]\n',
        '    needs:\n      - ingest\n    uses: "backtest"\n',
      );
    expect(restyled).not.toBe(text);
    expect(compilePipeline('elsewhere/copy.yaml', restyled).contentHash).toBe(base.contentHash);
  });

  it('changes when anything that runs changes', () => {
    const variants = [
      text.replace('default: 5\n', 'default: 6\n'),
      text.replace('timeout: 30m', 'timeout: 31m'),
      text.replace('batchSize: 5000', 'batchSize: 4000'),
      text.replace('tier: demo', 'tier: test'),
      `${text}concurrency: 2\n`,
    ];
    const hashes = new Set(variants.map((v) => compilePipeline('pipelines/demo.yaml', v).contentHash));
    expect(hashes.size).toBe(variants.length);
    expect(hashes.has(base.contentHash)).toBe(false);
  });

  it('retrain-weekly.yaml: weekly schedule; gate → calibrate → study and alpha → evaluate → register, the study and evaluate inputs resolved', async () => {
    const plan = await loadPipelineFile(join(repoRoot, 'pipelines/retrain-weekly.yaml'));
    expect(plan.schedule?.cron).toEqual(['0 3 * * 1']);
    expect(plan.steps.map((s) => [s.id, s.uses, s.kind, s.needs])).toEqual([
      ['quality', 'data-quality-gate', 'activity', []],
      ['calibrate', 'calibrate', 'activity', ['quality']],
      ['study', 'study', 'workflow', ['calibrate']],
      ['alpha', 'train-alpha', 'activity', ['calibrate']],
      ['evaluate', 'evaluate-model', 'activity', ['study', 'alpha']],
      ['register', 'register-model', 'activity', ['evaluate']],
    ]);
    const study = plan.steps[2];
    if (study === undefined) throw new Error('no study step');
    const window = { sessionId: 'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z', startUs: 1, endUs: 2 };
    const ctx = {
      params: resolveParams(plan.params, { nTrials: 12 }),
      steps: {
        quality: { outputs: { included: [window] } },
        calibrate: { outputs: { params: { model: 'as-v1.5', gamma: 1e-5 } } },
      },
    };
    const call = resolveStepInput(study, ctx);
    if (call.uses !== 'study') throw new Error(`expected a study call, got ${call.uses}`);
    expect(call.input).toMatchObject({
      windows: [window],
      baseParams: { model: 'as-v1.5', gamma: 1e-5 },
      walkForward: {
        scheme: 'expanding',
        trainWindows: 3,
        gapWindows: 1,
        validationWindows: 2,
        holdoutWindows: 3,
      },
      sampler: { type: 'tpe', seed: 20261123, multivariate: true, constantLiar: true },
      pruner: { type: 'wilcoxon', pThreshold: 0.1 },
      objective: {
        metric: 'netPnlQuote',
        direction: 'maximize',
        aggregate: 'mean',
        constraints: [{ metric: 'rmsInventoryRatio', max: 0.4 }],
      },
      nTrials: 12,
      parallelism: 2,
    });
    expect(call.input.space['gamma']).toEqual({ type: 'float', low: 1e-5, high: 1e-1, log: true });
    expect(call.input.space['maxQuoteAgeMs']).toEqual({ type: 'int', low: 250, high: 3000, step: 250 });

    // The candidate is evaluated on the study's holdout, k refitted on its search windows, scored by
    // the study's own objective (a YAML alias of it), with the trained artifact attached.
    const evaluate = plan.steps[4];
    if (evaluate === undefined) throw new Error('no evaluate step');
    const later = { ...window, startUs: 3, endUs: 4 };
    const sha256 = 'a'.repeat(64);
    const evaluateCall = resolveStepInput(evaluate, {
      ...ctx,
      steps: {
        ...ctx.steps,
        study: {
          outputs: {
            bestTrial: 2,
            bestParams: { model: 'as-v1.5', gamma: 0.01 },
            holdout: [later],
            searchWindows: [window],
          },
        },
        alpha: { outputs: { artifactPath: 'alpha-x.onnx', sha256, horizonMs: 1000 } },
      },
    });
    if (evaluateCall.uses !== 'evaluate-model')
      throw new Error(`expected evaluate-model, got ${evaluateCall.uses}`);
    expect(evaluateCall.input).toEqual({
      windows: [later],
      refitKPerTickOn: [window],
      params: { model: 'as-v1.5', gamma: 0.01 },
      alpha: {
        artifactPath: 'alpha-x.onnx',
        sha256,
        horizonMs: 1000,
        intervalMs: 100,
        maxShiftTicks: 1,
        weight: 0.5,
      },
      objective: call.input.objective,
      entryLatencyMs: 5,
      cancelLatencyMs: 5,
    });
  });
});
