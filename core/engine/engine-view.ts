/**
 * The quoter's view as the engine keeps it: one mutable object per engine, refilled in place at every
 * decision (no allocation on the hot path), read by the quoter as an immutable `QuoterView`.
 */
import type { Touch } from '../book/fast-touch.ts';
import { UNSEEN_VIEW_FIELDS, type QuoterView } from '../quoting/quoter.ts';
import type { WorkingOrders } from './working-orders.ts';

/** A `QuoterView` the engine writes. */
export type MutableView = { -readonly [K in keyof QuoterView]: QuoterView[K] };

/** A view before any market data: no touch, no signal, flat, no fill and no resting order. */
export function emptyView(): MutableView {
  return {
    nowUs: 0,
    bestBidTicks: undefined,
    bestAskTicks: undefined,
    ...UNSEEN_VIEW_FIELDS,
    midTicks: undefined,
    sigmaTicksPerSqrtSec: undefined,
    ofi: 0,
    depthImbalance: 0,
    inventoryLots: 0,
    sigmaLongTicksPerSqrtSec: undefined,
    alphaTicks: 0,
  };
}

/**
 * Writes the touch (best prices, ticks; their sizes, lots) and, when `working` is given, our first
 * acknowledged resting order per side (price, ticks; estimated queue ahead, lots) into `v` (set
 * undefined without it: for a quoter that never reads them, `Quoter.readsRestingOrders` false).
 */
export function viewTouchAndResting(v: MutableView, touch: Touch, working: WorkingOrders | undefined): void {
  v.bestBidTicks = touch.bestBidTicks();
  v.bestAskTicks = touch.bestAskTicks();
  v.bestBidLots = touch.bestBidLots();
  v.bestAskLots = touch.bestAskLots();
  const bid = working?.resting('bid');
  const ask = working?.resting('ask');
  v.restingBidTicks = bid?.priceTicks;
  v.restingBidQueueLots = bid?.queueAheadLots;
  v.restingAskTicks = ask?.priceTicks;
  v.restingAskQueueLots = ask?.queueAheadLots;
}
