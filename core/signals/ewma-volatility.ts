/**
 * EWMA volatility of the mid price, seed 004 §3.2 ("σ_t: EWMA 100 observations").
 *
 * The mid is sampled on a fixed calendar grid (every `sampleIntervalMs`, aligned to multiples of the
 * interval since the Unix epoch) with the previous-tick rule: the mid at grid time g is the last sample
 * with time ≤ g. Each grid step gives one observation of the variance rate
 *   v_i = r_i² / Δt_i,   r_i = ln(mid(g_i) / mid(g_{i−1})),   Δt_i = g_i − g_{i−1} in seconds,
 * and the estimate is the exponentially weighted moving average
 *   V_i = α·v_i + (1 − α)·V_{i−1},   α = 2/(N + 1),   V_1 = v_1 (seeded with the first observation).
 * Grid points with no sample in between are folded into one observation whose Δt spans them all.
 *
 * σ_log = √V is in log-units per √second. The quoting model works in ticks
 * (docs/adr/0002-quoting-model-units.md), so σ_ticks = σ_log · mid_ticks (current mid), since for
 * dS = σ_ticks dW, d ln S ≈ dS / S.
 *
 * Why a calendar grid rather than one observation per book event: book events cluster when the price
 * moves, so per-event r²/Δt is dominated by tiny Δt around moves. On the recorded spot BTCUSDT session of
 * 2024-08-08 (bookTicker mids), a per-event EWMA(100) had a median of ≈10,100 ticks/√s against a realised
 * σ over the session of ≈470–770 ticks/√s (10 ms–1 s grids), while this estimator on the 100 ms grid has
 * a median of ≈570 ticks/√s (medians over bookTicker events).
 *
 * Hot path: `update` does a few float operations and no allocation; the σ getters do one multiplication
 * (the square root is taken once per grid observation, not per read).
 */

/** Construction options for {@link EwmaVolatility}. */
export interface EwmaVolatilityOptions {
  /** EWMA span N in observations (α = 2/(N+1)); seed 004 §3.2 uses 100. Integer ≥ 1. */
  readonly observations: number;
  /** Calendar sampling interval of the mid, ms. Integer ≥ 1. Default 100 (the spot depth cadence). */
  readonly sampleIntervalMs?: number;
  /**
   * Observations needed before an estimate is reported (the σ getters return undefined before).
   * Default: `observations` (one full span, i.e. N·sampleIntervalMs of market time). Integer ≥ 1.
   */
  readonly warmupObservations?: number;
}

/**
 * Exponentially weighted variance-rate estimator over grid-sampled mid log-returns, reporting σ in
 * log-units and in ticks per √second.
 *
 * Sample handling in {@link EwmaVolatility.update}:
 * - non-finite or non-positive mids, and non-finite times, are ignored (an empty book has no mid);
 * - a sample older than the last accepted one is ignored (time never goes backwards);
 * - several samples at the same time: the last one wins.
 * The first observation needs the series to cross two grid points (the first fixes the reference mid).
 */
export class EwmaVolatility {
  private readonly alpha: number;
  private readonly intervalUs: number;
  private readonly warmup: number;
  private started = false;
  private lastMidTicks = 0;
  private lastTimeUs = 0;
  /** First grid point not yet crossed, µs. */
  private nextGridUs = 0;
  private haveGridMid = false;
  private gridMidTicks = 0;
  private gridTimeUs = 0;
  private varianceRate = 0;
  /** √varianceRate, refreshed with each observation (σ is read on every event, observed once per grid step). */
  private sigmaLog = 0;
  private count = 0;

  /**
   * @param options span N (observations), sampling interval and warm-up; see {@link EwmaVolatilityOptions}.
   * @throws RangeError when an option is not an integer ≥ 1.
   */
  constructor(options: EwmaVolatilityOptions) {
    const { observations } = options;
    const sampleIntervalMs = options.sampleIntervalMs ?? 100;
    const warmup = options.warmupObservations ?? observations;
    requireCount('observations', observations);
    requireCount('sampleIntervalMs', sampleIntervalMs);
    requireCount('warmupObservations', warmup);
    this.alpha = 2 / (observations + 1);
    this.intervalUs = sampleIntervalMs * 1000;
    this.warmup = warmup;
  }

  /** Number of variance observations (grid returns) folded into the estimate so far. */
  get observations(): number {
    return this.count;
  }

  /**
   * Feeds one mid sample.
   * @param midTicks mid price in ticks (may be fractional, e.g. x.5); ignored unless finite and > 0.
   * @param timeUs sample time, Unix epoch µs (injected, never the wall clock); ignored if earlier than
   *   the last accepted sample.
   */
  update(midTicks: number, timeUs: number): void {
    if (!(midTicks > 0) || !Number.isFinite(midTicks) || !Number.isFinite(timeUs)) return;
    if (!this.started) {
      this.started = true;
      this.nextGridUs = (Math.floor(timeUs / this.intervalUs) + 1) * this.intervalUs;
    } else if (timeUs < this.lastTimeUs) {
      return;
    } else if (timeUs > this.nextGridUs) {
      // Grid points in [nextGridUs, timeUs) all see the previous sample (previous-tick rule).
      const crossed = Math.ceil((timeUs - this.nextGridUs) / this.intervalUs);
      const gridUs = this.nextGridUs + (crossed - 1) * this.intervalUs;
      if (this.haveGridMid) this.observe(this.lastMidTicks, gridUs);
      this.haveGridMid = true;
      this.gridMidTicks = this.lastMidTicks;
      this.gridTimeUs = gridUs;
      this.nextGridUs = gridUs + this.intervalUs;
    }
    this.lastMidTicks = midTicks;
    this.lastTimeUs = timeUs;
  }

  /** σ of ln(mid), per √second; undefined until `warmupObservations` grid returns were seen. */
  sigmaLogPerSqrtSec(): number | undefined {
    return this.count >= this.warmup ? this.sigmaLog : undefined;
  }

  /**
   * σ of the mid in ticks per √second: σ_log · (latest accepted mid, ticks). Undefined until
   * `warmupObservations` grid returns were seen.
   */
  sigmaTicksPerSqrtSec(): number | undefined {
    return this.count >= this.warmup ? this.sigmaLog * this.lastMidTicks : undefined;
  }

  private observe(midTicks: number, gridUs: number): void {
    const r = Math.log(midTicks / this.gridMidTicks);
    const v = (r * r) / ((gridUs - this.gridTimeUs) / 1e6);
    this.varianceRate = this.count === 0 ? v : this.alpha * v + (1 - this.alpha) * this.varianceRate;
    this.sigmaLog = Math.sqrt(this.varianceRate);
    this.count += 1;
  }
}

function requireCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`EwmaVolatility: ${name} must be an integer >= 1, got ${value}`);
  }
}
