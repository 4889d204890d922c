/**
 * The retraining step types' results → their declared outputs (pipeline-dsl/retrain-steps.ts), and two
 * helpers of their calls. Deterministic, no I/O: runs in the workflow bundle (types only from activities).
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { CalibrationResult } from '../../activities/calibrate.ts';
import type { DataQualityGateResult } from '../../activities/data-quality-gate.ts';
import type { EvaluateModelResult } from '../../activities/evaluate-model.ts';
import type { TrainAlphaResult } from '../../activities/train-alpha.ts';
import { ModelParamsError, parseModelParams, type ModelParams } from '../../core/quoting/model-params.ts';
import type { DataQualityGateStepOutputs, StudyStepInput } from '../../pipeline-dsl/retrain-steps.ts';
import type { WalkForwardConfig } from '../../core/validation/walk-forward.ts';
import type { StudyResult } from '../study/definitions.ts';
import { INVALID_STEP_INPUT } from './step-call.ts';

/** The gate's outputs: counts, the included windows (time order) and the dataset digests. */
export function gateOutputs(r: DataQualityGateResult): DataQualityGateStepOutputs {
  return {
    gateId: r.gateId,
    // A gate that completed before `windowCount` existed returned every window (a replayed history).
    windows: r.windowCount ?? (r as { readonly windows?: readonly unknown[] }).windows?.length ?? 0,
    includedCount: r.included.length,
    excludedCount: r.excludedCount,
    included: r.included.map(plainWindow),
    datasetDigests: { ...r.datasetDigests },
  };
}

/** The calibration's headline figures and the calibrated parameters. */
export function calibrateOutputs(r: CalibrationResult & { readonly baseModel: string }) {
  return {
    calibrationId: r.calibrationId,
    baseModel: r.baseModel,
    kPerTick: r.fillIntensity.kPerTick,
    aPerSec: r.fillIntensity.aPerSec,
    r2: r.fillIntensity.r2,
    sigmaTicksPerSqrtSec: r.sigma.ticksPerSqrtSec,
    params: r.params,
  };
}

/** The study's counts, best trial (full model params) and its in-sample / out-of-sample figures. */
export function studyOutputs(r: StudyResult) {
  return {
    studyId: r.studyId,
    trials: r.nTrials,
    ...r.counts,
    bestTrial: r.best?.number ?? null,
    bestValue: r.best?.value ?? null,
    bestParams: r.best?.modelParams ?? null,
    outOfSampleValue: r.outOfSample?.value ?? null,
    inSample: r.inSample,
    outOfSample: r.outOfSample,
    holdout: (r.holdout ?? []).map(plainWindow),
    searchWindows: (r.searchWindows ?? []).map(plainWindow),
  };
}

/** The candidate's evaluation: the params to register, the KPIs and, with an objective, its score. */
export function evaluateOutputs(r: EvaluateModelResult) {
  return {
    evaluationId: r.evaluationId,
    params: r.params,
    windows: r.windows,
    kpis: r.kpis,
    netPnlQuote: r.kpis.netPnlQuote,
    value: r.value,
    feasible: r.feasible,
    refittedKPerTick: r.refittedKPerTick ?? null,
  };
}

function plainWindow(w: { readonly sessionId: string; readonly startUs: number; readonly endUs: number }) {
  return { sessionId: w.sessionId, startUs: w.startUs, endUs: w.endUs };
}

/** The training's artifact, digests, headline metrics and parity. */
export function trainAlphaOutputs(r: TrainAlphaResult) {
  return {
    trainingId: r.trainingId,
    artifactPath: r.artifactPath,
    sha256: r.sha256,
    horizonMs: r.horizonMs,
    datasetDigest: r.datasetDigest,
    valR2: r.metrics.valR2,
    valHitRatio: r.metrics.valHitRatio,
    parityMaxAbsDiff: r.parity.maxAbsDiff,
    metrics: { ...r.metrics, parity: r.parity, trainDigest: r.trainDigest, data: r.data },
  };
}

/** `id` with every character outside letters, digits, `.`, `_`, `-` replaced by `-` (artifact names). */
export function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '-');
}

/**
 * Parses model params in the workflow.
 * @throws ApplicationFailure (non-retryable, InvalidStepInput) naming `where` and each field.
 */
export function modelParamsOrFail(input: unknown, where: string): ModelParams {
  try {
    return parseModelParams(input, where);
  } catch (err) {
    if (err instanceof ModelParamsError)
      throw ApplicationFailure.create({ message: err.message, type: INVALID_STEP_INPUT, nonRetryable: true });
    throw err;
  }
}

/** The step's walk-forward block as the study takes it (absent optional fields left out). */
export function walkForwardConfig(w: StudyStepInput['walkForward']): WalkForwardConfig {
  const { folds, stepWindows, ...required } = w;
  return {
    ...required,
    ...(folds === undefined ? {} : { folds }),
    ...(stepWindows === undefined ? {} : { stepWindows }),
  };
}
