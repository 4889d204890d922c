/**
 * L2 order book: integer price ticks → integer size lots, one aggregate size per price level.
 *
 * Each side is a `PriceLadder` (price-ladder.ts, ADR 0004): a window of 2^20 prices around the touch
 * (±2^19 ticks) indexed directly by price, with a hierarchical bitmap of the occupied prices and sizes
 * in small pages, so a level update is O(1) wherever it lands in the window; the rare levels farther
 * from the touch sit in a small sorted structure. Ladders are keyed so that the greatest key is the
 * best price: bids use key = price, asks key = 0 − price (written `0 − x`, never `−x`, so that an ask
 * at price 0 reads back as 0, not −0). The best level is cached (O(1) reads); nothing allocates per
 * update. Float64 holds every safe integer exactly.
 */

import { InvariantViolation, PermanentError } from '../errors.ts';
import type { Level, Side } from '../market-events.ts';
import { MAX_BITMAP_SLOTS } from './level-bitmap.ts';
import { PriceLadder } from './price-ladder.ts';

/**
 * Default window width per side in ticks: 2^20, i.e. ±2^19 ticks around the best (±8.6 % of spot
 * BTCUSDT at a 0.01 tick and 61,000 USDT; ±82 % of USDⓈ-M BTCUSDT at 0.1; ±150 % of ETHUSDT at 0.01).
 * Memory ≈ 260 KiB per side plus 256 bytes per 32-tick group that holds (or recently held) a level
 * (ADR 0004).
 */
export const DEFAULT_WINDOW_TICKS = 2 ** 20;
const MIN_WINDOW_TICKS = 128;
const MAX_WINDOW_TICKS = MAX_BITMAP_SLOTS; // 2^20

/**
 * An L2 book of one instrument in integer ticks and lots. Empty side → `undefined` from every
 * best-level query (never 0 or NaN). Not synchronised with any feed by itself: see `BinanceBookSync`.
 */
export class OrderBook {
  /** Bid side, key = price. */
  private readonly bids: PriceLadder;
  /** Ask side, key = −price. */
  private readonly asks: PriceLadder;

  /**
   * @param windowTicks width in ticks of each side's price-indexed window (default 2^20; rounded up to a
   *   power of two, at least 128). Memory: 0.25 bytes per tick per side plus 256 bytes per occupied (or recently
   *   emptied) 32-tick group. Levels outside the window stay exact but cost O(log n) per update; small values
   *   exist to exercise the window edges and re-centring in tests.
   * @throws PermanentError `CONFIG` if `windowTicks` is not a positive safe integer ≤ 2^20.
   */
  constructor(windowTicks: number = DEFAULT_WINDOW_TICKS) {
    if (!(Number.isSafeInteger(windowTicks) && windowTicks > 0 && windowTicks <= MAX_WINDOW_TICKS)) {
      throw new PermanentError(
        'CONFIG',
        `OrderBook windowTicks must be an integer in [1, 2^20], got ${windowTicks}`,
        {
          windowTicks,
        },
      );
    }
    let w = MIN_WINDOW_TICKS;
    while (w < windowTicks) w *= 2;
    this.bids = new PriceLadder(w);
    this.asks = new PriceLadder(w);
  }

  /** Window width per side in ticks actually used (a power of two ≥ 128). */
  get windowTicks(): number {
    return this.bids.windowSlots;
  }

