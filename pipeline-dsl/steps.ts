/**
 * Step types a pipeline may use: for each, its kind (how the interpreter runs it), the schema of its
 * `with:` as written in the file, the schema of the plan's `with` after `${{ }}` rendering (what the
 * interpreter validates before running the step), and the outputs it produces (checked at compile time
 * when another step refers to `steps.<id>.outputs.<name>`). Pure: usable inside the workflow bundle.
 */
import { z } from 'zod';
import type { PlanStepKind } from './plan-types.ts';
import { durationField } from './duration.ts';
import { T, type ValueType } from './expr/types.ts';
import {
  calibrateStepInputSchema,
  dataQualityGateStepInputSchema,
  evaluateModelStepInputSchema,
  registerModelStepInputSchema,
  retrainStepOutputs,
  sessionPrefix,
  studyStepInputSchema,
  trainAlphaStepInputSchema,
} from './retrain-steps.ts';
import {
  abTestStepInputSchema,
  canaryStepInputSchema,
  holdoutGateStepInputSchema,
  promoteStepInputSchema,
  promotionStepOutputs,
  rollbackStepInputSchema,
} from './promotion-steps.ts';

const venue = z.enum(['binance-spot', 'binance-usdm']);
const symbol = z.string().regex(/^[A-Z0-9]{2,20}$/, 'expected an exchange symbol such as BTCUSDT');
const klineInterval = z.enum(['1m', '5m', '15m', '1h', '4h', '1d']);
/** A path relative to the data directory (MMFLOW_DATA_DIR); no absolute paths, no `..`. */
const dataFile = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.split('/').includes('..'),
    'must be a path relative to the data directory, without ".."',
  );
const epochMs = z.int().min(0);

/** One recorded input to ingest. */
export const ingestSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('klines'), file: dataFile, venue, symbol, interval: klineInterval }),
  z.strictObject({ kind: z.literal('trades'), file: dataFile, venue, symbol }),
]);
export type IngestSource = z.infer<typeof ingestSourceSchema>;

/** `uses: ingest` — load recorded klines/trades into PostgreSQL in batches (idempotent). */
export const ingestStepInputSchema = z.strictObject({
  sources: z.array(ingestSourceSchema).min(1),
  /** Rows per INSERT batch and per heartbeat. */
  batchSize: z.int().min(100).max(50_000).default(5_000),
});
export type IngestStepInput = z.infer<typeof ingestStepInputSchema>;

/** `uses: backtest` — replay one recorded session with a registered model version; KPIs go to PostgreSQL. */
export const backtestStepInputSchema = z.strictObject({
  /** Recorded session prefix, e.g. `binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z`. */
  session: sessionPrefix,
  /** Model version id in the registry, e.g. `as-v1-alpha-btcusdt@1`. */
  model: z.string().min(1),
  /** Order-entry latency in ms (exchange time). */
  entryLatencyMs: z.number().min(0).max(10_000).default(5),
  /** Cancel latency in ms. */
  cancelLatencyMs: z.number().min(0).max(10_000).default(5),
  /**
   * Fee tier of the session's venue the fills are charged at (config/instruments.json: `regular`,
   * `vip1`…`vip9`, `mm1`…); absent = the venue's default tier. An unknown name fails the step
   * (non-retryably, `UNKNOWN_FEE_TIER` listing the venue's tiers).
   */
  feeTier: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'expected a fee tier name such as regular, vip9 or mm3')
    .optional(),
});
export type BacktestStepInput = z.infer<typeof backtestStepInputSchema>;

/**
 * `uses: validate-market-data` — data-quality check of what is stored for one venue, symbol and kind
 * (gaps, duplicates, impossible values such as high < low, negative volume, zero price).
 */
export const validateMarketDataStepInputSchema = z
  .strictObject({
    venue,
    symbol,
    kind: z.enum(['klines', 'trades']),
    /** Kline interval; required for klines, absent or null for trades. */
    interval: klineInterval.nullable().optional(),
    /** Only rows at or after this time, Unix epoch ms; absent = from the first row. */
    fromMs: epochMs.optional(),
    /** Only rows before this time, Unix epoch ms; absent = to the last row. */
    toMs: epochMs.optional(),
    /** Fail the step (non-retryably) when impossible values or duplicates are found. */
    failOnImpossible: z.boolean().default(true),
  })
  .superRefine((input, ctx) => {
    if (input.kind === 'klines' && (input.interval ?? null) === null)
      ctx.addIssue({ code: 'custom', path: ['interval'], message: 'klines need an interval (e.g. 1m)' });
    if (input.kind === 'trades' && (input.interval ?? null) !== null)
      ctx.addIssue({ code: 'custom', path: ['interval'], message: 'trades have no interval' });
    if (input.fromMs !== undefined && input.toMs !== undefined && input.fromMs >= input.toMs)
      ctx.addIssue({ code: 'custom', path: ['toMs'], message: 'toMs must be after fromMs' });
  });
