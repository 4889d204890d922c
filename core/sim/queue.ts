/**
 * The conservative ("risk-averse") queue-position and trade-matching model of the simulated venue.
 * The rules (documented with their rationale in docs/adr/0003-fill-model-and-kpis.md):
 *
 *  - On arrival an order joins the BACK of its price level: the lots ahead of it are the visible size at
 *    that price (0 if it improves the touch). Our own order is not in the recorded data, so the level
 *    size never includes it.
 *  - Only trades at our price move us forward; a shrinking level (cancels we cannot see) is assumed to
 *    have cancelled BEHIND us, except that the queue ahead can never exceed the level's current size
 *    (cap at the level size when it shrinks). This is hftbacktest's `RiskAdverseQueueModel`
 *    (nkaz001/hftbacktest, backtest/models/queue.rs; docs "Queue Models").
 *  - A trade THROUGH our price (bid: trade price < our bid; ask: trade price > our ask) means the whole
 *    level, us included, was consumed: it fills us at our price, min(open lots, trade lots left).
 *  - A trade AT our price first consumes the queue ahead; the rest fills us:
 *    fill = min(open lots, trade lots − lots that went to the queue ahead − lots already given to our
 *    other orders on that side by the same trade).
 *
 * The aggressor flag is not used: any print at or beyond our price shows that liquidity traded there.
 * Pure functions over a mutable order record: no allocation.
 */
import type { Side } from '../market-events.ts';

/** Mutable state of one simulated order while it can still fill. */
export interface QueuedOrder {
  readonly side: Side;
  readonly priceTicks: number;
  /** Lots still open, integer ≥ 0. */
  openLots: number;
  /** Visible lots estimated ahead of us at our price, integer ≥ 0. */
  queueAheadLots: number;
}

/** Whether a trade printed at `tradePriceTicks` reaches the order: at its price or through it. */
export function tradeReaches(order: QueuedOrder, tradePriceTicks: number): boolean {
  return order.side === 'bid' ? tradePriceTicks <= order.priceTicks : tradePriceTicks >= order.priceTicks;
}

/**
 * Whether a print at `tradePriceTicks` is a trade THROUGH the order's price (strictly beyond it: bid,
 * trade price < our bid; ask, trade price > our ask), the kind of a fill `matchTrade` gives (a fill by a
 * print exactly at our price is a queue fill).
 */
export function isTradeThrough(order: QueuedOrder, tradePriceTicks: number): boolean {
  return order.side === 'bid' ? tradePriceTicks < order.priceTicks : tradePriceTicks > order.priceTicks;
}

/**
 * Applies one trade print to one order and returns the lots filled (0 if none). Mutates
 * `order.queueAheadLots` (consumed by at-price trades; 0 after a through trade). Does NOT change
 * `openLots`: the caller books the fill.
 * @param tradePriceTicks trade price, ticks. @param tradeLots the print's size, lots.
 * @param lotsAlreadyFilledBySameTrade lots of this same print already given to our other orders on
 *   this side (0 for the first); the print cannot fill more than its own size in total.
 */
export function matchTrade(
  order: QueuedOrder,
  tradePriceTicks: number,
  tradeLots: number,
  lotsAlreadyFilledBySameTrade: number,
): number {
  if (!tradeReaches(order, tradePriceTicks)) return 0;
  let available = tradeLots - lotsAlreadyFilledBySameTrade;
  if (tradePriceTicks === order.priceTicks) {
    const toQueue = order.queueAheadLots < tradeLots ? order.queueAheadLots : tradeLots;
    order.queueAheadLots -= toQueue;
    available -= toQueue;
  } else {
    order.queueAheadLots = 0;
  }
  if (available <= 0) return 0;
  return available < order.openLots ? available : order.openLots;
}

/**
 * Caps the queue ahead at the level's current visible size (the level shrank: assume the cancels were
 * behind us, but no more lots can be ahead than are there).
 * @param levelSizeLots visible size now at the order's price and side, lots (0 if the level is gone).
 */
export function capQueueAhead(order: QueuedOrder, levelSizeLots: number): void {
  if (levelSizeLots < order.queueAheadLots) order.queueAheadLots = levelSizeLots;
}
