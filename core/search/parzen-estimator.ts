/**
 * The Parzen estimator of TPE: a weighted mixture of product kernels, one kernel per observation plus
 * one prior kernel, over one or more parameters (Bergstra et al. 2011, "Algorithms for
 * Hyper-Parameter Optimization", NeurIPS, §4; Bergstra, Yamins & Cox 2013, ICML, for the weights).
 * The construction follows Optuna's `samplers/_tpe/parzen_estimator.py` (v4.x–5.1) exactly, with the
 * magic clip's Δ and α and explicit observation weights as parameters (Optuna's values reproduce it):
 *
 * - Mixture weights: `weights(n)` for the n observations (ordered by trial number, oldest first) and
 *   `priorWeight` for the prior, normalised; with no observation the prior alone (weight 1). Explicit
 *   observation weights (TPE's improvement weights, Watanabe 2023) replace `weights(n)`, and the prior
 *   then weighs `priorWeight` × their mean, i.e. still `priorWeight` average observations.
 * - Numeric params work in transformed space: ln for `log`, bounds widened by step/2 for stepped
 *   params. Kernel means are the observations; the prior kernel sits at the centre with σ = high − low.
 * - Bandwidths ({@link BandwidthRule}), univariate: each observation's σ is the larger gap to its
 *   sorted neighbouring observations (the bounds as outer neighbours); without `considerEndpoints`
 *   the two extreme kernels take the gap to their inner neighbour only. Multivariate (Optuna v4.x
 *   `multivariate=True`): one Scott-like σ = 0.2·max(n,1)^(−1/(d+4))·(high − low) for all kernels,
 *   d = number of params of the estimator (Optuna v5 uses the neighbour gaps there too). All then
 *   clipped to [minσ, high − low] with `considerMagicClip` (else minσ = 1e-12): the "magic clip"
 *   minσ = (high − low)·max(Δ, (n + 2)^−α), n = observations, in the form Watanabe 2023 ablates
 *   (exponent α, minimum bandwidth factor Δ). Optuna's is α = 1, Δ = 0.01, i.e. (high − low)/min(100, n + 2).
 *   (Optuna before v4.x also counted the prior mean as a neighbour.)
 * - Kernels: normal truncated to the bounds for continuous params; for stepped params the mass of the
 *   same normal over the cell [x − step/2, x + step/2] (in ln-space for log), normalised over the
 *   widened bounds; categorical: row i puts 1 on the observed choice plus priorWeight/(n+1) on every
 *   choice, renormalised (the prior row is uniform).
 *
 * Values are in "internal representation": a categorical param's choice index, a numeric param's own
 * value (not transformed). Sampling returns valid values (numeric aligned to the grid, clamped).
 */

import { logGaussMass, truncNormPpf } from './normal.ts';
import type { Xoshiro128StarStar } from '../random/xoshiro.ts';
import { alignToGrid, stepOf, type NumericSpec, type ParamSpec } from './space.ts';

/** Estimator settings (Optuna's `_ParzenEstimatorParameters`). */
export interface ParzenEstimatorParams {
  /** Weight of the prior kernel relative to an observation's (> 0). Optuna default 1. */
  readonly priorWeight: number;
  /** Floor the bandwidths at (high − low)·max(Δ, (n + 2)^−α) (the magic clip). Optuna default true. */
  readonly considerMagicClip: boolean;
  /** Δ of the magic clip: the floor never drops below this fraction of the range, in (0, 1]. Optuna: 0.01. */
  readonly minBandwidthFactor: number;
  /** α of the magic clip: how fast the floor shrinks with n (> 0). Optuna: 1. */
  readonly magicClipExponent: number;
  /** Let the extreme kernels' bandwidth reach the bounds. Optuna default false. */
  readonly considerEndpoints: boolean;
  /** Bandwidth rule: see {@link BandwidthRule}. */
  readonly bandwidth: BandwidthRule;
  /** Weights of n observations ordered oldest first (length n, non-negative, finite). */
  readonly weights: (n: number) => readonly number[];
}

/**
 * How kernel bandwidths are chosen:
 * - `neighbour`: larger gap to the sorted neighbouring observations, the bounds as outer neighbours
 *   (Optuna v4.x univariate TPE; Optuna v5 for multivariate TPE too);
 * - `scott`: one Scott-like σ = 0.2·max(n,1)^(−1/(d+4))·(high − low) (Optuna v4.x multivariate TPE).
 */
