/**
 * The quoting port: one strategy, two drivers. The live engine (`native/`) and the simulated venue used by
 * backtests both build a {@link QuoterView} from their own state and call the same {@link Quoter}.
 */

import type { QuoteIntent } from './intent.ts';

/** What a quoter sees at one decision: market state, signals and our inventory, all in exact units. */
export interface QuoterView {
  /** Decision time, Unix epoch µs (from the injected Clock). */
  readonly nowUs: number;
  /** Best bid, ticks; undefined when the bid side is empty. */
  readonly bestBidTicks: number | undefined;
  /** Best ask, ticks; undefined when the ask side is empty. */
  readonly bestAskTicks: number | undefined;
  /** Visible lots at the best bid; undefined when the bid side is empty. */
  readonly bestBidLots: number | undefined;
  /** Visible lots at the best ask; undefined when the ask side is empty. */
  readonly bestAskLots: number | undefined;
  /** Time of our last bid fill / ask fill, Unix epoch µs; −Infinity before any (since the engine started). */
  readonly lastBidFillUs: number;
  readonly lastAskFillUs: number;
  /**
   * Our acknowledged resting bid (the first one, if several), ticks, and the estimated visible lots ahead
   * of it in its level's queue (the simulator's queue model, core/sim/queue.ts, run by the engine on
   * public trades and book changes); both undefined when no bid of ours rests. Same for the ask.
   */
  readonly restingBidTicks: number | undefined;
  readonly restingBidQueueLots: number | undefined;
  readonly restingAskTicks: number | undefined;
  readonly restingAskQueueLots: number | undefined;
  /** Mid price, ticks (may be x.5); undefined when either side is empty. */
  readonly midTicks: number | undefined;
  /** Mid volatility, ticks/√s (core/signals/ewma-volatility.ts); undefined until warmed up. */
  readonly sigmaTicksPerSqrtSec: number | undefined;
  /** Trade-flow imbalance in [−1, 1] (core/signals/order-flow-imbalance.ts); 0 when no recent trade. */
  readonly ofi: number;
  /**
   * Filtered depth imbalance, z units (core/signals/depth-imbalance.ts); 0 before data, and always 0 for
   * a quoter whose `readsDepthImbalance` is false.
   */
  readonly depthImbalance: number;
  /** Signed net position, lots (+ long). */
  readonly inventoryLots: number;
  /**
   * Slow average of σ, ticks/√s: the σ estimator with a longer span (`volLongObservations`) on the same
   * grid; undefined until warmed up, and always undefined for a model without adaptive widening.
   */
  readonly sigmaLongTicksPerSqrtSec: number | undefined;
  /**
   * Latest alpha prediction, ticks (the model's predicted mid move over its horizon, unweighted and
   * unclamped; core/alpha/alpha-model.ts). 0 until the first answer, once the prediction is older than
   * its horizon, and always for a model without alpha.
   */
  readonly alphaTicks: number;
}

/** A quoting model: maps a view to the quotes it wants resting. Pure: no I/O, no clock reads. */
export interface Quoter {
  /** @returns an immutable intent (legs in ticks/lots, and a reason per side). */
  decide(view: QuoterView): QuoteIntent;
  /**
   * False when `decide` never reads `view.depthImbalance`: a driver may then skip that signal (a depth
   * walk per book update) and pass 0. Absent means true.
   */
  readonly readsDepthImbalance?: boolean;
  /**
   * False when `decide` never reads `view.resting*` (our resting orders and their queue ahead): a driver
   * may then skip finding them (a scan of the working orders per decision) and pass undefined. Absent
   * means true.
   */
  readonly readsRestingOrders?: boolean;
}

/**
 * The view fields that only the issue-15 models read (touch sizes, our last fills, our resting orders
 * and their queue ahead), at their "nothing known" values: a driver's starting view, and a hand-built
 * view for a model that does not read them.
 */
export const UNSEEN_VIEW_FIELDS = Object.freeze({
  bestBidLots: undefined,
  bestAskLots: undefined,
  lastBidFillUs: Number.NEGATIVE_INFINITY,
  lastAskFillUs: Number.NEGATIVE_INFINITY,
  restingBidTicks: undefined,
  restingBidQueueLots: undefined,
  restingAskTicks: undefined,
  restingAskQueueLots: undefined,
} as const satisfies Partial<QuoterView>);
