/**
 * The compiled form of a pipeline (contract between the compiler in pipeline-dsl/ and the interpreter
 * workflow in workflows/). JSON-serialisable: it is the workflow's input and memo, so the workflow
 * history records exactly what ran. Durations are integers in ms. Expressions are kept as source text
 * and evaluated by the deterministic evaluator in pipeline-dsl/expr/ inside the workflow.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/**
 * A step input template: JSON where any string of the exact form `${{ <expr> }}` is replaced by the
 * expression's value (keeping its type), and `${{ … }}` inside a longer string is interpolated as text.
 */
export type Template = Json;

/** Declared parameter of a pipeline. */
export interface ParamSpec {
  readonly type: 'string' | 'number' | 'integer' | 'boolean' | 'string[]' | 'number[]';
  /** Default used when the run does not set the parameter; absent = required. */
  readonly default?: Json;
  readonly description?: string;
}

/** Temporal Schedule policy (mirrors @temporalio/client's ScheduleOverlapPolicy names, lower-kebab). */
export type OverlapPolicy =
  'skip' | 'buffer-one' | 'buffer-all' | 'cancel-other' | 'terminate-other' | 'allow-all';

export interface ScheduleSpec {
  /** Cron expressions (5 fields, UTC unless `timezone`), validated at compile time. */
  readonly cron: readonly string[];
  readonly timezone: string;
  readonly overlap: OverlapPolicy;
  /** How far back missed runs are caught up after downtime, ms. */
  readonly catchupWindowMs: number;
  readonly pauseOnFailure: boolean;
  /** Random delay added to each action time, ms. */
  readonly jitterMs: number;
  /** Created paused. */
  readonly paused: boolean;
  /** Parameter values the scheduled runs use (over the defaults). */
  readonly params: { readonly [name: string]: Json };
}

export interface RetrySpec {
  /** Total attempts including the first (1 = no retry). */
  readonly maximumAttempts: number;
  readonly initialIntervalMs: number;
  readonly backoffCoefficient: number;
  readonly maximumIntervalMs: number;
}

/** What an `approve` step does when nobody decides before its deadline. */
export type OnTimeout = 'approve' | 'reject' | 'fail';

/** Step kinds the interpreter knows (exhaustive switch in the workflow; never dispatched by string lookup). */
export type PlanStepKind =
  /** A built-in child workflow: `ingest`, `backtest` (later `retrain`, `promote`). */
  | 'workflow'
  /** A registered activity, e.g. `validate-market-data`. */
  | 'activity'
  /** Durable timer. */
  | 'wait'
  /** Human gate: waits for an approve/reject Update with approver identity and reason. */
  | 'approve';

export interface PlanStep {
  readonly id: string;
  /** The `uses:` value as written (e.g. `backtest`, `validate-market-data`, `wait`, `approve`). */
  readonly uses: string;
  readonly kind: PlanStepKind;
  /** Steps that must complete (or be skipped) first. */
  readonly needs: readonly string[];
  /** Condition (expression source) over `params` and `steps.<id>.outputs`; absent = always. False → skipped. */
  readonly when?: string;
  /** Fan-out: expression yielding an array; the step runs once per element with `item` bound to it. */
  readonly forEach?: string;
  /** Input template, validated against the step type's schema after evaluation. */
  readonly with: Template;
  readonly retry?: RetrySpec;
  /** Start-to-close timeout of the step (its activity or child workflow run), ms. */
  readonly timeoutMs?: number;
  /**
   * Heartbeat timeout of an `activity` step's activity, ms; absent = the step type's default
   * (pipeline-dsl/steps.ts `stepActivityDefaults`).
   */
  readonly heartbeatTimeoutMs?: number;
}

export interface CompiledPipeline {
  readonly apiVersion: 'mmflow/v1';
  readonly name: string;
  readonly description: string | undefined;
  readonly labels: { readonly [key: string]: string };
  /** Source file as given to the compiler. */
  readonly file: string;
  /** sha256 hex of the canonical JSON of everything below (not of file/comments). */
  readonly contentHash: string;
  readonly params: { readonly [name: string]: ParamSpec };
  readonly schedule: ScheduleSpec | undefined;
  /** Max steps running at once (default 4). */
  readonly concurrency: number;
  /** Steps in a topological order of `needs`, declaration order among independent ones. */
  readonly steps: readonly PlanStep[];
}
