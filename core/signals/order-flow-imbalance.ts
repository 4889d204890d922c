/**
 * Trade-flow imbalance over a trailing time window, the "OFI" of seed 004 §2.2 and glossary §7:
 *   OFI_t(Δ) = (Σ buy-aggressor volume − Σ sell-aggressor volume) / (Σ buy + Σ sell)
 * over the trades with time in (t − Δ, t]. Dimensionless, in [−1, 1]; 0 when the window holds no trade.
 *
 * Note: Cont, Kukanov & Stoikov (2014), "The price impact of order book events" (J. Financial
 * Econometrics 12(1)), define OFI from changes of the best bid/ask queues (book events), not from
 * trades. This is the seed's trade-flow variant, hence the class name.
 *
 * The aggressor side comes from Binance `m` (mapped in core/market-events.ts `Trade.aggressor`).
 *
 * Storage is a FIFO ring buffer of (time, signed size) that doubles its capacity when full, so after
 * warm-up there is no per-trade allocation. Running sums are kept in integer lots (exact in float64 up
 * to 2^53), so eviction never accumulates rounding error.
 */

import type { AggressorSide } from '../market-events.ts';

/** A power of two, like every later capacity (doubling), so ring indices wrap with a mask. */
const INITIAL_CAPACITY = 256;

/**
 * Trailing-window trade-flow imbalance. Times must be non-decreasing: a trade stamped earlier than the
 * newest one already held is treated as happening at the newest time (keeps the buffer ordered), and
 * `value(nowUs)` evicts for good, so a later query with an earlier `nowUs` cannot bring trades back.
 */
export class TradeFlowImbalance {
  private readonly windowUs: number;
  private timesUs: Float64Array;
  /** Signed size in lots: + buy aggressor, − sell aggressor. */
  private signedLots: Float64Array;
  private head = 0;
  private size = 0;
  private buyLots = 0;
  private sellLots = 0;
  private newestUs = -Infinity;

  /**
   * @param windowMs trailing window length Δ in ms (seed: 500–3000); integer ≥ 1.
   * @throws RangeError if `windowMs` is not an integer ≥ 1.
   */
  constructor(windowMs: number) {
    if (!Number.isSafeInteger(windowMs) || windowMs < 1) {
      throw new RangeError(`TradeFlowImbalance: windowMs must be an integer >= 1, got ${windowMs}`);
    }
    this.windowUs = windowMs * 1000;
    this.timesUs = new Float64Array(INITIAL_CAPACITY);
    this.signedLots = new Float64Array(INITIAL_CAPACITY);
  }

  /** Number of trades currently held (not yet evicted). */
  get tradeCount(): number {
    return this.size;
  }

  /**
   * Adds one public trade.
   * @param aggressor taker side: `buy` lifted the ask, `sell` hit the bid.
   * @param sizeLots trade size, integer lots > 0.
   * @param timeUs trade time, Unix epoch µs (use exchange time for market time).
   * @throws RangeError if `sizeLots` is not a positive safe integer or `timeUs` is not finite.
   */
  onTrade(aggressor: AggressorSide, sizeLots: number, timeUs: number): void {
    if (!Number.isSafeInteger(sizeLots) || sizeLots <= 0) {
      throw new RangeError(`TradeFlowImbalance: sizeLots must be a positive integer, got ${sizeLots}`);
    }
    if (!Number.isFinite(timeUs)) throw new RangeError(`TradeFlowImbalance: timeUs not finite: ${timeUs}`);
    const t = timeUs > this.newestUs ? timeUs : this.newestUs;
    this.newestUs = t;
    this.evict(t);
    if (this.size === this.timesUs.length) this.grow();
    const slot = (this.head + this.size) & (this.timesUs.length - 1);
    this.timesUs[slot] = t;
    if (aggressor === 'buy') {
      this.signedLots[slot] = sizeLots;
      this.buyLots += sizeLots;
    } else {
      this.signedLots[slot] = -sizeLots;
      this.sellLots += sizeLots;
    }
    this.size += 1;
  }

  /**
   * OFI over the trades with time in (nowUs − windowMs, nowUs].
   * @param nowUs query time, Unix epoch µs (injected clock); non-decreasing across calls.
   * @returns (buy − sell)/(buy + sell) in [−1, 1], or 0 when the window is empty.
   */
  value(nowUs: number): number {
    this.evict(nowUs);
    const total = this.buyLots + this.sellLots;
    return total === 0 ? 0 : (this.buyLots - this.sellLots) / total;
  }

  /** Drops trades with time ≤ nowUs − window. */
  private evict(nowUs: number): void {
    const cutoffUs = nowUs - this.windowUs;
    const mask = this.timesUs.length - 1;
    while (this.size > 0) {
      const t = this.timesUs[this.head] ?? Infinity;
      if (t > cutoffUs) break;
      const lots = this.signedLots[this.head] ?? 0;
      if (lots > 0) this.buyLots -= lots;
      else this.sellLots += lots;
      this.head = (this.head + 1) & mask;
      this.size -= 1;
    }
  }

  /** Doubles the ring buffer, copying the live entries to the front in FIFO order. */
  private grow(): void {
    const capacity = this.timesUs.length;
    const times = new Float64Array(capacity * 2);
    const lots = new Float64Array(capacity * 2);
    for (let i = 0; i < this.size; i += 1) {
      const from = (this.head + i) % capacity;
      times[i] = this.timesUs[from] ?? 0;
      lots[i] = this.signedLots[from] ?? 0;
    }
    this.timesUs = times;
    this.signedLots = lots;
    this.head = 0;
  }
}
