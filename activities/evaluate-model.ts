/**
 * The `evaluateModel` activity: backtests ONE complete model — its parameters with the ONNX alpha term
 * attached when there is one — over recorded windows, the way the study evaluates a trial (one
 * windowed replay per contiguous span, KPIs combined over the spans, optionally scored by an
 * objective, optionally with k refitted on earlier windows). In the weekly retraining it measures the
 * candidate exactly as it will be registered on the study's holdout: the study's own out-of-sample
 * figure is for the searched parameters alone, the alpha model being trained in parallel.
 *
 * Read-only (no row written; the figures go to the workflow history and, through the registration
 * step, to the model registry), so a retry simply evaluates again, with the same result.
 */
import type { AlphaModel } from '../core/alpha/alpha-model.ts';
import type { SessionWindow } from '../core/dataset/windows.ts';
import { PermanentError } from '../core/errors.ts';
import type { Kpis } from '../core/metrics/kpis.ts';
import {
  alphaParamsOf,
  type AlphaParams,
  type AlphaSource,
  type ModelParams,
} from '../core/quoting/model-params.ts';
import type { Objective } from '../core/validation/objective.ts';
import { scoreFold } from '../core/validation/objective.ts';
import { loadAlphaModel } from '../ml/load-alpha.ts';
import { composeModelParams } from './compose-model-params.ts';
import type { ActivityDeps } from './index.ts';
import { backtestWindows, type WindowsBacktest } from './study-backtest.ts';
import { heartbeat } from './heartbeat.ts';

/** Input of {@link evaluateModel}. */
export interface EvaluateModelInput {
  /** Names the evaluation in logs and errors, e.g. `eval:<workflowId>.<stepId>`. */
  readonly evaluationId: string;
  /** Windows to measure on (e.g. the study's holdout); one instrument, any order (replayed in time order). */
  readonly windows: readonly SessionWindow[];
  /** Model parameters (e.g. the study's `bestParams`); may already carry an alpha block. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The ONNX alpha term to attach (V1.5): the training step's artifact and how to apply it. */
  readonly alpha?: AlphaParams;
  /** Scores the combined KPIs (value, constraint violation) when given. */
  readonly objective?: Objective;
  /**
   * Windows k is refitted on before the backtests (e.g. the study's `searchWindows`, every window
   * before its holdout), as the study does for its own holdout; the evaluated params then differ from
   * `params` in kPerTick only. Absent or empty: k as given.
   */
  readonly refitKPerTickOn?: readonly SessionWindow[];
  /** Order-entry / cancel latency of the simulated venue, µs. */
  readonly entryLatencyUs: number;
  readonly cancelLatencyUs: number;
}

/** Result of {@link evaluateModel} (JSON-safe). */
export interface EvaluateModelResult {
  readonly evaluationId: string;
  /** The complete model parameters evaluated (alpha attached; kPerTick as given, not refitted). */
  readonly params: ModelParams;
  /** Windows and contiguous spans replayed. */
  readonly windows: number;
  readonly spans: number;
  /** KPIs combined over the spans (core/validation/spans.ts). */
  readonly kpis: Kpis;
  /** Objective KPI on the windows; null without an objective or when it is undefined there. */
  readonly value: number | null;
  /** Σ max(0, c) over the objective's constraints; null when not measured. */
  readonly violation: number | null;
  /** Whether every constraint holds; null without an objective. */
  readonly feasible: boolean | null;
  /** Why the objective could not be scored, when it could not. */
  readonly failure?: string;
  /** k refitted on `refitKPerTickOn`, 1/tick; absent without a refit. */
  readonly refittedKPerTick?: number;
}

/** Loads the alpha model of a parameter set (the default reads the ONNX file from the model store). */
export type AlphaLoader = (alpha: AlphaSource) => Promise<AlphaModel>;

/**
 * Runs the evaluation.
 * @param loadAlpha how the alpha model is loaded (default: ONNX Runtime, sha256 checked).
 * @throws PermanentError `EVALUATE_INVALID_INPUT` (no window, a window ending before it starts,
 *   latencies not ≥ 0); `INVALID_MODEL_PARAMS` / `ALPHA_NOT_SUPPORTED` / `ALPHA_CONFLICT` from the
 *   composition; the alpha loader's errors naming the file; `UNKNOWN_SESSION` and the other session-
 *   cache errors; `EVALUATE_BACKTEST` naming the span when a replay fails; the refit's errors.
 */
export async function evaluateModel(
  deps: Pick<ActivityDeps, 'dataDir' | 'log'>,
  input: EvaluateModelInput,
  loadAlpha: AlphaLoader = loadAlphaModel,
): Promise<EvaluateModelResult> {
  const where = `evaluate-model ${input.evaluationId}`;
  checkInput(input, where);
  const params = composeModelParams(input.params, input.alpha, `${where} params`);
  const alpha = alphaParamsOf(params);
  const alphaModel = alpha === undefined ? undefined : await loadAlpha(alpha);
  let result: WindowsBacktest;
  try {
    result = await backtestWindows(
      deps.dataDir,
      [...input.windows].sort((a, b) => a.startUs - b.startUs || a.endUs - b.endUs),
      {
        params,
        entryLatencyUs: input.entryLatencyUs,
        cancelLatencyUs: input.cancelLatencyUs,
        ...(input.refitKPerTickOn === undefined ? {} : { refitKPerTickOn: input.refitKPerTickOn }),
        ...(alphaModel === undefined ? {} : { alphaModel }),
      },
      { code: 'EVALUATE_BACKTEST', where, details: { evaluationId: input.evaluationId } },
      heartbeat,
    );
  } finally {
    await alphaModel?.close?.();
  }
  const { kpis, spans, refittedKPerTick } = result;
  const score = input.objective === undefined ? undefined : scoreFold(input.objective, kpis, 'evaluation');
  deps.log.info(
    {
      evaluationId: input.evaluationId,
      model: params.model,
      alpha: alpha?.artifactPath ?? null,
      windows: input.windows.length,
      netPnlQuote: kpis.netPnlQuote,
      fills: kpis.fills,
    },
    'model evaluated',
  );
  return {
    evaluationId: input.evaluationId,
    params,
    windows: input.windows.length,
    spans,
    kpis,
    value: score?.ok === true ? score.value : null,
    violation: score?.ok === true ? score.violation : null,
    feasible: score === undefined ? null : score.ok && score.violation === 0,
    ...(score?.ok === false ? { failure: score.reason } : {}),
    ...(refittedKPerTick === undefined ? {} : { refittedKPerTick }),
  };
}

function checkInput(input: EvaluateModelInput, where: string): void {
  const problems: string[] = [];
  if (input.windows.length === 0) problems.push('windows: needs at least one window');
  input.windows.forEach((w, i) => {
    if (!(w.endUs > w.startUs))
      problems.push(`windows[${i}]: endUs ${w.endUs} is not after startUs ${w.startUs}`);
  });
  for (const key of ['entryLatencyUs', 'cancelLatencyUs'] as const)
    if (!(Number.isFinite(input[key]) && input[key] >= 0))
      problems.push(`${key}: must be ≥ 0, got ${input[key]}`);
  if (problems.length > 0)
    throw new PermanentError('EVALUATE_INVALID_INPUT', `${where}: ${problems.join('; ')}`, {
      evaluationId: input.evaluationId,
    });
}
