/**
 * Step types of the retraining pipeline (pipelines/retrain-weekly.yaml): data-quality gate →
 * calibration → parameter study over walk-forward folds (with the out-of-sample evaluation of its best
 * trial) → ONNX alpha training → evaluation of the complete candidate (parameters + alpha) on the
 * study's holdout → registration of a candidate model version. Schemas of their `with` and their
 * declared outputs; registered in ./steps.ts. Pure: usable inside the workflow bundle.
 *
 * Durations here are integer milliseconds (`windowMs: 60000`), and session windows are
 * `{ sessionId, startUs, endUs }` (exchange time, Unix epoch µs), as the gate returns them.
 */
import { z } from 'zod';
import { PrunerConfigSchema, SamplerConfigSchema, SearchSpaceSchema } from '../core/search/index.ts';
import { ObjectiveSchema } from '../core/validation/objective.ts';
import { AlphaParamsSchema } from '../core/quoting/model-params.ts';
import { T } from './expr/types.ts';
import { looksLikeSelector, parseSessionSelector } from './session-selector.ts';

/** A recorded session prefix, e.g. `binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z`. */
export const sessionPrefix = z
  .string()
  .regex(
    /^binance-(spot|usdm)_[A-Z0-9]+_[0-9TZ-]+(_[a-z]+)?$/,
    'expected a recorded session prefix such as binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z',
  );
/** A session prefix, or a `latest:<duration>[:<market>_<SYMBOL>]` selector (./session-selector.ts). */
const sessionPrefixOrSelector = z.string().superRefine((text, ctx) => {
  if (looksLikeSelector(text)) {
    const parsed = parseSessionSelector(text);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
    return;
  }
  const prefix = sessionPrefix.safeParse(text);
  if (!prefix.success)
    ctx.addIssue({
      code: 'custom',
      message: `${prefix.error.issues[0]?.message ?? 'invalid session'}, or a selector such as latest:7d`,
    });
});
const epochUs = z.int().min(0);
const modelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"');
/** A model version id of the registry, `<name>@<version>`. */
const modelVersionId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*@[1-9][0-9]*$/, 'expected <name>@<version>');

/** A time window of one recorded session, [startUs, endUs). */
export const sessionWindowSchema = z
  .strictObject({ sessionId: sessionPrefix, startUs: epochUs, endUs: epochUs })
  .refine((w) => w.endUs > w.startUs, { message: 'endUs must be after startUs', path: ['endUs'] });
const windows = z.array(sessionWindowSchema).min(1, 'needs at least one window');

/** `uses: data-quality-gate` — grade session windows; only clean windows go on to training. */
export const dataQualityGateStepInputSchema = z.strictObject({
  /** Recorded sessions (one instrument), any order; windows come out in time order. Each entry is a
   * prefix or a selector of the newest recorded sessions (`latest:7d[:usdm_BTCUSDT]`, resolved by the
   * activity: ./session-selector.ts); a single selector may be written without the list. */
  sessions: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(sessionPrefixOrSelector).min(1)),
  /** Window length, ms (≥ 1 s). The included windows travel in the workflow history: the gate refuses
   * more than ~2,200 of them (256 KiB of JSON) and names a length that fits. */
  windowMs: z.int().min(1_000).max(86_400_000),
  /** Longest trade silence an included window may hold, ms. */
  maxTradeGapMs: z.int().min(0),
  /** Fewest trades an included window must hold. */
  minTrades: z.int().min(0).default(1),
});
export type DataQualityGateStepInput = z.infer<typeof dataQualityGateStepInputSchema>;

/** `uses: calibrate` — σ and the fill intensity λ(δ) = A·e^(−kδ) over the windows; k replaces the base model's. */
export const calibrateStepInputSchema = z.strictObject({
  windows,
  /** The model version whose parameters are calibrated, `<name>@<version>`. */
  baseModel: modelVersionId,
  /** Deepest level of the λ(δ) fit, ticks (default 5). */
  maxDepthTicks: z.int().min(2).max(50).optional(),
  /** Calendar grid of the σ estimate, ms (default 1000). */
  sigmaGridMs: z.int().min(100).max(60_000).optional(),
});
export type CalibrateStepInput = z.infer<typeof calibrateStepInputSchema>;

