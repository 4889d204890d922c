/**
 * Taker arrivals and the depth they reach from the mid, the raw material of the fill-intensity fit
 * λ(δ) = A·e^(−kδ) (Avellaneda & Stoikov 2008, §2.4; seed 004 §3.4).
 *
 * One arrival = one aggressive order: Binance prints one trade per resting order it fills, all with the
 * same trade time `T` and aggressor side, so consecutive prints (in recorded order) sharing `T` and side
 * are grouped. Counting prints instead would count a market order that fills ten resting orders at the
 * touch ten times, while a quote at that price is filled once. Two distinct aggressive orders of one
 * side in the same millisecond merge into one arrival (a small undercount).
 *
 * Depth. For a buy the depth of a print is price − mid, for a sell mid − price, the mid being the
 * replayed book's as of the last depth event strictly before `T` (see `BookTimeline.mid2Before`); an
 * arrival's depth is the deepest of its prints. Depths are exact half-ticks (2·mid is an integer).
 *
 * Depth levels (how half-ticks are binned, docs/calibration.md): level d = ⌈depth⌉ ticks, so a print at
 * 0.5 tick (the touch of a one-tick-spread book) and one at 1 tick (the touch of a two-tick spread) are
 * both level 1, the first price a quote can rest at; levels ≤ 0 are prints at or through the mid
 * against a stale book and never reach a quote. The decay k is unchanged by this shift of δ; A is the
 * intensity extrapolated to level 0.
 */

import type { AggressorSide, MarketEvent } from '../market-events.ts';
import type { BookTimeline } from './book-timeline.ts';

/** One aggressive order seen through its prints. */
export interface TakerArrival {
  /** Trade time `T` of its prints, Unix epoch ms. */
  readonly timeMs: number;
  readonly aggressor: AggressorSide;
  /** Prints grouped into this arrival (≥ 1). */
  readonly prints: number;
  /** Deepest print's distance from the mid before it, half-ticks (signed; may be ≤ 0); undefined when
   * the book was not synced before `T`. */
  readonly depthHalfTicks: number | undefined;
}

/**
 * Groups the trades of `events` (recorded order; other events skipped) into taker arrivals and measures
 * their depth against `timeline`.
 * @returns arrivals in recorded order.
 */
export function takerArrivals(events: Iterable<MarketEvent>, timeline: BookTimeline): TakerArrival[] {
  const out: TakerArrival[] = [];
  let open = false;
  let timeMs = 0;
  let aggressor: AggressorSide = 'buy';
  let prints = 0;
  let mid2: number | undefined;
  let deepest = -Infinity;
  const close = (): void => {
    if (!open) return;
    out.push({ timeMs, aggressor, prints, depthHalfTicks: mid2 === undefined ? undefined : deepest });
    open = false;
  };
  for (const ev of events) {
    if (ev.kind !== 'trade') continue;
    if (!open || ev.exchTimeMs !== timeMs || ev.aggressor !== aggressor) {
      close();
      open = true;
      timeMs = ev.exchTimeMs;
      aggressor = ev.aggressor;
      prints = 0;
      mid2 = timeline.mid2Before(timeMs);
      deepest = -Infinity;
    }
    prints++;
    if (mid2 !== undefined) {
      const p2 = 2 * ev.priceTicks;
      const depth = aggressor === 'buy' ? p2 - mid2 : mid2 - p2;
      if (depth > deepest) deepest = depth;
    }
  }
  close();
  return out;
}

/**
 * Depth level of a distance in half-ticks: ⌈halfTicks / 2⌉ ticks (0.5 → 1, 1 → 1, 1.5 → 2, 0 → 0,
 * −0.5 → 0). See the module doc for why half-ticks are rounded up.
 */
export function depthLevel(halfTicks: number): number {
  const d = Math.ceil(halfTicks / 2);
  return d === 0 ? 0 : d; // normalise −0
}