export type ValidateMarketDataStepInput = z.infer<typeof validateMarketDataStepInputSchema>;

/** `uses: wait` as written: `with: { duration: 10m }`. */
export const waitStepSourceSchema = z.strictObject({
  duration: durationField({ missing: 'a wait step needs with.duration (e.g. 10m)' }),
});
/** `uses: wait` in the plan: a durable timer of `durationMs`. */
export const waitStepInputSchema = z.strictObject({ durationMs: z.int().min(0) });
export type WaitStepInput = z.infer<typeof waitStepInputSchema>;

const onTimeout = z.enum(['approve', 'reject', 'fail']);
const approver = z.string().min(1);

/** `uses: approve` as written: a human gate with a deadline. */
export const approveStepSourceSchema = z.strictObject({
  /** Shown to the approver (why the gate exists, what to look at). */
  message: z.string({ error: 'an approve step needs with.message (shown to the approver)' }).min(1),
  /** Deadline of the decision. */
  timeout: durationField({
    missing: 'an approve step needs with.timeout, its deadline (e.g. 24h)',
    minMs: 1_000,
    minReason: 'the approval deadline must be at least 1s',
  }),
  /** What happens at the deadline without a decision (default `fail`). */
  onTimeout: onTimeout.default('fail'),
  /** Ids of the people allowed to decide; absent = anyone. */
  approvers: z.array(approver).min(1).optional(),
});
/** `uses: approve` in the plan. */
export const approveStepInputSchema = z.strictObject({
  message: z.string().min(1),
  timeoutMs: z.int().min(1_000),
  onTimeout,
  approvers: z.array(approver).min(1).optional(),
});
export type ApproveStepInput = z.infer<typeof approveStepInputSchema>;

const backtestOutputs = {
  runId: T.string,
  modelVersionId: T.string,
  session: T.string,
  events: T.number,
  quotes: T.number,
  fills: T.number,
  netPnlQuote: T.number,
  grossBp: T.nullable(T.number),
  markout1sBp: T.nullable(T.number),
  pnlTStat: T.nullable(T.number),
  maxDrawdownQuote: T.number,
  rmsInventoryRatio: T.nullable(T.number),
  spreadCapturedPct: T.nullable(T.number),
  fillRatio: T.nullable(T.number),
  cancelRatio: T.nullable(T.number),
};

/** What the compiler and the interpreter know about one step type. */
export interface StepTypeSpec {
  readonly kind: PlanStepKind;
  readonly summary: string;
  /** `with` as written in the pipeline file (values may be `${{ }}` templates). */
  readonly source: z.ZodType;
  /** The plan's `with` once rendered: what the interpreter validates before running the step. */
  readonly input: z.ZodType;
  /** Outputs of one run of the step, by name (`steps.<id>.outputs.<name>`). */
  readonly outputs: { readonly [name: string]: ValueType };
}

