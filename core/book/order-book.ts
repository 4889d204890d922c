/**
 * L2 order book: integer price ticks → integer size lots, one aggregate size per price level.
 *
 * Each side is a `SortedLevels` (blocked sorted Float64Arrays, see sorted-levels.ts) keyed so that the
 * greatest key is the best price: bids use key = price, asks key = −price, so one implementation serves
 * both. The best level is cached (O(1) reads); a size change at the touch is O(1); any other update is
 * two short binary searches plus a shift inside one 64-slot block. Nothing allocates per update.
 * Float64 holds every safe integer exactly, so ticks and lots beyond 2^31 are fine.
 */

import { InvariantViolation } from '../errors.ts';
import type { Side } from '../market-events.ts';
import { SortedLevels } from './sorted-levels.ts';

const INITIAL_LEVELS = 4096; // per side; Binance snapshots carry 1000, diffs add far levels over time.

/**
 * An L2 book of one instrument in integer ticks and lots. Empty side → `undefined` from every
 * best-level query (never 0 or NaN). Not synchronised with any feed by itself: see `BinanceBookSync`.
 */
export class OrderBook {
  /** Bid side, key = price. */
  private readonly bids: SortedLevels;
  /** Ask side, key = −price. */
  private readonly asks: SortedLevels;

  /**
   * @param initialCapacityLevels level slots allocated per side up front (default 4096). Sides grow by
   *   doubling beyond it; small values exist to exercise growth in tests.
   */
  constructor(initialCapacityLevels = INITIAL_LEVELS) {
    this.bids = new SortedLevels(initialCapacityLevels);
    this.asks = new SortedLevels(initialCapacityLevels);
  }

  /** Removes every level of both sides (keeps the allocated capacity). */
  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /**
   * Sets the absolute size of one level; `sizeLots` 0 removes it (removing an absent level is a no-op,
   * as Binance's procedure allows).
   * @param priceTicks non-negative safe integer. @param sizeLots non-negative safe integer.
   * @throws InvariantViolation `BOOK_LEVEL` if either is not a non-negative safe integer.
   */
  applyLevel(side: Side, priceTicks: number, sizeLots: number): void {
    const valid =
      Number.isSafeInteger(priceTicks) && Number.isSafeInteger(sizeLots) && priceTicks >= 0 && sizeLots >= 0;
    if (!valid) {
      throw new InvariantViolation(
        'BOOK_LEVEL',
        `invalid ${side} level ${priceTicks} ticks × ${sizeLots} lots`,
        {
          side,
          priceTicks,
          sizeLots,
        },
      );
    }
    if (side === 'bid') this.bids.set(priceTicks, sizeLots);
    else this.asks.set(-priceTicks, sizeLots);
  }

  /** Highest bid price in ticks; undefined if there are no bids. */
  bestBidTicks(): number | undefined {
    const t = this.bids.top;
    return t < 0 ? undefined : this.bids.keys[t];
  }

  /** Lowest ask price in ticks; undefined if there are no asks. */
  bestAskTicks(): number | undefined {
    const t = this.asks.top;
    return t < 0 ? undefined : -this.asks.keys[t]!;
  }

  /** Size in lots at the best bid; undefined if there are no bids. */
  bestBidLots(): number | undefined {
    const t = this.bids.top;
    return t < 0 ? undefined : this.bids.sizes[t];
  }

  /** Size in lots at the best ask; undefined if there are no asks. */
  bestAskLots(): number | undefined {
    const t = this.asks.top;
    return t < 0 ? undefined : this.asks.sizes[t];
  }

  /** Size in lots resting at `priceTicks` on `side`; 0 if there is no such level. */
  sizeAtLots(side: Side, priceTicks: number): number {
    return side === 'bid' ? this.bids.get(priceTicks) : this.asks.get(-priceTicks);
  }

  /** Total lots over the best `levels` levels of `side` (L1..L`levels`; fewer if the side is shorter). */
  depthLots(side: Side, levels: number): number {
    return (side === 'bid' ? this.bids : this.asks).sumFromTop(levels);
  }

  /** Number of price levels on `side`. */
  levelCount(side: Side): number {
    return side === 'bid' ? this.bids.count : this.asks.count;
  }

  /** Price in ticks of the `index`-th best level of `side` (0 = best); undefined if out of range. */
  priceAtTicks(side: Side, index: number): number | undefined {
    if (side === 'bid') {
      const slot = this.bids.slotFromTop(index);
      return slot < 0 ? undefined : this.bids.keys[slot];
    }
    const slot = this.asks.slotFromTop(index);
    return slot < 0 ? undefined : -this.asks.keys[slot]!;
  }

  /** Size in lots of the `index`-th best level of `side` (0 = best); undefined if out of range. */
  sizeAtIndexLots(side: Side, index: number): number | undefined {
    const s = side === 'bid' ? this.bids : this.asks;
    const slot = s.slotFromTop(index);
    return slot < 0 ? undefined : s.sizes[slot];
  }

  /** (best bid + best ask) / 2 in ticks (float, may be x.5); undefined if either side is empty. */
  midTicks(): number | undefined {
    const tb = this.bids.top;
    const ta = this.asks.top;
    if (tb < 0 || ta < 0) return undefined;
    return (this.bids.keys[tb]! - this.asks.keys[ta]!) / 2;
  }

  /**
   * Size-weighted mid in ticks (float): (bid·askLots + ask·bidLots) / (bidLots + askLots), i.e. the
   * price leans toward the side with less resting size; equivalently mid + spread·(I − ½) with
   * imbalance I = bidLots / (bidLots + askLots). This is the common "weighted mid" that Stoikov (2018),
   * "The micro-price: a high-frequency estimator of future prices", Quantitative Finance 18(12), §2,
   * starts from; his refined micro-price (a limit of expected future mids conditioned on imbalance and
   * spread, estimated from data) is NOT computed here. Undefined if either side is empty.
   */
  micropriceTicks(): number | undefined {
    const tb = this.bids.top;
    const ta = this.asks.top;
    if (tb < 0 || ta < 0) return undefined;
    const bid = this.bids.keys[tb]!;
    const ask = -this.asks.keys[ta]!;
    const bidLots = this.bids.sizes[tb]!;
    const askLots = this.asks.sizes[ta]!;
    return (bid * askLots + ask * bidLots) / (bidLots + askLots);
  }

  /** True if both sides are non-empty and best bid ≥ best ask (a locked book counts as crossed). */
  isCrossed(): boolean {
    const tb = this.bids.top;
    const ta = this.asks.top;
    if (tb < 0 || ta < 0) return false;
    return this.bids.keys[tb]! >= -this.asks.keys[ta]!;
  }
}
