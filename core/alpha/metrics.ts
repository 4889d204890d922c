/**
 * Fit quality of the alpha model on labelled rows: MSE, R² and the directional hit ratio (seed 004
 * §4.8, target ≥ 60 % for the OFI + DI signals). Pure.
 */

/** Fit figures of predictions ŷ against labels y (both ticks). */
export interface FitMetrics {
  /** Mean squared error, ticks². */
  readonly mse: number;
  /**
   * Coefficient of determination 1 − Σ(y − ŷ)² / Σ(y − ȳ)², ȳ the mean of these labels (so it may be
   * negative out of sample). With constant labels (no variance): 1 if the predictions are exact,
   * else 0.
   */
  readonly r2: number;
  /**
   * Share of rows with a non-zero label whose prediction has the same sign (a zero prediction is a
   * miss); undefined when no label is non-zero.
   */
  readonly hitRatio: number | undefined;
  /** Rows with a non-zero label (the hit ratio's denominator). */
  readonly directionalRows: number;
}

/**
 * MSE, R² and hit ratio of `predicted` against `labels`.
 * @throws RangeError on empty or mismatched arrays.
 */
export function fitMetrics(predicted: Float64Array, labels: Float64Array): FitMetrics {
  const n = labels.length;
  if (n === 0 || predicted.length !== n)
    throw new RangeError(`fitMetrics needs equal non-empty arrays, got ${predicted.length} and ${n}`);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += labels[i]!;
  const mean = sum / n;
  let sse = 0;
  let sst = 0;
  let hits = 0;
  let directional = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    const p = predicted[i]!;
    sse += (y - p) * (y - p);
    sst += (y - mean) * (y - mean);
    if (y !== 0) {
      directional++;
      if ((y > 0 && p > 0) || (y < 0 && p < 0)) hits++;
    }
  }
  return {
    mse: sse / n,
    r2: sst > 0 ? 1 - sse / sst : sse === 0 ? 1 : 0,
    hitRatio: directional > 0 ? hits / directional : undefined,
    directionalRows: directional,
  };
}