/** Registered step types. The interpreter switches on `uses`; it never dispatches through this table. */
export const stepTypeSpecs = {
  ingest: {
    kind: 'workflow',
    summary: 'load recorded klines/trades files into PostgreSQL',
    source: ingestStepInputSchema,
    input: ingestStepInputSchema,
    outputs: {
      rowsRead: T.number,
      rowsInserted: T.number,
      files: T.number,
      /** Distinct datasets ingested (from the step's sources), for a forEach over them. */
      datasets: T.array(
        T.object({ venue: T.string, symbol: T.string, kind: T.string, interval: T.nullable(T.string) }),
      ),
    },
  },
  backtest: {
    kind: 'workflow',
    summary: 'replay a recorded session with a model version; KPIs to PostgreSQL',
    source: backtestStepInputSchema,
    input: backtestStepInputSchema,
    outputs: backtestOutputs,
  },
  'validate-market-data': {
    kind: 'activity',
    summary: 'data-quality report of stored klines or trades',
    source: validateMarketDataStepInputSchema,
    input: validateMarketDataStepInputSchema,
    outputs: {
      rowsChecked: T.number,
      gaps: T.number,
      duplicates: T.number,
      impossible: T.number,
      reportId: T.string,
    },
  },
  wait: {
    kind: 'wait',
    summary: 'durable timer',
    source: waitStepSourceSchema,
    input: waitStepInputSchema,
    outputs: {},
  },
  approve: {
    kind: 'approve',
    summary: 'wait for a human approve/reject with approver and reason, until a deadline',
    source: approveStepSourceSchema,
    input: approveStepInputSchema,
    outputs: { decision: T.string, approver: T.string, reason: T.string },
  },
  'data-quality-gate': {
    kind: 'activity',
    summary:
      'grade recorded session windows (gaps, resyncs, crossed books, missing trades); keep the clean ones',
    source: dataQualityGateStepInputSchema,
    input: dataQualityGateStepInputSchema,
    outputs: retrainStepOutputs['data-quality-gate'],
  },
  calibrate: {
    kind: 'activity',
    summary: 'calibrate σ and the fill intensity λ(δ)=A·e^(−kδ) of a model version over windows',
    source: calibrateStepInputSchema,
    input: calibrateStepInputSchema,
    outputs: retrainStepOutputs.calibrate,
  },
  study: {
    kind: 'workflow',
    summary:
      'parameter search (TPE/random/grid, pruners) over walk-forward backtests, best trial re-evaluated out of sample',
    source: studyStepInputSchema,
    input: studyStepInputSchema,
    outputs: retrainStepOutputs.study,
  },
  'train-alpha': {
    kind: 'activity',
    summary: 'train the ONNX alpha model (mid move from book features) and check ONNX Runtime parity',
    source: trainAlphaStepInputSchema,
    input: trainAlphaStepInputSchema,
    outputs: retrainStepOutputs['train-alpha'],
  },
  'evaluate-model': {
    kind: 'activity',
    summary:
      'backtest one complete model (params + alpha) over windows, e.g. the candidate on the study holdout',
    source: evaluateModelStepInputSchema,
    input: evaluateModelStepInputSchema,
    outputs: retrainStepOutputs['evaluate-model'],
  },
  'register-model': {
    kind: 'activity',
    summary: 'register a candidate model version with its artifact, metrics and lineage',
    source: registerModelStepInputSchema,
    input: registerModelStepInputSchema,
    outputs: retrainStepOutputs['register-model'],
  },
  'holdout-gate': {
    kind: 'activity',
    summary: 'backtest candidate and champion on the same recorded windows; pass when not worse by a margin',
    source: holdoutGateStepInputSchema,
    input: holdoutGateStepInputSchema,
    outputs: promotionStepOutputs['holdout-gate'],
  },
  'ab-test': {
    kind: 'workflow',
    summary:
      'A/B test champion vs challenger (parallel paper slots or switchback), guardrails, declared test',
    source: abTestStepInputSchema,
    input: abTestStepInputSchema,
    outputs: promotionStepOutputs['ab-test'],
  },
  canary: {
    kind: 'workflow',
    summary: "ramp the challenger's capital through steps; sustained guardrail breach rolls back",
    source: canaryStepInputSchema,
    input: canaryStepInputSchema,
    outputs: promotionStepOutputs.canary,
  },
  rollback: {
    kind: 'workflow',
    summary: "pull the challenger's quotes, restore the (previous) champion on its slots",
    source: rollbackStepInputSchema,
    input: rollbackStepInputSchema,
    outputs: promotionStepOutputs.rollback,
  },
  promote: {
    kind: 'workflow',
    summary: 'challenger → champion (old one retired), slots re-applied; approval given or manual',
    source: promoteStepInputSchema,
    input: promoteStepInputSchema,
    outputs: promotionStepOutputs.promote,
  },
} as const satisfies Record<string, StepTypeSpec>;

export type StepType = keyof typeof stepTypeSpecs;
export const stepTypes = Object.keys(stepTypeSpecs) as StepType[];

/** True when `uses` names a registered step type. */
export function isStepType(uses: string): uses is StepType {
  return Object.hasOwn(stepTypeSpecs, uses);
}

/** Outputs of a `forEach` step: how many runs, and each run's outputs in item order. */
export function forEachOutputs(perItem: StepTypeSpec['outputs']): StepTypeSpec['outputs'] {
  return { count: T.number, items: T.array(T.object(perItem)) };
}

