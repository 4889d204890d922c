/**
 * Mark-out of our fills at a fixed horizon h (the engine uses h = 1 s): what each fill was worth once
 * the market had moved on, measured against the mid h later,
 *
 *   markout_f = s_f · (mid(t_f + h) − price_f) · lots_f · quotePerTickLot      (quote currency)
 *   s_f = +1 for a bid fill (we bought), −1 for an ask fill (we sold)
 *
 * and the total Σ_f markout_f over the settled fills. Positive: the fills earned their spread; negative:
 * adverse selection (the price moved through us). This is the maker's side of the "realised spread" of
 * Huang & Stoll (1996), "Dealer versus auction markets: a paired comparison of execution costs on
 * NASDAQ and the NYSE", J. Financial Economics 41(3), 313–357 (the realised spread measures the trade
 * price against the quote midpoint some time after the trade: the liquidity provider's revenue net of
 * adverse selection), the quantity dealers call a "mark-out"; the sign convention is that of
 * core/metrics/spread-capture.ts (`captured_f = s_f · (mid − price)`), with the mid taken h after the fill.
 *
 * Settlement: a fill at t_f settles on the first mid observed at a time ≥ t_f + h (`onMid`), with that
 * mid (the first one the engine has once the horizon has passed; with no mid for a while it is the first
 * after the gap). A fill waits in a FIFO in arrival order, so fills reported out of time order settle
 * no earlier than those before them (a live venue's reports are in time order to within a few ms).
 * Mids may be x.5 ticks: the sum is kept exactly in tick·lots (half-integers) and converted on read.
 *
 * Hot path: `onMid` is one comparison while nothing is due; a fill takes four slots of a ring of
 * numbers that only grows (doubling) when more fills are pending at once than ever before.
 */

/** Totals of a {@link MarkoutTracker} (read-only view the engine exposes). */
export interface MarkoutTotals {
  /** Σ over settled fills of s·(mid(t+h) − price)·lots·quotePerTickLot, quote currency (0 before any). */
  readonly markoutQuote: number;
  /** Fills settled so far. */
  readonly settledFills: number;
  /** Lots of the settled fills. */
  readonly settledLots: number;
  /** Fills waiting for their horizon. */
  readonly pendingFills: number;
}

/** Slots per pending fill in the ring: sign, price (ticks), lots, due time (µs). */
const STRIDE = 4;

/** See the module doc. */
export class MarkoutTracker implements MarkoutTotals {
  private ring: Float64Array;
  /** Index (in fills) of the oldest pending fill, and how many are pending. */
  private head = 0;
  private count = 0;
  private markoutTickLots = 0;
  private settledFillsValue = 0;
  private settledLotsValue = 0;

  /**
   * @param horizonUs mark-out horizon h, µs (integer ≥ 0; the engine's is 1_000_000).
   * @param quotePerTickLot quote currency per tick·lot (core/sim/fees.ts), > 0.
   * @param initialCapacity pending fills held before the ring first grows (integer ≥ 1; default 64).
   * @throws RangeError on a negative or non-integer horizon, a non-positive quotePerTickLot or capacity.
   */
  constructor(
    readonly horizonUs: number,
    readonly quotePerTickLot: number,
    initialCapacity = 64,
  ) {
    if (!Number.isSafeInteger(horizonUs) || horizonUs < 0) {
      throw new RangeError(`MarkoutTracker: horizonUs must be an integer >= 0, got ${horizonUs}`);
    }
    if (!(quotePerTickLot > 0) || !Number.isFinite(quotePerTickLot)) {
      throw new RangeError(`MarkoutTracker: quotePerTickLot must be finite and > 0, got ${quotePerTickLot}`);
    }
    if (!Number.isSafeInteger(initialCapacity) || initialCapacity < 1) {
      throw new RangeError(`MarkoutTracker: initialCapacity must be an integer >= 1, got ${initialCapacity}`);
    }
    this.ring = new Float64Array(initialCapacity * STRIDE);
  }

  get markoutQuote(): number {
    return this.markoutTickLots * this.quotePerTickLot;
  }
  get settledFills(): number {
    return this.settledFillsValue;
  }
  get settledLots(): number {
    return this.settledLotsValue;
  }
  get pendingFills(): number {
    return this.count;
  }

  /**
   * Records one fill of ours; it settles at the first `onMid` at or after `atUs + horizonUs`.
   * @param side our order's side ('bid': we bought). @param priceTicks fill price, ticks.
   * @param lots filled lots (> 0). @param atUs fill time, µs (the clock `onMid` is given).
   */
  onFill(side: 'bid' | 'ask', priceTicks: number, lots: number, atUs: number): void {
    const capacity = this.ring.length / STRIDE;
    if (this.count === capacity) this.grow();
    const cap = this.ring.length / STRIDE;
    const at = ((this.head + this.count) % cap) * STRIDE;
    const r = this.ring;
    r[at] = side === 'bid' ? 1 : -1;
    r[at + 1] = priceTicks;
    r[at + 2] = lots;
    r[at + 3] = atUs + this.horizonUs;
    this.count++;
  }

  /**
   * A mid observed at `nowUs`: settles, with this mid, every pending fill (from the oldest) due by now.
   * @param midTicks the mid, ticks (may be x.5). @param nowUs its time, µs.
   */
  onMid(midTicks: number, nowUs: number): void {
    const r = this.ring;
    const cap = r.length / STRIDE;
    while (this.count > 0) {
      const at = this.head * STRIDE;
      if (r[at + 3]! > nowUs) return;
      const lots = r[at + 2]!;
      this.markoutTickLots += r[at]! * (midTicks - r[at + 1]!) * lots;
      this.settledFillsValue++;
      this.settledLotsValue += lots;
      this.head = (this.head + 1) % cap;
      this.count--;
    }
  }

  /** Doubles the ring, moving the pending fills to its start in order. */
  private grow(): void {
    const old = this.ring;
    const cap = old.length / STRIDE;
    const next = new Float64Array(old.length * 2);
    for (let i = 0; i < this.count; i++) {
      const from = ((this.head + i) % cap) * STRIDE;
      next.set(old.subarray(from, from + STRIDE), i * STRIDE);
    }
    this.ring = next;
    this.head = 0;
  }
}
