/**
 * Mark-outs of our fills at several horizons h, against the mid and the microprice: what each fill was
 * worth once the market had moved on,
 *
 *   markout_f(h) = s_f · (ref(t_f + h) − price_f) · lots_f · quotePerTickLot      (quote currency)
 *   s_f = +1 for a bid fill (we bought), −1 for an ask fill (we sold); ref = mid or microprice
 *
 * summed over fills. Positive: the fills earned their spread; negative: adverse selection (the price
 * moved through us). This is the maker's side of the "realised spread" of Huang & Stoll (1996),
 * "Dealer versus auction markets: a paired comparison of execution costs on NASDAQ and the NYSE",
 * J. Financial Economics 41(3), 313–357 (the trade price against the quote midpoint some time after the
 * trade: the liquidity provider's revenue net of adverse selection), the quantity dealers call a
 * "mark-out"; the sign convention is that of core/metrics/spread-capture.ts. The microprice is the
 * size-weighted mid of core/book/order-book.ts (Stoikov 2018, "The micro-price", §2).
 *
 * Settlement: a fill at t_f settles at horizon h on the first reference observed at a time ≥ t_f + h
 * (`onMid`), with that reference (h = 0: the first mid the engine sees at or after the fill — in a
 * replay the mid of the trade event that filled us, i.e. the book before that trade). Fills wait in one
 * FIFO in arrival order, each horizon with its own cursor, so a fill reported out of time order settles
 * no earlier than those before it. Reads are non-destructive: `curve()` adds the fills still pending at
 * a horizon valued at the LAST reference seen (so a live engine can read any time, and a finished run's
 * last fills are marked at the run's last mid, as core/metrics/run-analysis.ts says). Mids may be x.5
 * ticks: sums are kept in tick·lots and converted on read.
 *
 * Hot path: `onMid` stores the two references and makes one comparison while nothing is due; when
 * something is, only the horizons whose next fill is due are visited (one comparison for the others). A
 * fill takes four slots of a ring of numbers (a power of two, indexed by mask) that only grows (doubling)
 * when more fills are pending at once than ever before.
 */
import { MarkoutCurveTracker, type MarkoutTotals } from './markout-curve.ts';

export {
  MarkoutCurveTracker,
  type MarkoutCurveOptions,
  type MarkoutCurvePoint,
  type MarkoutTotals,
} from './markout-curve.ts';

/** Mark-out at one horizon against the mid (the engine's 1-s figure): a one-horizon {@link MarkoutCurveTracker}. */
export class MarkoutTracker implements MarkoutTotals {
  private readonly curveTracker: MarkoutCurveTracker;
  private readonly totals: MarkoutTotals;

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
    this.curveTracker = new MarkoutCurveTracker({
      horizonsUs: [horizonUs],
      quotePerTickLot,
      initialCapacity,
    });
    this.totals = this.curveTracker.totalsAt(horizonUs);
  }

  get markoutQuote(): number {
    return this.totals.markoutQuote;
  }
  get settledFills(): number {
    return this.totals.settledFills;
  }
  get settledLots(): number {
    return this.totals.settledLots;
  }
  get pendingFills(): number {
    return this.totals.pendingFills;
  }

  /** Records one fill; it settles at the first `onMid` at or after `atUs + horizonUs`. */
  onFill(side: 'bid' | 'ask', priceTicks: number, lots: number, atUs: number): void {
    this.curveTracker.onFill(side, priceTicks, lots, atUs);
  }

  /** A mid observed at `nowUs`: settles, with it, every pending fill (from the oldest) due by now. */
  onMid(midTicks: number, nowUs: number): void {
    this.curveTracker.onMid(midTicks, midTicks, nowUs);
  }
}