  /** Removes every level of both sides (keeps the allocated memory). */
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
    else this.asks.set(0 - priceTicks, sizeLots);
  }

  /**
   * Applies `levels` to `side` in order, exactly as one `applyLevel` call per level would (same final
   * book, same error), without the per-level call and side dispatch: the book sync's bulk path for
   * a diff's `[priceTicks, sizeLots]` pairs.
   * @throws InvariantViolation `BOOK_LEVEL` at the first level that is not a pair of non-negative safe
   *   integers; the levels before it stay applied (as with `applyLevel`).
   */
  applyLevels(side: Side, levels: readonly Level[]): void {
    const ladder = side === 'bid' ? this.bids : this.asks;
    const negate = side === 'ask'; // asks: key = 0 − price (never −0, see the module doc)
    for (let i = 0; i < levels.length; i++) {
      const lv = levels[i]!;
      const priceTicks = lv[0];
      const sizeLots = lv[1];
      const valid =
        Number.isSafeInteger(priceTicks) &&
        Number.isSafeInteger(sizeLots) &&
        priceTicks >= 0 &&
        sizeLots >= 0;
      if (!valid) return this.applyLevel(side, priceTicks, sizeLots); // throws its BOOK_LEVEL error
      ladder.set(negate ? 0 - priceTicks : priceTicks, sizeLots);
    }
  }

  /** Highest bid price in ticks; undefined if there are no bids. */
  bestBidTicks(): number | undefined {
    const b = this.bids;
    return b.bestSize === 0 ? undefined : b.bestKey;
  }

  /** Lowest ask price in ticks; undefined if there are no asks. */
  bestAskTicks(): number | undefined {
    const a = this.asks;
    return a.bestSize === 0 ? undefined : 0 - a.bestKey;
  }

  /** Size in lots at the best bid; undefined if there are no bids. */
  bestBidLots(): number | undefined {
    const lots = this.bids.bestSize;
    return lots === 0 ? undefined : lots;
  }

  /** Size in lots at the best ask; undefined if there are no asks. */
  bestAskLots(): number | undefined {
    const lots = this.asks.bestSize;
    return lots === 0 ? undefined : lots;
  }

  /** Size in lots resting at `priceTicks` on `side`; 0 if there is no such level. */
  sizeAtLots(side: Side, priceTicks: number): number {
    return side === 'bid' ? this.bids.get(priceTicks) : this.asks.get(0 - priceTicks);
  }

  /** Total lots over the best `levels` levels of `side` (L1..L`levels`; fewer if the side is shorter). */
  depthLots(side: Side, levels: number): number {
    return (side === 'bid' ? this.bids : this.asks).sumFromTop(levels);
  }

  /** Number of price levels on `side`. */
  levelCount(side: Side): number {
    return side === 'bid' ? this.bids.count : this.asks.count;
  }

  /**
   * Price in ticks of the `index`-th best level of `side` (0 = best); undefined if out of range.
   * O(index) from the best, but O(1) per step when called for index 0, 1, 2, … in turn.
   */
  priceAtTicks(side: Side, index: number): number | undefined {
    if (side === 'bid') return this.bids.seek(index) ? this.bids.seekKey : undefined;
    return this.asks.seek(index) ? 0 - this.asks.seekKey : undefined;
  }

  /** Size in lots of the `index`-th best level of `side` (0 = best); undefined if out of range. Cost as
   * `priceAtTicks`. */
  sizeAtIndexLots(side: Side, index: number): number | undefined {
    const l = side === 'bid' ? this.bids : this.asks;
    return l.seek(index) ? l.seekSize : undefined;
  }

  /** (best bid + best ask) / 2 in ticks (float, may be x.5); undefined if either side is empty. */
  midTicks(): number | undefined {
    const b = this.bids;
    const a = this.asks;
    if (b.bestSize === 0 || a.bestSize === 0) return undefined;
    return (b.bestKey - a.bestKey) / 2;
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
    const bidLots = this.bids.bestSize;
    const askLots = this.asks.bestSize;
    if (bidLots === 0 || askLots === 0) return undefined;
    const bid = this.bids.bestKey;
    const ask = 0 - this.asks.bestKey;
    return (bid * askLots + ask * bidLots) / (bidLots + askLots);
  }

  /** True if both sides are non-empty and best bid ≥ best ask (a locked book counts as crossed). */
  isCrossed(): boolean {
    const b = this.bids;
    const a = this.asks;
    if (b.bestSize === 0 || a.bestSize === 0) return false;
    return b.bestKey >= 0 - a.bestKey;
  }
}
