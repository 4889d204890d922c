// The retraining steps' results → their declared outputs (workflows/pipeline/retrain.ts), including
// results recorded by older code: a pipeline history that is replayed after an upgrade must map too.
import { describe, expect, it } from 'vitest';
import type { DataQualityGateResult } from '../../activities/data-quality-gate.ts';
import type { EvaluateModelResult } from '../../activities/evaluate-model.ts';
import type { Kpis } from '../../core/metrics/kpis.ts';
import { DEFAULT_AS_V15_BTCUSDT_USDM } from '../../core/quoting/model-params.ts';
import { evaluateOutputs, gateOutputs, studyOutputs } from '../../workflows/pipeline/retrain.ts';
import type { StudyResult } from '../../workflows/study/definitions.ts';

const S = 'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z';
const w = (startUs: number) => ({ sessionId: S, startUs, endUs: startUs + 60_000_000 });
const KPIS = { netPnlQuote: -1.25, quotes: 10, fills: 2 } as unknown as Kpis;

const study = (extra: Partial<StudyResult>): StudyResult => ({
  studyId: 's',
  name: 'n',
  workflowId: 'wf',
  runId: 'r',
  nTrials: 4,
  counts: { complete: 3, pruned: 1, failed: 0, infeasible: 0 },
  best: null,
  inSample: null,
  outOfSample: null,
  trials: [],
  continuedAsNew: 0,
  ...extra,
});

describe('retraining step outputs', () => {
  it('gate: counts and the included windows as plain { sessionId, startUs, endUs }', () => {
    const r: DataQualityGateResult = {
      gateId: 'g',
      windowCount: 5,
      included: [{ ...w(0), extra: 1 } as ReturnType<typeof w>, w(60_000_000)],
      excludedCount: 3,
      excludedByReason: {
        'book-gap': 0,
        resync: 0,
        'crossed-book': 0,
        'not-synced': 2,
        'no-depth-events': 0,
        'missing-trades': 1,
        'recorder-gap': 0,
      },
      datasetDigests: { [S]: 'ab' },
    };
    expect(gateOutputs(r)).toEqual({
      gateId: 'g',
      windows: 5,
      includedCount: 2,
      excludedCount: 3,
      included: [w(0), w(60_000_000)],
      datasetDigests: { [S]: 'ab' },
    });
  });

  it('gate: a result recorded before windowCount (every window returned) still counts its windows', () => {
    const legacy = {
      gateId: 'g',
      windows: [w(0), w(60_000_000), w(120_000_000)],
      included: [w(0)],
      excludedCount: 2,
      datasetDigests: {},
    };
    expect(gateOutputs(legacy as unknown as DataQualityGateResult)).toMatchObject({
      windows: 3,
      includedCount: 1,
    });
  });

  it('study: the holdout and search windows; none in a result recorded before they existed', () => {
    const out = studyOutputs(study({ holdout: [w(300_000_000)], searchWindows: [w(0), w(60_000_000)] }));
    expect(out).toMatchObject({ trials: 4, complete: 3, pruned: 1, bestTrial: null, bestParams: null });
    expect(out.holdout).toEqual([w(300_000_000)]);
    expect(out.searchWindows).toEqual([w(0), w(60_000_000)]);
    const legacy = studyOutputs(study({}));
    expect(legacy.holdout).toEqual([]);
    expect(legacy.searchWindows).toEqual([]);
  });

  it('evaluate: the params to register, the KPIs, the headline PnL and the score', () => {
    const r: EvaluateModelResult = {
      evaluationId: 'eval:x',
      params: DEFAULT_AS_V15_BTCUSDT_USDM,
      windows: 3,
      spans: 1,
      kpis: KPIS,
      value: -1.25,
      violation: 0,
      feasible: true,
    };
    expect(evaluateOutputs(r)).toEqual({
      evaluationId: 'eval:x',
      params: DEFAULT_AS_V15_BTCUSDT_USDM,
      windows: 3,
      kpis: KPIS,
      netPnlQuote: -1.25,
      value: -1.25,
      feasible: true,
      refittedKPerTick: null,
    });
    expect(evaluateOutputs({ ...r, refittedKPerTick: 0.43 }).refittedKPerTick).toBe(0.43);
  });
});
