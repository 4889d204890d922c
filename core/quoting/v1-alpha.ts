/**
 * V1-α quoter (seed 004 §3): Avellaneda & Stoikov (2008) quotes around the reservation price, with the
 * centre shifted by the trade-flow imbalance (§3.3bis), in ticks (docs/adr/0002-quoting-model-units.md).
 *
 *   q       = inventoryLots / quoteSizeLots                        (unit orders)
 *   r       = s − q·γ·σ²·τ                                         (A&S eq. 29, τ = horizonSec held constant)
 *   centre  = r + clamp(β_ofi·OFI, −1, +1)                         (seed §3.3bis: at most ±1 tick)
 *   spread  = max(γ·σ²·τ + (2/γ)·ln(1 + γ/k), minSpreadTicks)      (A&S eq. 30, floored; seed §4.7)
 *   bid     = floor(centre − spread/2),  ask = ceil(centre + spread/2)   (bids down, asks up)
 *   cap:       |quote − mid| ≤ max(maxHalfSpreadBps·mid, minSpread/2, 10)(clamped: 'quote-capped')
 *   post-only: bid ≤ bestAsk − 1, ask ≥ bestBid + 1                 (never cross the touch)
 *   range:     a side that is not a positive safe integer tick is dropped ('price-out-of-range')
 * (cap, post-only and range: ./quote-bounds.ts, docs/adr/0010-quote-bounds.md).
 *
 * Sides are dropped (reason 'inventory-limit') when a fill would take inventory beyond ±maxInventoryLots;
 * the side that reduces the position is always quoted (unless out of range). No quotes while the book or
 * σ is not ready. Never throws on market conditions; a non-finite input throws InvariantViolation.
 */

import type { QuoteIntent, QuoteLeg, QuoteReason } from './intent.ts';
import type { Quoter, QuoterView } from './quoter.ts';
import { AsV1AlphaParamsSchema, type AsV1AlphaParams } from './model-params.ts';
import { OptimalSpread, reservationPriceTicks } from './avellaneda-stoikov.ts';
import { DEFAULT_MAX_HALF_SPREAD_BPS, QuoteBounds, isQuoted, requireSaneView } from './quote-bounds.ts';

/** Largest centre shift from OFI, ticks (seed §3.3bis). */
const MAX_OFI_SHIFT_TICKS = 1;

/**
 * Float noise tolerance when rounding to ticks: 99.999999999997 is treated as 100, so float error in
 * r ± δ never widens a quote by a whole tick. Far below any modelled quantity.
 */
const ROUNDING_EPS_TICKS = 1e-9;

/**
 * Avellaneda–Stoikov V1-α quoter. Pure: the intent is a function of the view's best bid/ask, mid, σ,
 * OFI, inventory and time (`depthImbalance` is not used).
 *
 * Hot path: one intent object per decision; a leg whose price and size are those of the previous
 * intent's leg is that same (immutable) leg object, so an unchanged quote allocates nothing more. The
 * spread's ln term is computed once (`OptimalSpread`). Results are bit-identical to computing afresh.
 * (Remembering whole decisions keyed on the inputs was tried and measured slower: on the recorded spot
 * session the inputs repeat in 7 % of decisions (1,871 of 26,396), since OFI moves with every trade.)
 */
export class AsV1AlphaQuoter implements Quoter {
  /** The model has no depth-imbalance term (see the module doc). */
  readonly readsDepthImbalance = false;
  /** The model does not read our resting orders. */
  readonly readsRestingOrders = false;
  private readonly params: AsV1AlphaParams;
  private readonly spread: OptimalSpread;
  private readonly bounds: QuoteBounds;
  /** The previous intent, whose legs a new intent may share. */
  private last: QuoteIntent | undefined;

  /**
   * @param params validated 'as-v1-alpha' parameters (see model-params.ts).
   * @throws ZodError if `params` do not satisfy the schema (e.g. built by hand with γ ≤ 0).
   */
  constructor(params: AsV1AlphaParams) {
    this.params = AsV1AlphaParamsSchema.parse(params);
    this.spread = new OptimalSpread(this.params.gamma, this.params.horizonSec, this.params.kPerTick);
    this.bounds = new QuoteBounds(
      this.params.maxHalfSpreadBps ?? DEFAULT_MAX_HALF_SPREAD_BPS,
      this.params.minSpreadTicks,
    );
  }

