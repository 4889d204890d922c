/**
 * The objective of a parameter study, as declared in the pipeline YAML, and how a trial is scored:
 *
 * ```yaml
 * objective:
 *   metric: pnlTStat          # a KPI name (core/metrics/kpis.ts), e.g. netBp, markout1sBp
 *   direction: maximize       # or minimize
 *   aggregate: mean           # over the folds' values: mean | median | sum (default mean)
 *   constraints:              # each must hold on EVERY validation fold
 *     - { metric: rmsInventoryRatio, max: 0.4 }
 *     - { metric: fills, min: 10 }
 * ```
 *
 * Constraints follow Optuna's `constraints_func` semantics (Optuna docs, "TPESampler(constraints_func)"):
 * each constraint gives a figure c, feasible iff c ≤ 0 — here c = value − max or min − value. A fold's
 * violation is Σ max(0, c) (0 when feasible; the sum Optuna's TPE ranks infeasible trials by); a trial's
 * violation is the largest of its folds', so a trial is infeasible when any fold breaks a constraint.
 * Infeasible trials keep their value but are marked, never scored as best.
 *
 * A KPI with no value (null, e.g. the Sharpe ratio of a flat equity curve, or the RMS inventory with no
 * sample) makes the fold FAILED with the reason; it is never replaced by 0.
 *
 * Pure: no I/O.
 */
import { z } from 'zod';
import type { Kpis } from '../metrics/kpis.ts';
import { KpisSchema } from './kpis-schema.ts';
import { ModelParamsError, parseModelParams, type ModelParams } from '../quoting/model-params.ts';

/** KPI names an objective or a constraint may use: every numeric field of {@link Kpis}. */
const ObjectiveMetricSchema = KpisSchema.keyof();

/** A KPI name usable in an objective. */
export type ObjectiveMetric = z.infer<typeof ObjectiveMetricSchema>;

const finite = z.number().finite();

/** One constraint: exactly one of `max` (value ≤ max) or `min` (value ≥ min). */
export const ConstraintSchema = z
  .strictObject({
    metric: ObjectiveMetricSchema,
    max: finite.optional(),
    min: finite.optional(),
  })
  .refine((c) => (c.max === undefined) !== (c.min === undefined), {
    message: 'give exactly one of "max" or "min"',
  });

/** The objective block of a study (strict: unknown keys are errors). */
export const ObjectiveSchema = z.strictObject({
  metric: ObjectiveMetricSchema,
  direction: z.enum(['minimize', 'maximize']),
  aggregate: z.enum(['mean', 'median', 'sum']).default('mean'),
  constraints: z.array(ConstraintSchema).default([]),
});

/** A parsed objective (defaults applied). */
export type Objective = z.output<typeof ObjectiveSchema>;
/** An objective as written (aggregate and constraints optional). */
export type ObjectiveInput = z.input<typeof ObjectiveSchema>;
/** A parsed constraint. */
export type Constraint = z.output<typeof ConstraintSchema>;

/** Raised for an invalid objective block; `where` names the source. */
export class ObjectiveError extends Error {
  override readonly name = 'ObjectiveError';
  /**
   * @param where the source, e.g. `pipelines/retrain-weekly.yaml study.objective`.
   * @param issues one line per problem, `path: message`.
   */
  constructor(
    readonly where: string,
    readonly issues: readonly string[],
  ) {
    super(`${where}: invalid objective: ${issues.join('; ')}`);
  }
}

/**
 * Parses an objective block.
 * @throws ObjectiveError naming `where` and each bad field (e.g. `constraints.0: give exactly one of…`).
 */
export function parseObjective(input: unknown, where: string): Objective {
  const result = ObjectiveSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ObjectiveError(
    where,
    result.error.issues.map(
      (i) => `${i.path.length === 0 ? '(root)' : i.path.map(String).join('.')}: ${i.message}`,
    ),
  );
}

/** One constraint's figures on one fold. */
export interface ConstraintFigure {
  readonly metric: ObjectiveMetric;
  readonly bound: 'max' | 'min';
  readonly limit: number;
  /** The KPI's value; null when undefined for the fold (the fold then fails). */
  readonly value: number | null;
  /** c = value − max or min − value (feasible iff ≤ 0); null with the value. */
  readonly figure: number | null;
}

/** A fold scored by the objective: a value and its violation, or a failure with its reason. */
export type FoldScore =
  | {
      readonly ok: true;
      /** The objective KPI on the fold. */
      readonly value: number;
      /** Σ max(0, c) over the constraints (0 = feasible). */
      readonly violation: number;
      readonly constraints: readonly ConstraintFigure[];
    }
  | { readonly ok: false; readonly reason: string; readonly constraints: readonly ConstraintFigure[] };

/**
 * Scores one fold's KPIs.
 * @param label names the fold in a failure reason, e.g. `fold 1`.
 * @returns the value and violation, or `{ ok: false, reason }` when the objective KPI or a constraint's
 *   KPI is null (undefined for this fold).
 */