export type BandwidthRule = 'neighbour' | 'scott';

/** The numeric kernels of one param, in transformed units (ln for log params). */
export interface NumericKernels {
  readonly kind: 'numeric';
  readonly spec: NumericSpec;
  /** Kernel means, observations first, prior last. */
  readonly mus: Float64Array;
  /** Kernel bandwidths, same order. */
  readonly sigmas: Float64Array;
  /** Truncation bounds (widened by step/2 for stepped params), transformed units. */
  readonly low: number;
  readonly high: number;
  /** log of each kernel's normal mass inside [low, high]. */
  readonly logMass: Float64Array;
  /** Per kernel: −log σ − logMass − log √(2π), the constant part of a continuous kernel's log-density. */
  readonly logNorm: Float64Array;
}

/** The categorical kernels of one param: one probability row per kernel (prior row last). */
export interface CategoricalKernels {
  readonly kind: 'categorical';
  readonly nChoices: number;
  /** Row-major [kernel][choice] probabilities, each row summing to 1. */
  readonly probs: Float64Array;
}

/** Kernels of one param. */
export type ParamKernels = NumericKernels | CategoricalKernels;

const EPS = 1e-12;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SIGMA0_MAGNITUDE = 0.2;

/**
 * Optuna's `default_weights(n)`: all ones below 25 observations; beyond, the oldest n − 25 ramp
 * linearly from 1/n up to 1 (`linspace(1/n, 1, n − 25)`), the newest 25 weigh 1.
 */
export function defaultWeights(n: number): number[] {
  if (n <= 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = n - 25;
  const out: number[] = [];
  for (let i = 0; i < ramp; i++) out.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) out.push(1);
  return out;
}

/**
 * A mixture of product kernels over `specs` (the estimator's params, in order).
 * @param specs the params (all active in every observation).
 * @param observations one row per trial, oldest first; row[d] is the internal value of specs[d].
 * @param params estimator settings.
 * @param observationWeights explicit weights of the observations (same order), replacing
 *   `params.weights(n)`; the prior then weighs `priorWeight` × their mean.
 * @throws RangeError on bad weights (wrong length, negative, non-finite, zero sum), priorWeight ≤ 0,
 *   or a magic clip with Δ outside (0, 1] or α ≤ 0.
 */
export class ParzenEstimator {
  /** Normalised mixture weights, observations first, prior last (length n + 1; 1 when n = 0). */
  readonly weights: Float64Array;
  /** Kernels per param, in `specs` order. */
  readonly kernels: readonly ParamKernels[];
  private readonly logWeights: Float64Array;

  constructor(
    readonly specs: readonly ParamSpec[],
    observations: readonly (readonly number[])[],
    params: ParzenEstimatorParams,
    observationWeights?: readonly number[],
  ) {
    if (!(params.priorWeight > 0) || !Number.isFinite(params.priorWeight)) {
      throw new RangeError(`priorWeight must be a positive finite number, got ${params.priorWeight}`);
    }
    if (!(params.minBandwidthFactor > 0 && params.minBandwidthFactor <= 1)) {
      throw new RangeError(`minBandwidthFactor must be in (0, 1], got ${params.minBandwidthFactor}`);
    }
    if (!(params.magicClipExponent > 0) || !Number.isFinite(params.magicClipExponent)) {
      throw new RangeError(`magicClipExponent must be positive and finite, got ${params.magicClipExponent}`);
    }
    const n = observations.length;
    const raw = n === 0 ? [1] : mixtureWeights(n, params, observationWeights);
    const total = raw.reduce((s, w) => s + w, 0);
    this.weights = Float64Array.from(raw, (w) => w / total);
    this.logWeights = Float64Array.from(this.weights, Math.log);
    this.kernels = specs.map((spec, d) => {
      const column = observations.map((row) => row[d] ?? Number.NaN);
      return spec.type === 'categorical'
        ? categoricalKernels(spec.choices.length, column, params.priorWeight)
        : numericKernels(spec, column, params, specs.length);
    });
  }

  /** Number of mixture components (observations + prior). */
  get size(): number {
    return this.weights.length;
  }

