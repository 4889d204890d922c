/**
 * Every JSONB column read back by a repository, written by that repository's writer, then given a key
 * the reader does not know (as a newer writer would store it, with SQL `jsonb_set`) or stripped to an
 * older writer's shape: the reader still returns the row, with its known fields as written. Free-form
 * columns (kpis, config, details, metrics, result…) pass unknown keys through; typed ones (gate rules,
 * calibration windows, model artifacts) drop them and keep their known fields.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { getBacktestRun, saveBacktestRun } from '../../db/repositories/backtest-runs.ts';
import { getCalibration, saveCalibration } from '../../db/repositories/calibrations.ts';
import { getDataQualityReport, saveDataQualityReport } from '../../db/repositories/data-quality.ts';
import { getQualityGate, saveQualityGate } from '../../db/repositories/data-quality-windows.ts';
import { finishEngineRun, getEngineRun, startEngineRun } from '../../db/repositories/engine-runs.ts';
import { getModelVersion, registerModelVersion } from '../../db/repositories/models.ts';
import {
  createStudy,
  finishStudy,
  getStudy,
  listFoldEvaluations,
  listStudyTrials,
  saveFoldEvaluation,
  saveStudyTrial,
} from '../../db/repositories/studies.ts';
import { testServices } from '../setup/services.ts';

let pool: Pool;
beforeAll(() => {
  pool = createPool(testServices().databaseUrl);
});
afterAll(async () => {
  await pool.end();
});

const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** `UPDATE <table> SET <set> WHERE <key> = $1`, asserting one row changed. */
async function edit(table: string, set: string, key: string, id: string): Promise<void> {
  const r = await pool.query(`UPDATE ${table} SET ${set} WHERE ${key} = $1`, [id]);
  expect(r.rowCount).toBe(1);
}

const KPIS = {
  netPnlQuote: 1.25,
  feesQuote: 0.1,
  sharpe: null,
  maxDrawdownQuote: 0.5,
  rmsInventoryRatio: 0.3,
  spreadCapturedPct: null,
  spreadCapturedAtFillPct: null,
  fillRatio: 0.02,
  cancelRatio: 0.9,
  quotes: 100,
  fills: 2,
  cancels: 90,
  events: 5000,
  finalInventoryLots: 0,
  maxAbsInventoryLots: 1,
};