/** Walk-forward folds over the time-ordered windows (core/validation/walk-forward.ts). */
export const walkForwardSchema = z.strictObject({
  scheme: z.enum(['expanding', 'rolling']).default('expanding'),
  trainWindows: z.int().min(0),
  gapWindows: z.int().min(0).default(1),
  validationWindows: z.int().min(1),
  holdoutWindows: z.int().min(0),
  folds: z.int().min(1).optional(),
  stepWindows: z.int().min(1).optional(),
});

/** `uses: study` — the parameter search (a child workflow; trials as activities, stored in PostgreSQL). */
export const studyStepInputSchema = z.strictObject({
  /** Human name of the study (default `<pipeline>/<step>`). */
  name: z.string().min(1).max(200).optional(),
  windows,
  /** Parameters the trials override (e.g. the calibration step's `params`); a model-params object. */
  baseParams: z.record(z.string(), z.unknown()),
  walkForward: walkForwardSchema,
  space: SearchSpaceSchema,
  sampler: SamplerConfigSchema,
  pruner: PrunerConfigSchema.default({ type: 'none' }),
  objective: ObjectiveSchema,
  /** Trials in total (survives a killed worker and Continue-As-New). */
  nTrials: z.int().min(1).max(10_000),
  /** Trials in flight at once. */
  parallelism: z.int().min(1).max(64).default(2),
  /**
   * Largest share of failed trials (0…1; default 0.5): a trial whose evaluation fails for its
   * parameters is stored as failed and the study goes on, but past this share of the trials — or
   * with no trial scored — the study fails (docs/study.md "Failed trials").
   */
  maxFailedFraction: z
    .number()
    .min(0, 'must be a share of the trials between 0 and 1 (e.g. 0.5)')
    .max(1, 'must be a share of the trials between 0 and 1 (e.g. 0.5)')
    .default(0.5),
  /** Order-entry / cancel latency of the simulated venue, ms. */
  entryLatencyMs: z.number().min(0).max(10_000).default(5),
  cancelLatencyMs: z.number().min(0).max(10_000).default(5),
});
export type StudyStepInput = z.infer<typeof studyStepInputSchema>;

/** `uses: train-alpha` — the ONNX alpha model (features → mid move over the horizon). */
export const trainAlphaStepInputSchema = z.strictObject({
  windows,
  /** Horizon of the predicted mid move, ms. */
  horizonMs: z.int().min(100).max(600_000),
  seed: z
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  /** Hidden tanh units (0 = linear model; default 16). */
  hidden: z.int().min(0).max(256).optional(),
  /** Most training epochs (default 200). */
  epochs: z.int().min(1).max(10_000).optional(),
  /** Model parameters whose signal settings produce the features (default the V1.5 defaults). */
  params: z.record(z.string(), z.unknown()).optional(),
});
export type TrainAlphaStepInput = z.infer<typeof trainAlphaStepInputSchema>;

/**
 * `uses: evaluate-model` — backtest one complete model (its params with the alpha term attached) over
 * windows, as the study evaluates a trial: e.g. the candidate on the study's holdout, with k refitted
 * on the study's search windows. Its `params` output is what the registration step should register.
 */
export const evaluateModelStepInputSchema = z.strictObject({
  windows,
  /** The model parameters (e.g. the study's `bestParams`). */
  params: z.record(z.string(), z.unknown()),
  /** The ONNX alpha term to attach (the training step's artifact and how much of it to apply). */
  alpha: AlphaParamsSchema.optional(),
  /** Scores the KPIs (value, feasibility), e.g. the study's objective. */
  objective: ObjectiveSchema.optional(),
  /** Windows k is refitted on first (e.g. the study's `searchWindows`); absent: k as given. */
  refitKPerTickOn: z.array(sessionWindowSchema).optional(),
  /** Order-entry / cancel latency of the simulated venue, ms. */
  entryLatencyMs: z.number().min(0).max(10_000).default(5),
  cancelLatencyMs: z.number().min(0).max(10_000).default(5),
});
export type EvaluateModelStepInput = z.infer<typeof evaluateModelStepInputSchema>;