export function scoreFold(objective: Objective, kpis: Kpis, label: string): FoldScore {
  const constraints = objective.constraints.map((c): ConstraintFigure => {
    const value = kpis[c.metric];
    const bound = c.max !== undefined ? 'max' : 'min';
    const limit = c.max ?? c.min ?? 0;
    const figure = value === null ? null : bound === 'max' ? value - limit : limit - value;
    return { metric: c.metric, bound, limit, value, figure };
  });
  const value = kpis[objective.metric];
  if (value === null)
    return {
      ok: false,
      reason: `${label}: ${objective.metric} is undefined (${whyNull(objective.metric)})`,
      constraints,
    };
  const missing = constraints.find((c) => c.value === null);
  if (missing !== undefined)
    return {
      ok: false,
      reason: `${label}: constraint metric ${missing.metric} is undefined (${whyNull(missing.metric)})`,
      constraints,
    };
  const violation = constraints.reduce((sum, c) => sum + Math.max(0, c.figure ?? 0), 0);
  return { ok: true, value, violation, constraints };
}

function whyNull(metric: ObjectiveMetric): string {
  switch (metric) {
    case 'sharpe':
      return 'a run shorter than one day, fewer than 2 per-minute PnL increments or a flat equity curve';
    case 'pnlTStat':
      return 'fewer than 2 per-minute PnL increments or a flat equity curve';
    case 'grossBp':
    case 'netBp':
    case 'feesBp':
    case 'markout100msBp':
    case 'markout1sBp':
    case 'markout5sBp':
    case 'markout30sBp':
    case 'markout1sMicropriceBp':
    case 'spreadBp':
    case 'adverse0To1sBp':
    case 'adverse1To30sBp':
    case 'inventoryBp':
      return 'no fill: bp of a zero traded notional';
    case 'rmsInventoryRatio':
      return 'no inventory sample';
    case 'spreadCapturedPct':
    case 'spreadCapturedAtFillPct':
      return 'no fill';
    case 'fillRatio':
    case 'cancelRatio':
      return 'no quote placed';
    default:
      return 'no value';
  }
}

/** The outcome of a trial from its folds' scores (the study is told exactly this). */
export type TrialScore =
  | { readonly state: 'complete'; readonly value: number; readonly constraintViolation: number }
  | { readonly state: 'infeasible'; readonly value: number; readonly constraintViolation: number }
  | { readonly state: 'failed'; readonly reason: string };

/**
 * Aggregates fold scores into the trial's outcome: the first failed fold fails the trial; otherwise
 * value = aggregate (mean | median | sum) of the fold values and violation = the largest fold
 * violation; violation > 0 ⇒ `infeasible`, else `complete`.
 * @throws Error when `folds` is empty (a trial always has at least one fold).
 */
export function scoreTrial(objective: Objective, folds: readonly FoldScore[]): TrialScore {
  if (folds.length === 0) throw new Error('scoreTrial: a trial needs at least one fold score');
  const values: number[] = [];
  let violation = 0;
  for (const f of folds) {
    if (!f.ok) return { state: 'failed', reason: f.reason };
    values.push(f.value);
    violation = Math.max(violation, f.violation);
  }
  const value = aggregate(objective.aggregate, values);
  return violation > 0
    ? { state: 'infeasible', value, constraintViolation: violation }
    : { state: 'complete', value, constraintViolation: 0 };
}

/** mean, median (mean of the two middle values for an even count) or sum of a non-empty list. */
export function aggregate(how: Objective['aggregate'], values: readonly number[]): number {
  const sum = values.reduce((s, v) => s + v, 0);
  if (how === 'sum') return sum;
  if (how === 'mean') return sum / values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Whether `a` is a better objective value than `b` for `direction`. */
export function isBetter(direction: Objective['direction'], a: number, b: number): boolean {
  return direction === 'maximize' ? a > b : a < b;
}

/** A trial's parameter values (a trial's `params`: name → number, string or boolean). */
export type TrialParamValues = Readonly<Record<string, number | string | boolean>>;

/** Model parameters for a trial, or why the combination is invalid. */
export type TrialModelParams =
  { readonly ok: true; readonly params: ModelParams } | { readonly ok: false; readonly error: string };

/**
 * The model parameters a trial quotes with: the trial's keys override the base parameters' fields of
 * the same name (inactive conditional parameters are absent and keep the base value), then the whole
 * set is validated with `parseModelParams`.
 * @param where names the trial in the message, e.g. `study s1 trial 3`.
 * @returns `{ ok: false, error }` when a key is not a field of the base model or the combination is
 *   invalid (e.g. a negative γ): the trial then fails with that message.
 */
export function trialModelParams(
  base: ModelParams,
  trial: TrialParamValues,
  where: string,
): TrialModelParams {
  const unknown = Object.keys(trial).filter((k) => !Object.hasOwn(base, k));
  if (unknown.length > 0)
    return {
      ok: false,
      error: `${where}: ${unknown.map((k) => `"${k}"`).join(', ')} not a parameter of model ${base.model}`,
    };
  try {
    return { ok: true, params: parseModelParams({ ...base, ...trial }, where) };
  } catch (err) {
    if (err instanceof ModelParamsError) return { ok: false, error: err.message };
    throw err;
  }
}