describe('JSONB readers accept unknown keys and older shapes', () => {
  it('backtest_runs: config and kpis pass unknown keys through', async () => {
    const id = unique('bt');
    const run = {
      id,
      session: 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z',
      venue: 'binance-spot',
      symbol: 'BTCUSDT',
      config: { model: { gamma: 0.1 }, feeBps: 1 },
      kpis: KPIS,
      events: 5000,
      quotes: 100,
      fills: 2,
      netPnlQuote: '1.25',
      maxDrawdownQuote: '0.5',
      startedAtMs: 1_723_161_254_087,
      finishedAtMs: 1_723_161_260_000,
      source: 'workflow' as const,
    };
    await saveBacktestRun(pool, run);
    await edit(
      'backtest_runs',
      `config = jsonb_set(config, '{addedLater}', '{"x": 1}'), kpis = jsonb_set(kpis, '{addedKpi}', '2')`,
      'id',
      id,
    );
    const read = await getBacktestRun(pool, id);
    expect(read?.config).toEqual({ ...run.config, addedLater: { x: 1 } });
    expect(read?.kpis).toEqual({ ...KPIS, addedKpi: 2 });
    expect(read).toMatchObject({ netPnlQuote: '1.25', events: 5000, source: 'workflow' });
  });

  it('calibrations: result passes unknown keys through; windows keep their known fields', async () => {
    const id = unique('cal');
    const windows = [
      { sessionId: 'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z', startUs: 1, endUs: 2 },
    ];
    const params = { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, kPerTick: 0.3754 };
    await saveCalibration(pool, {
      id,
      venue: 'binance-usdm',
      symbol: 'BTCUSDT',
      windows,
      sigmaTicksPerSqrtSec: 31.76,
      aPerSec: 2.977,
      kPerTick: 0.3754,
      r2: 0.553,
      points: 5,
      params,
      result: { kPerTick: 0.3754, depthLevels: [1, 2, 3] },
    });
    await edit(
      'calibrations',
      `result = jsonb_set(result, '{addedLater}', '"x"'), windows = jsonb_set(windows, '{0,addedLater}', 'true')`,
      'id',
      id,
    );
    const read = await getCalibration(pool, id);
    expect(read?.result).toEqual({ kPerTick: 0.3754, depthLevels: [1, 2, 3], addedLater: 'x' });
    expect(read?.windows).toEqual(windows);
    expect(read?.params).toMatchObject(params);
  });

  it('data_quality_reports: details pass unknown keys through', async () => {
    const id = unique('dq');
    const details = { missingCandles: 79, largestGapMs: 4_800_000 };
    await saveDataQualityReport(pool, {
      id,
      venue: 'binance-spot',
      symbol: 'BTCUSDT',
      dataset: 'ohlcv',
      interval: '1m',
      rowsChecked: 66_087,
      gaps: 1,
      duplicates: 0,
      impossible: 0,
      details,
    });
    await edit('data_quality_reports', `details = jsonb_set(details, '{regime}', '{"atr": 12.5}')`, 'id', id);
    expect((await getDataQualityReport(pool, id))?.details).toEqual({ ...details, regime: { atr: 12.5 } });
  });

  it('data_quality_gates: rules keep their known fields, a new session digest is read', async () => {
    const id = unique('dqg');
    const rules = { windowMs: 60_000, maxTradeGapMs: 30_000, minTrades: 10 };
    const digest = 'a'.repeat(64);
    await saveQualityGate(pool, {
      id,
      rules,
      sessions: ['sess'],
      datasetDigests: { sess: digest },
      windows: [
        {
          sessionId: 'sess',
          startUs: 0,
          endUs: 60_000_000,
          depthEvents: 600,
          trades: 1200,
          gaps: 0,
          resyncs: 0,
          crossed: 0,
          maxTradeGapMs: 1078,
          included: true,
          reasons: [],
        },
      ],
    });
    await edit(
      'data_quality_gates',
      `rules = jsonb_set(rules, '{minDepthEvents}', '100'),
       dataset_digests = jsonb_set(dataset_digests, '{other}', '"${'b'.repeat(64)}"')`,
      'id',
      id,
    );
    const read = await getQualityGate(pool, id);
    expect(read?.rules).toEqual(rules);
    expect(read?.datasetDigests).toEqual({ sess: digest, other: 'b'.repeat(64) });
    expect(read?.windows).toHaveLength(1);
  });

  it('engine_runs: kpis pass unknown keys through', async () => {
    const id = unique('eng');
    await startEngineRun(pool, {
      id,
      mode: 'replay',
      venue: 'binance-spot',
      symbol: 'BTCUSDT',
      startedAtMs: 1_000,
    });
    await finishEngineRun(pool, id, { endedAtMs: 2_000, kpis: KPIS });
    await edit('engine_runs', `kpis = jsonb_set(kpis, '{addedKpi}', '3')`, 'id', id);
    expect((await getEngineRun(pool, id))?.kpis).toEqual({ ...KPIS, addedKpi: 3 });
  });

  it('model_versions: lineage and metrics pass unknown keys through, artifacts keep their known fields, an old lineage gets its defaults', async () => {
    const name = unique('jsonb-model');
    const artifact = { kind: 'onnx' as const, path: 'alpha/x.onnx', sha256: 'c'.repeat(64), bytes: 1234 };
    const metrics = { inSample: { value: 1 }, outOfSample: { value: 0.5 } };
    const created = await registerModelVersion(pool, {
      name,
      kind: 'avellaneda-stoikov',
      params: { model: 'as-v1-alpha', gamma: 2e-7 },
      lineage: { datasetDigests: { s: 'sha256:1' }, workflowIds: ['wf-1'], codeVersion: 'abc' },
      artifacts: [artifact],
      metrics,
    });
    await edit(
      'model_versions',
      `lineage = jsonb_set(lineage, '{runIds}', '["run-1"]'),
       metrics = jsonb_set(metrics, '{parity}', '{"maxAbsDiff": 0}'),
       artifacts = jsonb_set(artifacts, '{0,opset}', '17')`,
      'id',
      created.id,
    );
    const read = await getModelVersion(pool, created.id);
    expect(read?.lineage).toEqual({
      datasetDigests: { s: 'sha256:1' },
      workflowIds: ['wf-1'],
      codeVersion: 'abc',
      runIds: ['run-1'],
    });
    expect(read?.metrics).toEqual({ ...metrics, parity: { maxAbsDiff: 0 } });
    expect(read?.artifacts).toEqual([artifact]);

    // A row written before lineage had any fields (the column's default) and before 0009 (defaults).
    await edit('model_versions', `lineage = '{}', metrics = '{}', artifacts = '[]'`, 'id', created.id);
    expect(await getModelVersion(pool, created.id)).toMatchObject({
      lineage: { datasetDigests: {}, workflowIds: [] },
      metrics: {},
      artifacts: [],
    });
  });

  it('studies, study_trials, study_fold_evaluations: every JSONB column passes unknown keys through', async () => {
    const id = unique('jsonb-study');
    const window = { sessionId: 's', startUs: 0, endUs: 60_000_000 };
    await createStudy(pool, {
      id,
      name: 'test/jsonb',
      direction: 'maximize',
      space: { gamma: { type: 'float', low: 1e-8, high: 1e-5, log: true } },
      sampler: { type: 'tpe', seed: 1 },
      pruner: { type: 'none' },
      objective: { metric: 'netPnlQuote', direction: 'maximize' },
      baseParams: { model: 'as-v1-alpha' },
      nTrials: 1,
      parallelism: 1,
      folds: [{ index: 0, train: [], validation: [window] }],
      holdout: [window],
      workflowId: `wf-${id}`,
      runId: 'run-1',
    });
    const fold = { foldIndex: 0, value: 1.25, violation: 0, kpis: KPIS, refittedKPerTick: 0.4 };
    await saveStudyTrial(pool, {
      studyId: id,
      number: 0,
      params: { gamma: 1e-7 },
      state: 'complete',
      value: 1.25,
      intermediate: [[0, 1.25]],
      constraintViolation: 0,
      foldKpis: [{ foldIndex: 0, value: 1.25, violation: 0, kpis: KPIS }],
      startedAtMs: 1_000,
      durationMs: 10,
    });
    await saveFoldEvaluation(pool, {
      studyId: id,
      trialNumber: 0,
      kind: 'validation',
      foldIndex: 0,
      attempt: 1,
      kpis: KPIS,
      value: 1.25,
      violation: 0,
      durationMs: 10,
    });
    const inSample = { trialNumber: 0, value: 1.25, constraintViolation: 0, folds: [fold] };
    await finishStudy(pool, {
      id,
      state: 'completed',
      bestTrial: 0,
      bestValue: 1.25,
      inSample,
      continuedAsNew: 0,
    });
    await edit(
      'studies',
      `sampler = jsonb_set(sampler, '{addedLater}', '1'), folds = jsonb_set(folds, '{0,addedLater}', '1'),
       holdout = jsonb_set(holdout, '{0,addedLater}', '1'), in_sample = jsonb_set(in_sample, '{folds,0,addedLater}', '1')`,
      'id',
      id,
    );
    await edit('study_trials', `fold_kpis = jsonb_set(fold_kpis, '{0,addedLater}', '1')`, 'study_id', id);
    await edit('study_fold_evaluations', `kpis = jsonb_set(kpis, '{addedKpi}', '1')`, 'study_id', id);

    const study = await getStudy(pool, id);
    expect(study?.sampler).toEqual({ type: 'tpe', seed: 1, addedLater: 1 });
    expect(study?.folds).toEqual([{ index: 0, train: [], validation: [window], addedLater: 1 }]);
    expect(study?.holdout).toEqual([{ ...window, addedLater: 1 }]);
    expect(study?.inSample).toEqual({ ...inSample, folds: [{ ...fold, addedLater: 1 }] });
    expect(study?.outOfSample).toBeUndefined();
    const [trial] = await listStudyTrials(pool, id);
    expect(trial?.foldKpis).toEqual([{ foldIndex: 0, value: 1.25, violation: 0, kpis: KPIS, addedLater: 1 }]);
    const [evaluation] = await listFoldEvaluations(pool, id);
    expect(evaluation?.kpis).toEqual({ ...KPIS, addedKpi: 1 });
  });
});