  /**
   * Draws `count` points: a component by weight, then each param from that component's kernel.
   * @returns rows of internal values (choice index; numeric aligned to the grid, within bounds).
   */
  sample(rng: Xoshiro128StarStar, count: number): number[][] {
    const components: number[] = [];
    for (let i = 0; i < count; i++) components.push(rng.choice(this.weights));
    const rows = components.map(() => new Array<number>(this.kernels.length).fill(0));
    this.kernels.forEach((k, d) => {
      components.forEach((j, i) => {
        const row = rows[i];
        if (row !== undefined)
          row[d] = k.kind === 'categorical' ? sampleCategorical(k, j, rng) : sampleNumeric(k, j, rng);
      });
    });
    return rows;
  }

  /** log-density (log-mass for discrete params) of the mixture at one row of internal values. */
  logPdf(row: readonly number[]): number {
    const acc = Float64Array.from(this.logWeights);
    this.kernels.forEach((k, d) => addKernelLogPdf(k, row[d] ?? Number.NaN, acc));
    let max = Number.NEGATIVE_INFINITY;
    for (const v of acc) if (v > max) max = v;
    if (max === Number.NEGATIVE_INFINITY) return max;
    let sum = 0;
    for (const v of acc) sum += Math.exp(v - max);
    return max + Math.log(sum);
  }
}

/** Observation weights then the prior's (not normalised); see the class doc. */
function mixtureWeights(
  n: number,
  params: ParzenEstimatorParams,
  observationWeights: readonly number[] | undefined,
): number[] {
  if (observationWeights === undefined) return [...checkedWeights(params.weights, n), params.priorWeight];
  const w = checkedWeights(() => observationWeights, n);
  const mean = w.reduce((sum, x) => sum + x, 0) / n;
  return [...w, params.priorWeight * mean];
}

function checkedWeights(fn: (n: number) => readonly number[], n: number): readonly number[] {
  const w = fn(n);
  if (w.length !== n) throw new RangeError(`weights(${n}) returned ${w.length} values`);
  if (w.some((x) => !(x >= 0) || !Number.isFinite(x)))
    throw new RangeError(`weights(${n}) must be finite and non-negative`);
  if (n > 0 && !(w.reduce((s, x) => s + x, 0) > 0))
    throw new RangeError(`weights(${n}) must not all be zero`);
  return w;
}

function categoricalKernels(
  nChoices: number,
  column: readonly number[],
  priorWeight: number,
): CategoricalKernels {
  if (column.length === 0)
    return { kind: 'categorical', nChoices, probs: new Float64Array(nChoices).fill(1 / nChoices) };
  const nKernels = column.length + 1;
  const probs = new Float64Array(nKernels * nChoices).fill(priorWeight / nKernels);
  column.forEach((choice, i) => {
    probs[i * nChoices + choice] = (probs[i * nChoices + choice] ?? 0) + 1;
  });
  for (let j = 0; j < nKernels; j++) {
    let rowSum = 0;
    for (let c = 0; c < nChoices; c++) rowSum += probs[j * nChoices + c] ?? 0;
    for (let c = 0; c < nChoices; c++) probs[j * nChoices + c] = (probs[j * nChoices + c] ?? 0) / rowSum;
  }
  return { kind: 'categorical', nChoices, probs };
}

/** Widened, transformed bounds of a numeric param: ±step/2, then ln for log params. */
export function estimatorBounds(spec: NumericSpec): readonly [number, number] {
  const half = (stepOf(spec) ?? 0) / 2;
  const lo = spec.low - half;
  const hi = spec.high + half;
  return spec.log === true ? [Math.log(lo), Math.log(hi)] : [lo, hi];
}