  /**
   * @param view market state, signals and inventory at decision time.
   * @returns the quotes to hold: both legs absent with 'book-not-ready' when a side is empty, the mid is
   *   missing or the book is crossed; 'no-volatility-yet' while σ is undefined; otherwise a leg per side
   *   unless that side hits the inventory limit ('inventory-limit') or its price is not a positive safe
   *   integer tick ('price-out-of-range'); a side clamped to the cap is 'quote-capped'. Legs may be shared
   *   with the previous intent (immutable).
   * @throws InvariantViolation `QUOTER_INPUT` on a non-finite OFI, mid, touch or inventory, or a σ that
   *   is negative or not finite (never on market conditions).
   */
  decide(view: QuoterView): QuoteIntent {
    const result = this.compute(view, this.last);
    this.last = result;
    return result;
  }

  private compute(view: QuoterView, last: QuoteIntent | undefined): QuoteIntent {
    requireSaneView('AsV1AlphaQuoter', view);
    const { bestBidTicks, bestAskTicks, midTicks, sigmaTicksPerSqrtSec } = view;
    if (bestBidTicks === undefined || bestAskTicks === undefined || midTicks === undefined) {
      return noQuotes(view, 'book-not-ready');
    }
    if (bestBidTicks >= bestAskTicks) return noQuotes(view, 'book-not-ready');
    if (sigmaTicksPerSqrtSec === undefined) return noQuotes(view, 'no-volatility-yet');

    const p = this.params;
    const q = view.inventoryLots / p.quoteSizeLots;
    const reservation = reservationPriceTicks(midTicks, q, p.gamma, sigmaTicksPerSqrtSec, p.horizonSec);
    const centre = reservation + clamp(p.betaOfiTicks * view.ofi, MAX_OFI_SHIFT_TICKS);
    const spread = Math.max(this.spread.ticks(sigmaTicksPerSqrtSec), p.minSpreadTicks);
    const half = spread / 2;

    const b = this.bounds;
    b.apply(
      Math.floor(centre - half + ROUNDING_EPS_TICKS),
      Math.ceil(centre + half - ROUNDING_EPS_TICKS),
      midTicks,
      bestBidTicks,
      bestAskTicks,
    );

    const bidReason =
      view.inventoryLots + p.quoteSizeLots <= p.maxInventoryLots ? b.bidReason : 'inventory-limit';
    const askReason =
      view.inventoryLots - p.quoteSizeLots >= -p.maxInventoryLots ? b.askReason : 'inventory-limit';
    return intent(
      isQuoted(bidReason) ? leg(b.bidTicks, p.quoteSizeLots, last?.bid) : undefined,
      isQuoted(askReason) ? leg(b.askTicks, p.quoteSizeLots, last?.ask) : undefined,
      bidReason,
      askReason,
      view,
    );
  }
}

function intent(
  bid: QuoteLeg | undefined,
  ask: QuoteLeg | undefined,
  bidReason: QuoteReason,
  askReason: QuoteReason,
  view: QuoterView,
): QuoteIntent {
  return { bid, ask, bidReason, askReason, decidedAtUs: view.nowUs, midTicks: view.midTicks };
}

function noQuotes(view: QuoterView, reason: QuoteReason): QuoteIntent {
  return intent(undefined, undefined, reason, reason, view);
}

/**
 * A leg at `priceTicks` × `sizeLots` (a positive safe integer tick: QuoteBounds checked it): `previous`
 * itself when it is that leg (legs are immutable).
 */
function leg(priceTicks: number, sizeLots: number, previous: QuoteLeg | undefined): QuoteLeg {
  if (previous !== undefined && previous.priceTicks === priceTicks && previous.sizeLots === sizeLots) {
    return previous;
  }
  return { priceTicks, sizeLots };
}

function clamp(x: number, bound: number): number {
  return x > bound ? bound : x < -bound ? -bound : x;
}
