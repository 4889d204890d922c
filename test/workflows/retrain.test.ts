/**
 * The weekly retraining pipeline end to end on the real Temporal server and PostgreSQL, started the
 * way a user starts it from the Web UI (`{ file, params }`): data-quality gate → calibration → study
 * (TPE, Wilcoxon pruner, walk-forward folds, holdout) → ONNX alpha training → the complete candidate
 * (best parameters + alpha) evaluated on the study's holdout → registration of that candidate, whose
 * artifact, metrics and lineage are in the registry. The registered version is then
 * backtested through the backtest workflow, which loads its ONNX model in onnxruntime-node.
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../activities/load-pipeline.ts';
import { RETRAIN_BASE_MODEL_VERSION_ID } from '../../app/seed-models.ts';
import { getModelVersion } from '../../db/repositories/models.ts';
import { getStudy, listStudyTrials } from '../../db/repositories/studies.ts';
import { resolveArtifactPath, sha256File } from '../../ml/artifacts.ts';
import { backtestWorkflow, pipelineWorkflow } from '../../workflows/index.ts';
import { MODEL_VERSION_KEY } from '../../workflows/search-attributes.ts';
import { startHarness, uniqueId, type Harness } from './harness.ts';

const SESSIONS = [
  'binance-usdm_BTCUSDT_20230404T2358Z-20230405T0007Z',
  'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z',
  'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z',
];

let h: Harness;
let db: Pool;
let client: Client;
let store: string;
const previousStore = process.env['MMFLOW_MODEL_STORE'];

beforeAll(async () => {
  store = await mkdtemp(join(tmpdir(), 'mmflow-models-'));
  process.env['MMFLOW_MODEL_STORE'] = store; // read by the activities at call time
  h = await startHarness('retrain');
  ({ db, client } = h);
});

afterAll(async () => {
  await h?.close();
  if (previousStore === undefined) delete process.env['MMFLOW_MODEL_STORE'];
  else process.env['MMFLOW_MODEL_STORE'] = previousStore;
  await rm(store, { recursive: true, force: true });
});

type Outputs = Record<string, unknown>;
const outputsOf = (steps: readonly { id: string; outputs: unknown }[], id: string): Outputs => {
  const step = steps.find((s) => s.id === id);
  if (step === undefined || step.outputs === null || typeof step.outputs !== 'object')
    throw new Error(`step ${id} has no outputs`);
  return step.outputs as Outputs;
};

describe('retrain-weekly on a real Temporal server', () => {
  it('registers a candidate with its ONNX artifact (sha256 checked), in- and out-of-sample metrics and lineage', async () => {
    const workflowId = uniqueId('retrain');
    const result = await client.workflow.execute(pipelineWorkflow, {
      args: [{ file: 'pipelines/retrain-weekly.yaml', params: { nTrials: 4, parallelism: 2 } }],
      taskQueue: h.taskQueue,
      workflowId,
    });
    expect(result.outcome).toBe('completed');
    expect(result.steps.map((s) => [s.id, s.status])).toEqual([
      ['quality', 'completed'],
      ['calibrate', 'completed'],
      ['study', 'completed'],
      ['alpha', 'completed'],
      ['evaluate', 'completed'],
      ['register', 'completed'],
    ]);

    const quality = outputsOf(result.steps, 'quality');
    expect(quality['includedCount']).toBeGreaterThanOrEqual(12);
    expect(Object.keys(quality['datasetDigests'] as object).sort()).toEqual(SESSIONS);

    const calibrate = outputsOf(result.steps, 'calibrate');
    expect(calibrate['baseModel']).toBe(RETRAIN_BASE_MODEL_VERSION_ID);
    const k = calibrate['kPerTick'];
    expect(typeof k === 'number' && Number.isFinite(k) && k > 0).toBe(true);
    expect(calibrate['params']).toMatchObject({ model: 'as-v1.5', kPerTick: k });

    // The study: exactly 4 trials stored; in-sample and out-of-sample figures reported separately.
    const study = outputsOf(result.steps, 'study');
    expect(study['studyId']).toBe(`${workflowId}.study`);
    expect(study['trials']).toBe(4);
    const trials = await listStudyTrials(db, `${workflowId}.study`);
    expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3]);
    const row = await getStudy(db, `${workflowId}.study`);
    expect(row?.state).toBe('completed');

    const alpha = outputsOf(result.steps, 'alpha');
    expect(alpha['parityMaxAbsDiff']).toBeLessThanOrEqual(1e-5);
    const artifact = resolveArtifactPath(String(alpha['artifactPath']), store);
    expect(await sha256File(artifact)).toBe(alpha['sha256']);

    const register = outputsOf(result.steps, 'register');
    // Seeded sampler on fixed data: the same trials every run; some are infeasible (RMS inventory > 0.4·q_max).
    expect(study['complete']).toBeGreaterThanOrEqual(1);
    expect(
      Number(study['complete']) +
        Number(study['infeasible']) +
        Number(study['pruned']) +
        Number(study['failed']),
    ).toBe(4);
    expect(study['bestTrial']).not.toBeNull();
    expect(study['outOfSample']).toMatchObject({ trialNumber: study['bestTrial'], windows: 3 });
    // Walk-forward refit: every fold scored with k fitted on its own train windows only, and the holdout
    // with k fitted on the windows before it (never on the holdout, unlike the calibrate step's k).
    const inSample = study['inSample'] as { folds: { refittedKPerTick?: number }[] };
    expect(inSample.folds.length).toBeGreaterThanOrEqual(2);
    for (const f of inSample.folds) expect(f.refittedKPerTick).toBeGreaterThan(0);
    expect(new Set(inSample.folds.map((f) => f.refittedKPerTick)).size).toBe(inSample.folds.length);
    const holdoutK = (study['outOfSample'] as { refittedKPerTick?: number }).refittedKPerTick;
    expect(holdoutK).toBeGreaterThan(0);
    expect(holdoutK).not.toBe(k);
    // The study hands on its holdout (3 windows, after every search window) and its search windows.
    const holdout = study['holdout'] as { sessionId: string; startUs: number; endUs: number }[];
    const searchWindows = study['searchWindows'] as typeof holdout;
    expect(holdout).toHaveLength(3);
    expect(searchWindows.length).toBeGreaterThanOrEqual(6);
    const lastSearchEnd = Math.max(...searchWindows.map((w) => w.endUs));
    expect(holdout.every((w) => w.startUs >= lastSearchEnd)).toBe(true);

    // The candidate (best params + ONNX alpha) on that holdout, k refitted on the same windows as the
    // study's holdout evaluation: same k, same market events, its own quotes.
    const evaluate = outputsOf(result.steps, 'evaluate');
    expect(evaluate['windows']).toBe(3);
    expect(evaluate['refittedKPerTick']).toBe(holdoutK);
    const candidateKpis = evaluate['kpis'] as { events: number; quotes: number; netPnlQuote: number };
    const studyKpis = (study['outOfSample'] as { kpis: { events: number } }).kpis;
    expect(candidateKpis.events).toBe(studyKpis.events);
    expect(candidateKpis.quotes).toBeGreaterThan(0);
    expect(evaluate['netPnlQuote']).toBe(candidateKpis.netPnlQuote);
    expect(evaluate['value']).toBe(candidateKpis.netPnlQuote);
    expect(evaluate['params']).toMatchObject({
      ...(study['bestParams'] as object),
      alpha: { sha256: alpha['sha256'], artifactPath: alpha['artifactPath'], maxShiftTicks: 1, weight: 0.5 },
    });

    const id = String(register['modelVersionId']);
    expect(id).toMatch(/^as-v1\.5-btcusdt-usdm@\d+$/);
    const model = await getModelVersion(db, id);
    expect(model?.status).toBe('candidate');
    expect(model?.parentId).toBe(RETRAIN_BASE_MODEL_VERSION_ID);
    expect(model?.params).toEqual(evaluate['params']); // registered exactly as evaluated
    expect(model?.artifacts).toEqual([
      { kind: 'onnx', path: alpha['artifactPath'], sha256: alpha['sha256'], bytes: expect.any(Number) },
    ]);
    expect(model?.metrics).toMatchObject({
      objective: 'netPnlQuote',
      inSample: { trialNumber: study['bestTrial'] },
      outOfSample: { trialNumber: study['bestTrial'] },
      candidateOutOfSample: {
        value: evaluate['value'],
        feasible: evaluate['feasible'],
        windows: 3,
        refittedKPerTick: holdoutK,
        kpis: candidateKpis,
      },
      calibration: { kPerTick: k },
      alpha: { parity: { tolerance: 1e-5 } },
    });
    expect(model?.lineage).toMatchObject({
      datasetDigests: quality['datasetDigests'],
      dataQualityGateId: quality['gateId'],
      calibrationId: calibrate['calibrationId'],
      studyId: `${workflowId}.study`,
      trainingId: alpha['trainingId'],
      workflowIds: [workflowId],
    });
    expect(String(model?.lineage.codeVersion)).not.toBe('');
    const described = await client.workflow.getHandle(workflowId).describe();
    expect(described.typedSearchAttributes.get(MODEL_VERSION_KEY)).toBe(id);

    // The candidate quotes with its ONNX alpha term: the backtest workflow loads it (sha256 checked).
    const backtest = await client.workflow.execute(backtestWorkflow, {
      args: [{ session: SESSIONS[1]!, model: id, entryLatencyMs: 5, cancelLatencyMs: 5 }],
      taskQueue: h.taskQueue,
      workflowId: `${workflowId}.candidate-backtest`,
    });
    expect(backtest.modelVersionId).toBe(id);
    expect(backtest.kpis.events).toBeGreaterThan(10_000);
    expect(backtest.kpis.quotes).toBeGreaterThan(0);
  });

  it('refuses a pipeline file outside pipelines/ and names every error of one that does not compile', async () => {
    await expect(loadPipeline({ file: '../shared/seeds/x.yaml' })).rejects.toMatchObject({
      code: 'PIPELINE_PATH',
    });
    await expect(loadPipeline({ file: '/etc/passwd' })).rejects.toMatchObject({ code: 'PIPELINE_PATH' });
    await expect(loadPipeline({ file: 'pipelines/nope.yaml' })).rejects.toMatchObject({
      code: 'PIPELINE_UNREADABLE',
    });
    const bad = await loadPipeline(
      { file: 'pipelines/malformed/study-bad-space.yaml' },
      join(import.meta.dirname, '../fixtures'),
    ).catch((err: unknown) => err);
    expect(bad).toMatchObject({ code: 'PIPELINE_INVALID' });
    expect(String((bad as Error).message)).toContain(
      'pipelines/malformed/study-bad-space.yaml:13:36: steps[0].with.space.gamma.low: must be > 0 when log is true (got -1)',
    );
    const failed = await client.workflow
      .execute(pipelineWorkflow, {
        args: [{ file: 'pipelines/does-not-exist.yaml' }],
        taskQueue: h.taskQueue,
        workflowId: uniqueId('retrain-missing'),
      })
      .catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    expect(String((failed as WorkflowFailedError).cause?.cause)).toContain(
      'cannot read pipeline file "pipelines/does-not-exist.yaml"',
    );
  });
});