function numericKernels(
  spec: NumericSpec,
  column: readonly number[],
  params: ParzenEstimatorParams,
  nParams: number,
): NumericKernels {
  const [low, high] = estimatorBounds(spec);
  const span = high - low;
  const mus = column.map((v) => (spec.log === true ? Math.log(v) : v));
  const n = mus.length;
  let sigmas: number[];
  if (params.bandwidth === 'scott') {
    sigmas = new Array<number>(n).fill(SIGMA0_MAGNITUDE * Math.max(n, 1) ** (-1 / (nParams + 4)) * span);
  } else {
    sigmas = neighbourSigmas(mus, low, high, params.considerEndpoints);
  }
  // span / min(1/Δ, (n+2)^α) = span·max(Δ, (n+2)^−α), written as a division so that Optuna's clip
  // (α = 1, Δ = 0.01) is its span / min(100, n + 2) to the last bit.
  const minSigma = params.considerMagicClip
    ? span / Math.min(1 / params.minBandwidthFactor, (n + 2) ** params.magicClipExponent)
    : EPS;
  sigmas = sigmas.map((s) => Math.min(span, Math.max(minSigma, s)));
  const allMus = Float64Array.from([...mus, 0.5 * (low + high)]);
  const allSigmas = Float64Array.from([...sigmas, span]);
  const logMass = allMus.map((mu, j) => {
    const sigma = allSigmas[j] ?? 1;
    return logGaussMass((low - mu) / sigma, (high - mu) / sigma);
  });
  const logNorm = logMass.map((m, j) => -Math.log(allSigmas[j] ?? 1) - m - LOG_SQRT_2PI);
  return { kind: 'numeric', spec, mus: allMus, sigmas: allSigmas, low, high, logMass, logNorm };
}

/** Bandwidths from the larger gap to the sorted neighbouring observations (bounds as outer neighbours). */
function neighbourSigmas(
  mus: readonly number[],
  low: number,
  high: number,
  considerEndpoints: boolean,
): number[] {
  const order = mus.map((_, i) => i).sort((a, b) => (mus[a] ?? 0) - (mus[b] ?? 0) || a - b);
  const sorted = [low, ...order.map((i) => mus[i] ?? 0), high];
  const sortedSigmas = order.map((_, k) =>
    Math.max((sorted[k + 1] ?? 0) - (sorted[k] ?? 0), (sorted[k + 2] ?? 0) - (sorted[k + 1] ?? 0)),
  );
  if (!considerEndpoints && sorted.length >= 4) {
    sortedSigmas[0] = (sorted[2] ?? 0) - (sorted[1] ?? 0);
    sortedSigmas[sortedSigmas.length - 1] =
      (sorted[sorted.length - 2] ?? 0) - (sorted[sorted.length - 3] ?? 0);
  }
  const sigmas = new Array<number>(mus.length).fill(0);
  order.forEach((original, k) => {
    sigmas[original] = sortedSigmas[k] ?? 0;
  });
  return sigmas;
}

function sampleCategorical(k: CategoricalKernels, component: number, rng: Xoshiro128StarStar): number {
  const row = k.probs.subarray(component * k.nChoices, (component + 1) * k.nChoices);
  return rng.choice(row);
}

function sampleNumeric(k: NumericKernels, component: number, rng: Xoshiro128StarStar): number {
  const mu = k.mus[component] ?? 0;
  const sigma = k.sigmas[component] ?? 1;
  const z = truncNormPpf(rng.nextOpenFloat(), (k.low - mu) / sigma, (k.high - mu) / sigma);
  const t = mu + sigma * z;
  return alignToGrid(k.spec, k.spec.log === true ? Math.exp(t) : t);
}

function addKernelLogPdf(k: ParamKernels, x: number, acc: Float64Array): void {
  if (k.kind === 'categorical') {
    for (let j = 0; j < acc.length; j++) acc[j] = (acc[j] ?? 0) + Math.log(k.probs[j * k.nChoices + x] ?? 0);
    return;
  }
  const step = stepOf(k.spec);
  if (step === undefined) {
    // truncNormLogPdf inlined with the per-kernel constant precomputed (the hot loop of TPE).
    const t = k.spec.log === true ? Math.log(x) : x;
    if (!(t >= k.low && t <= k.high)) {
      acc.fill(Number.NEGATIVE_INFINITY);
      return;
    }
    const { mus, sigmas, logNorm } = k;
    for (let j = 0; j < acc.length; j++) {
      const z = (t - (mus[j] ?? 0)) / (sigmas[j] ?? 1);
      acc[j] = (acc[j] ?? 0) - 0.5 * z * z + (logNorm[j] ?? 0);
    }
    return;
  }
  const left = k.spec.log === true ? Math.log(x - step / 2) : x - step / 2;
  const right = k.spec.log === true ? Math.log(x + step / 2) : x + step / 2;
  for (let j = 0; j < acc.length; j++) {
    const mu = k.mus[j] ?? 0;
    const sigma = k.sigmas[j] ?? 1;
    acc[j] = (acc[j] ?? 0) + logGaussMass((left - mu) / sigma, (right - mu) / sigma) - (k.logMass[j] ?? 0);
  }
}
