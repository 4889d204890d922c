/**
 * Parameter importances of a finished study, after PED-ANOVA (Watanabe, Bansal & Hutter 2023,
 * "PED-ANOVA: Efficiently Quantifying Hyperparameter Importance in Arbitrary Subspaces", IJCAI 2023;
 * the evaluator Optuna Dashboard uses, `optuna.importance.PedAnovaImportanceEvaluator`).
 *
 * Idea (paper §3): the importance of parameter d for reaching the top-γ' quantile of the objective
 * within the top-γ region is proportional to the Pearson χ² divergence between the marginal density
 * of d among the top-γ' trials (p') and among the top-γ trials (p):
 *
 *   D(p' ‖ p) = ∫ (p'(x)/p(x) − 1)² p(x) dx = ∫ p'(x)²/p(x) dx − 1.
 *
 * A parameter whose good values are spread like all its values (p' ≈ p) scores 0; one the good
 * trials concentrate on scores high. Defaults as Optuna's: γ' = 0.1 (`target_quantile`), γ = 1 (the
 * region is every trial), at least 2 top trials.
 *
 * This implementation ("PED-ANOVA-lite"): numeric parameters are mapped to [0, 1] in their sampling
 * scale (log for log params) and their densities estimated with Gaussian kernels of Scott's bandwidth
 * h = 1.059·σ̂·n^(−1/5) (Scott 1992, "Multivariate Density Estimation", eq. 6.17), floored at one grid
 * step, mixed with a uniform prior of weight 1, and evaluated on a grid of 50 cell midpoints (the
 * divergence is then a sum over the grid); categorical parameters use choice frequencies with one
 * pseudo-count per choice (the same uniform prior; Optuna's Parzen estimators add a prior of weight 1). Optuna's Parzen estimator differs in its bandwidth and prior, so
 * figures are close, not equal. Importances are normalised to sum to 1 (Optuna's `normalize=True`).
 *
 * Pure: no I/O.
 */
import type { ParamSpec, SearchSpace } from '../search/space.ts';

/** A trial as the importance evaluation needs it: params and a finite objective value. */
export interface ScoredTrial {
  readonly params: Readonly<Record<string, number | string | boolean>>;
  readonly value: number;
}

/** One parameter's importance in [0, 1]; the list sums to 1 unless every divergence is 0. */
export interface ParamImportance {
  readonly param: string;
  readonly importance: number;
  /** Unnormalised Pearson divergence D(p_top ‖ p_region). */
  readonly divergence: number;
}

/** Options (defaults: Optuna's). */
export interface ImportanceOptions {
  /** γ': the top quantile whose parameters are compared with the region's (default 0.1). */
  readonly targetQuantile?: number;
  /** Least number of top trials (default 2). */
  readonly minTopTrials?: number;
  /** Grid cells over [0, 1] for numeric parameters (default 50). */
  readonly gridSize?: number;
}

/**
 * PED-ANOVA importances of the parameters of `space` over `trials` (complete, feasible trials).
 * @param direction of the objective: the top trials are the lowest values for `minimize`.
 * @returns one entry per parameter of the space, most important first (ties: declaration order);
 *   empty when there are fewer than `minTopTrials + 1` trials (nothing to contrast).
 * @throws RangeError when `targetQuantile` is not in (0, 1] or a value is not finite.
 */
export function pedAnovaImportances(
  space: SearchSpace,
  trials: readonly ScoredTrial[],
  direction: 'minimize' | 'maximize',
  options: ImportanceOptions = {},
): ParamImportance[] {
  const quantile = options.targetQuantile ?? 0.1;
  const minTop = options.minTopTrials ?? 2;
  const grid = options.gridSize ?? 50;
  if (!(quantile > 0 && quantile <= 1))
    throw new RangeError(`targetQuantile must be in (0, 1], got ${quantile}`);
  for (const t of trials)
    if (!Number.isFinite(t.value)) throw new RangeError(`trial value ${t.value} is not finite`);
  if (trials.length < minTop + 1) return [];
  const sign = direction === 'minimize' ? 1 : -1;
  const ranked = [...trials].sort((a, b) => sign * (a.value - b.value));
  const nTop = Math.min(ranked.length, Math.max(minTop, Math.ceil(quantile * ranked.length)));
  const top = ranked.slice(0, nTop);

  const divergences = Object.entries(space).map(([param, spec]) => {
    const region = valuesOf(ranked, param);
    const best = valuesOf(top, param);
    const divergence =
      best.length === 0 || region.length === 0 ? 0 : pearsonDivergence(spec, best, region, grid);
    return { param, divergence };
  });
  const total = divergences.reduce((s, d) => s + d.divergence, 0);
  return divergences
    .map((d) => ({ ...d, importance: total > 0 ? d.divergence / total : 0 }))
    .sort((a, b) => b.importance - a.importance);
}

/** Values a parameter took (trials where it was active). */
function valuesOf(trials: readonly ScoredTrial[], param: string): (number | string | boolean)[] {
  const out: (number | string | boolean)[] = [];
  for (const t of trials) {
    const v = t.params[param];
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** D(p_top ‖ p_region) = Σ p_top² / p_region − 1 over the grid cells or categories (≥ 0). */
function pearsonDivergence(
  spec: ParamSpec,
  top: readonly (number | string | boolean)[],
  region: readonly (number | string | boolean)[],
  grid: number,
): number {
  const [p, q] =
    spec.type === 'categorical'
      ? [categorical(spec.choices, top), categorical(spec.choices, region)]
      : [gridDensity(spec, top, grid), gridDensity(spec, region, grid)];
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += (p[i]! * p[i]!) / q[i]!;
  return Math.max(0, sum - 1);
}

/** Choice frequencies with one pseudo-count per choice: (count_c + 1) / (n + C). */
export function categorical(
  choices: readonly (number | string | boolean)[],
  values: readonly (number | string | boolean)[],
): number[] {
  const counts = choices.map((c) => values.filter((v) => v === c).length + 1);
  const total = values.length + choices.length;
  return counts.map((c) => c / total);
}

/** Position of a numeric value in [0, 1] in the parameter's sampling scale. */
export function unitScale(spec: Extract<ParamSpec, { type: 'float' | 'int' }>, value: number): number {
  const u =
    spec.log === true
      ? (Math.log(value) - Math.log(spec.low)) / (Math.log(spec.high) - Math.log(spec.low))
      : (value - spec.low) / (spec.high - spec.low);
  return Math.min(1, Math.max(0, u));
}

/**
 * Gaussian-kernel density of the values on `grid` cell midpoints of [0, 1], normalised to sum to 1,
 * mixed with a uniform prior of weight 1 against the n samples: p = (n·p_kde + 1/grid)/(n + 1) — so
 * p > 0 in every cell and the divergence stays finite. Bandwidth: Scott's rule 1.059·σ̂·n^(−1/5), at
 * least one cell (1/grid).
 */
export function gridDensity(
  spec: Extract<ParamSpec, { type: 'float' | 'int' }>,
  values: readonly (number | string | boolean)[],
  grid: number,
): number[] {
  const xs = values.filter((v): v is number => typeof v === 'number').map((v) => unitScale(spec, v));
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
  const h = Math.max(1.059 * sd * n ** -0.2, 1 / grid);
  const density = Array.from({ length: grid }, (_, i) => {
    const g = (i + 0.5) / grid;
    return xs.reduce((s, x) => s + Math.exp(-0.5 * ((g - x) / h) ** 2), 0);
  });
  const total = density.reduce((s, d) => s + d, 0);
  return density.map((d) => (n * (total > 0 ? d / total : 0) + 1 / grid) / (n + 1));
}
