/**
 * The alpha model's input: one feature vector per point of a calendar grid, built from the book, the
 * signals the engine already keeps, and a short history of the mid (docs/adr/0006-quoting-model-v1-5.md
 * §Alpha). The same builder feeds the training data set (a replay's feature tap) and the live model,
 * so the two see identical features.
 *
 * Features, in this order (ALPHA_FEATURE_NAMES), all float32:
 *   ofi                    trade-flow imbalance in [−1, 1] (core/signals/order-flow-imbalance.ts)
 *   depthImbalance         filtered depth imbalance, z units (core/signals/depth-imbalance.ts)
 *   micropriceOffsetTicks  weighted mid − mid, ticks (OrderBook.micropriceTicks; Stoikov 2018 §2)
 *   spreadTicks            best ask − best bid, ticks
 *   sigmaTicksPerSqrtSec   EWMA σ of the mid, ticks/√s (core/signals/ewma-volatility.ts)
 *   return1sTicks          mid(t) − mid(t − 1 s), ticks
 *   return5sTicks          mid(t) − mid(t − 5 s), ticks
 *
 * Mid history: one value per grid point, the mid `update` was given for that point (the first call at
 * or after it; the engine calls at grid time g with the state just before the first event at or after
 * g, i.e. the state after every event with time < g, the EquitySampler's convention). Grid points
 * skipped between two calls take the later call's mid: with no event in between, the state did not
 * change. `gridMs` divides 1000, so t − 1 s and t − 5 s are grid points when t is.
 *
 * Pure; no allocation after construction.
 */

/** Feature names, in the order of the vector (the ONNX model's input columns). */
export const ALPHA_FEATURE_NAMES = [
  'ofi',
  'depthImbalance',
  'micropriceOffsetTicks',
  'spreadTicks',
  'sigmaTicksPerSqrtSec',
  'return1sTicks',
  'return5sTicks',
] as const;

/** Length of the feature vector. */
export const ALPHA_FEATURE_COUNT = 7;

/** History the features need before they are defined, ms (the 5-s return). */
export const ALPHA_WARMUP_MS = 5_000;

/** Market state at one grid point, as the builder reads it (prices in ticks, may be fractional). */
export interface AlphaFeatureInputs {
  /** Mid, ticks (finite, > 0). */
  readonly midTicks: number;
  /** Size-weighted mid, ticks. */
  readonly micropriceTicks: number;
  /** Best ask − best bid, ticks (> 0 on an uncrossed book). */
  readonly spreadTicks: number;
  /** σ, ticks/√s; undefined while the estimator warms up (no features then). */
  readonly sigmaTicksPerSqrtSec: number | undefined;
  /** Trade-flow imbalance in [−1, 1]. */
  readonly ofi: number;
  /** Filtered depth imbalance, z units. */
  readonly depthImbalance: number;
}

/** Builds the feature vector on a calendar grid; see the module doc. */
export class AlphaFeatureBuilder {
  /** Grid step, µs. */
  readonly gridUs: number;
  private readonly slots: Float64Array;
  private readonly steps1s: number;
  private readonly steps5s: number;
  /** Grid index of the first and last filled slot; NaN before any. */
  private firstIndex = Number.NaN;
  private lastIndex = Number.NaN;

  /**
   * @param opts.gridMs grid step, ms: an integer dividing 1000 (1, 2, 4, 5, 8, 10, …, 100, …, 1000).
   * @throws RangeError on another grid step.
   */
  constructor(opts: { readonly gridMs: number }) {
    const { gridMs } = opts;
    if (!Number.isSafeInteger(gridMs) || gridMs < 1 || 1000 % gridMs !== 0) {
      throw new RangeError(`AlphaFeatureBuilder: gridMs must be an integer dividing 1000, got ${gridMs}`);
    }
    this.gridUs = gridMs * 1000;
    this.steps1s = 1000 / gridMs;
    this.steps5s = ALPHA_WARMUP_MS / gridMs;
    this.slots = new Float64Array(this.steps5s + 1);
  }

  /** Forgets the mid history (after a book resync): the features are warm again 5 s later. */
  reset(): void {
    this.firstIndex = Number.NaN;
    this.lastIndex = Number.NaN;
  }

  /**
   * Records the mid of grid point floor(nowUs / grid) (and of skipped points), then writes the features
   * at `nowUs` into `out[0..7)` when they are defined.
   * @param nowUs time, Unix epoch µs (a grid time for exact returns); never earlier than the last call.
   * @param s the market state at `nowUs`.
   * @param out destination, length ≥ ALPHA_FEATURE_COUNT; left untouched when this returns false.
   * @returns false until warm: less than 5 s of history since the first call (or `reset`), or σ
   *   undefined.
   * @throws RangeError if `nowUs` is negative or goes back in grid time, the mid is not finite and > 0,
   *   or `out` is short.
   */
  update(nowUs: number, s: AlphaFeatureInputs, out: Float32Array): boolean {
    if (!(s.midTicks > 0) || !Number.isFinite(s.midTicks)) {
      throw new RangeError(`AlphaFeatureBuilder: midTicks must be finite and > 0, got ${s.midTicks}`);
    }
    if (!(nowUs >= 0) || !Number.isFinite(nowUs)) {
      throw new RangeError(`AlphaFeatureBuilder: nowUs must be finite and >= 0, got ${nowUs}`);
    }
    if (out.length < ALPHA_FEATURE_COUNT) {
      throw new RangeError(`AlphaFeatureBuilder: out has ${out.length} slots, needs ${ALPHA_FEATURE_COUNT}`);
    }
    const index = Math.floor(nowUs / this.gridUs);
    this.record(index, s.midTicks);
    const sigma = s.sigmaTicksPerSqrtSec;
    if (sigma === undefined || index - this.firstIndex < this.steps5s) return false;
    const n = this.slots.length;
    out[0] = s.ofi;
    out[1] = s.depthImbalance;
    out[2] = s.micropriceTicks - s.midTicks;
    out[3] = s.spreadTicks;
    out[4] = sigma;
    out[5] = s.midTicks - this.slots[(index - this.steps1s) % n]!;
    out[6] = s.midTicks - this.slots[(index - this.steps5s) % n]!;
    return true;
  }

  /** Fills the slots of grid points (lastIndex, index] with `midTicks` (the first value of a point wins). */
  private record(index: number, midTicks: number): void {
    const last = this.lastIndex;
    if (Number.isNaN(last)) {
      this.firstIndex = index;
    } else if (index < last) {
      throw new RangeError(`AlphaFeatureBuilder: time went back (grid ${index} after ${last})`);
    } else if (index === last) {
      return;
    }
    const n = this.slots.length;
    const from = Number.isNaN(last) ? index : Math.max(last + 1, index - n + 1);
    for (let i = from; i <= index; i++) this.slots[i % n] = midTicks;
    this.lastIndex = index;
  }
}
