/**
 * Depth imbalance (DI), seed 004 §4.2–4.3:
 *   1. DI_raw = (depth_bid − depth_ask) / (depth_bid + depth_ask), depths summed over levels L1–L5
 *      (the caller sums; `diLevels` in the model params says how many);
 *   2. z-score of DI_raw against an exponentially weighted running mean and variance;
 *   3. clamp of z to ±clampSigma (seed: ±3σ);
 *   4. EMA of the clamped z over `smoothingObservations` observations (seed: 3), α_s = 2/(n+1).
 * The output is in z units (dimensionless, within ±clampSigma).
 *
 * Running statistics: exponentially weighted mean and variance with α_z = 2/(N+1) over N =
 * `zScoreObservations`, updated incrementally (T. Finch 2009, "Incremental calculation of weighted mean
 * and variance", section "Exponentially weighted mean and variance"):
 *   d = x − μ;  μ ← μ + α_z·d;  s² ← (1 − α_z)·(s² + α_z·d²).
 * The z-score of an observation uses the statistics from BEFORE that observation (an out-of-sample
 * standardisation, so one outlier does not damp its own score); z = 0 while the variance is still 0
 * (first observations, or a constant DI_raw).
 *
 * Hot path: a few float operations, no allocation.
 */

/** Construction options for {@link DepthImbalance}; all optional. */
export interface DepthImbalanceOptions {
  /** Span N of the EW mean/variance used for the z-score, observations. Integer ≥ 1; default 100. */
  readonly zScoreObservations?: number;
  /** Clamp bound of the z-score, in standard deviations (> 0); default 3 (seed §4.2). */
  readonly clampSigma?: number;
  /** Span of the final EMA, observations. Integer ≥ 1; default 3 (seed §4.2). */
  readonly smoothingObservations?: number;
}

/** Filtered L1–L5 depth imbalance: raw ratio → z-score → clamp → EMA. */
export class DepthImbalance {
  private readonly alphaZ: number;
  private readonly alphaSmooth: number;
  private readonly clampSigma: number;
  private mean = 0;
  private variance = 0;
  private count = 0;
  private rawValue = 0;
  private z = 0;
  private filtered = 0;

  /**
   * @param options see {@link DepthImbalanceOptions}.
   * @throws RangeError on a span that is not an integer ≥ 1 or a clamp that is not finite and > 0.
   */
  constructor(options: DepthImbalanceOptions = {}) {
    const zObs = options.zScoreObservations ?? 100;
    const smoothObs = options.smoothingObservations ?? 3;
    const clamp = options.clampSigma ?? 3;
    requireCount('zScoreObservations', zObs);
    requireCount('smoothingObservations', smoothObs);
    if (!(clamp > 0) || !Number.isFinite(clamp)) {
      throw new RangeError(`DepthImbalance: clampSigma must be finite and > 0, got ${clamp}`);
    }
    this.alphaZ = 2 / (zObs + 1);
    this.alphaSmooth = 2 / (smoothObs + 1);
    this.clampSigma = clamp;
  }

  /** Latest DI_raw in [−1, 1]; 0 before the first update. */
  get raw(): number {
    return this.rawValue;
  }

  /** Latest clamped z-score of DI_raw, within ±clampSigma; 0 before the first update. */
  get zScore(): number {
    return this.z;
  }

  /** Latest filtered DI (EMA of the clamped z-score); 0 before the first update. */
  get value(): number {
    return this.filtered;
  }

  /** Number of depth observations folded in. */
  get observations(): number {
    return this.count;
  }

  /**
   * Folds in one depth observation.
   * @param bidDepthLots summed bid size over the top levels, lots (≥ 0).
   * @param askDepthLots summed ask size over the top levels, lots (≥ 0).
   * @returns the filtered DI (same as `value`). When both depths are 0 (empty book) the observation is
   *   skipped and the previous value returned.
   * @throws RangeError if a depth is negative or not finite.
   */
  update(bidDepthLots: number, askDepthLots: number): number {
    if (!(bidDepthLots >= 0) || !(askDepthLots >= 0) || !Number.isFinite(bidDepthLots + askDepthLots)) {
      throw new RangeError(
        `DepthImbalance: depths must be finite and >= 0, got ${bidDepthLots}/${askDepthLots}`,
      );
    }
    const total = bidDepthLots + askDepthLots;
    if (total === 0) return this.filtered;
    const x = (bidDepthLots - askDepthLots) / total;
    this.rawValue = x;

    let z = 0;
    if (this.count > 0 && this.variance > 0) {
      z = (x - this.mean) / Math.sqrt(this.variance);
      if (z > this.clampSigma) z = this.clampSigma;
      else if (z < -this.clampSigma) z = -this.clampSigma;
    }
    this.z = z;

    if (this.count === 0) {
      this.mean = x;
      this.filtered = z;
    } else {
      const d = x - this.mean;
      this.mean += this.alphaZ * d;
      this.variance = (1 - this.alphaZ) * (this.variance + this.alphaZ * d * d);
      this.filtered += this.alphaSmooth * (z - this.filtered);
    }
    this.count += 1;
    return this.filtered;
  }
}

function requireCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`DepthImbalance: ${name} must be an integer >= 1, got ${value}`);
  }
}