/** TypeScript shapes of the declared outputs (kept in step with `stepTypeSpecs` by a test; type aliases so they are Json). */
export type IngestStepOutputs = {
  readonly rowsRead: number;
  readonly rowsInserted: number;
  readonly files: number;
  readonly datasets: readonly {
    readonly venue: string;
    readonly symbol: string;
    readonly kind: string;
    readonly interval: string | null;
  }[];
};
export type BacktestStepOutputs = {
  readonly runId: string;
  readonly modelVersionId: string;
  readonly session: string;
  readonly events: number;
  readonly quotes: number;
  readonly fills: number;
  readonly netPnlQuote: number;
  /** Gross PnL before fees, bp of traded notional; null with no fill. */
  readonly grossBp: number | null;
  /** Mark-out vs the mid 1 s after each fill, bp of traded notional; null with no fill. */
  readonly markout1sBp: number | null;
  /** t-statistic of per-minute PnL (core/metrics/kpis.ts); null with < 2 minutes or flat PnL. */
  readonly pnlTStat: number | null;
  readonly maxDrawdownQuote: number;
  readonly rmsInventoryRatio: number | null;
  readonly spreadCapturedPct: number | null;
  readonly fillRatio: number | null;
  readonly cancelRatio: number | null;
};
export type ValidateMarketDataStepOutputs = {
  readonly rowsChecked: number;
  readonly gaps: number;
  readonly duplicates: number;
  readonly impossible: number;
  readonly reportId: string;
};
export type ApproveStepOutputs = {
  /** A passed deadline decides as `onTimeout` says (approver `system:timeout`) or fails the step. */
  readonly decision: 'approved' | 'rejected';
  readonly approver: string;
  readonly reason: string;
};

/** Timeouts of the activity of an `activity` step, ms (STYLE §8: every proxy has explicit ones). */
export interface StepActivityTimeouts {
  /** Start-to-close of one attempt; a step's `timeout:` overrides it. */
  readonly startToCloseMs: number;
  /**
   * Longest silence between two heartbeats before Temporal retries the attempt elsewhere (a crashed
   * worker is noticed after this, not after the start-to-close); a step's `heartbeatTimeout:`
   * overrides it. Absent for short activities, bounded by their short start-to-close instead. It must
   * exceed the longest synchronous stretch of the activity (heartbeats cannot be sent while the event
   * loop is blocked): the step activities heartbeat every few seconds while awaiting
   * (activities/heartbeat.ts) and between sessions or spans.
   */
  readonly heartbeatTimeoutMs?: number;
}

/** Step types of kind `activity`. */
export type ActivityStepType = {
  [K in StepType]: (typeof stepTypeSpecs)[K]['kind'] extends 'activity' ? K : never;
}[StepType];

/** True when `uses` names a step type of kind `activity`. */
export function isActivityStepType(uses: string): uses is ActivityStepType {
  return isStepType(uses) && stepTypeSpecs[uses].kind === 'activity';
}

/**
 * Timeouts of each activity step type: the one place they are set (the interpreter reads them in
 * workflows/pipeline/activity-options.ts). Retries: {@link STEP_RETRY_DEFAULT}.
 */
export const stepActivityDefaults: { readonly [K in ActivityStepType]: StepActivityTimeouts } = {
  'validate-market-data': { startToCloseMs: 10 * 60_000, heartbeatTimeoutMs: 30_000 },
  'data-quality-gate': { startToCloseMs: 10 * 60_000, heartbeatTimeoutMs: 30_000 },
  calibrate: { startToCloseMs: 10 * 60_000, heartbeatTimeoutMs: 30_000 },
  // Training (trainAlphaNet) is one synchronous stretch of up to tens of seconds: no heartbeat then.
  'train-alpha': { startToCloseMs: 60 * 60_000, heartbeatTimeoutMs: 60_000 },
  'evaluate-model': { startToCloseMs: 30 * 60_000, heartbeatTimeoutMs: 30_000 },
  // A few statements and one artifact copy: seconds. A lost worker is noticed after 1 min.
  'register-model': { startToCloseMs: 60_000 },
  // Two backtests over the windows, heartbeating between sessions.
  'holdout-gate': { startToCloseMs: 30 * 60_000, heartbeatTimeoutMs: 60_000 },
};

/**
 * Retry policy of step activities (and of the ingest/backtest child workflows' activities) when a step
 * sets no `retry:`. A TransientError (database restart, connection refused, network) is retried with
 * backoff 1 s, 2 s, 4 s … capped at 30 s: 10 attempts span about 2.5 min of waits, so a PostgreSQL
 * restart of a minute or two is ridden out. Permanent errors are never retried (non-retryable
 * ApplicationFailures, activities/failures.ts).
 */
export const STEP_RETRY_DEFAULT = {
  maximumAttempts: 10,
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
} as const;