/** `uses: register-model` — a candidate model version with artifact, metrics and lineage. */
export const registerModelStepInputSchema = z.strictObject({
  name: modelName,
  /** The model parameters (e.g. the study's `bestParams`). */
  params: z.record(z.string(), z.unknown()),
  /** The version these were derived from. */
  parent: modelVersionId.optional(),
  /** The ONNX alpha term (the training step's artifact and how much of it to apply). */
  alpha: AlphaParamsSchema.optional(),
  /** Figures the version was chosen on: `{ inSample, outOfSample, … }`. */
  metrics: z.record(z.string(), z.unknown()),
  /** Where it came from; the workflow id of the pipeline run is added. */
  lineage: z.strictObject({
    datasetDigests: z.record(z.string(), z.string()).default({}),
    dataQualityGateId: z.string().min(1).optional(),
    calibrationId: z.string().min(1).optional(),
    studyId: z.string().min(1).optional(),
    trainingId: z.string().min(1).optional(),
  }),
});
export type RegisterModelStepInput = z.infer<typeof registerModelStepInputSchema>;

const windowType = T.object({ sessionId: T.string, startUs: T.number, endUs: T.number });

/** Declared outputs of the retraining step types. */
export const retrainStepOutputs = {
  'data-quality-gate': {
    gateId: T.string,
    windows: T.number,
    includedCount: T.number,
    excludedCount: T.number,
    included: T.array(windowType),
    /** sessionId → sha256 of its files. */
    datasetDigests: T.unknown,
  },
  calibrate: {
    calibrationId: T.string,
    baseModel: T.string,
    kPerTick: T.number,
    aPerSec: T.number,
    r2: T.number,
    sigmaTicksPerSqrtSec: T.number,
    /** The base model's parameters with the calibrated values. */
    params: T.unknown,
  },
  study: {
    studyId: T.string,
    trials: T.number,
    complete: T.number,
    pruned: T.number,
    failed: T.number,
    infeasible: T.number,
    bestTrial: T.nullable(T.number),
    bestValue: T.nullable(T.number),
    /** The best trial's full model parameters, or null when no trial was feasible. */
    bestParams: T.unknown,
    outOfSampleValue: T.nullable(T.number),
    inSample: T.unknown,
    outOfSample: T.unknown,
    /** The windows the best trial was re-evaluated on (never seen by the search), time order. */
    holdout: T.array(windowType),
    /** Every window of the folds (train and validation), time order: what precedes the holdout. */
    searchWindows: T.array(windowType),
  },
  'train-alpha': {
    trainingId: T.string,
    artifactPath: T.string,
    sha256: T.string,
    horizonMs: T.number,
    datasetDigest: T.string,
    valR2: T.number,
    valHitRatio: T.number,
    parityMaxAbsDiff: T.number,
    metrics: T.unknown,
  },
  'evaluate-model': {
    evaluationId: T.string,
    /** The complete model parameters evaluated (alpha attached, k as given): register these. */
    params: T.unknown,
    windows: T.number,
    /** KPIs combined over the windows' spans. */
    kpis: T.unknown,
    netPnlQuote: T.number,
    value: T.nullable(T.number),
    feasible: T.nullable(T.boolean),
    refittedKPerTick: T.nullable(T.number),
  },
  'register-model': {
    modelVersionId: T.string,
    name: T.string,
    version: T.number,
    status: T.string,
    model: T.string,
    alphaSha256: T.nullable(T.string),
  },
} as const;

/** TypeScript shapes of those outputs (kept in step with `retrainStepOutputs` by a test). */
export type DataQualityGateStepOutputs = {
  readonly gateId: string;
  readonly windows: number;
  readonly includedCount: number;
  readonly excludedCount: number;
  readonly included: readonly {
    readonly sessionId: string;
    readonly startUs: number;
    readonly endUs: number;
  }[];
  readonly datasetDigests: { readonly [sessionId: string]: string };
};
