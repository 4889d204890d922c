/**
 * Fair-value quoter (issue 15; docs/adr/0020-fair-value-quoter.md). Centres the quotes on a
 * short-horizon fair value in price units instead of the mid, with every term in σ₁ₛ units (the mid's
 * volatility over one second, ticks) or bp, so one parameter set transfers across instruments:
 *
 *   σ₁ₛ   = sigmaTicksPerSqrtSec · √(1 s)                                   (ticks)
 *   I     = (Q_bid − Q_ask) / (Q_bid + Q_ask)                               (touch queue imbalance)
 *   q     = inventoryLots / maxInventoryLots                                ([−1, 1])
 *   α     = clamp(w·alphaTicks, ±maxShiftSigma·σ₁ₛ)                         (0 without an alpha block)
 *   fair  = mid + σ₁ₛ·(β_I·I + β_OFI·OFI − κ_inv·q) + α
 *   h     = max(c·σ₁ₛ, minHalfSpreadBp·mid/10⁴)
 *   bid   = ⌊fair − h − b_bid⌋,   ask = ⌈fair + h + b_ask⌉      b_side = refillBackoffSigma·σ₁ₛ within
 *                                                               refillCooldownMs of a fill on that side
 *   keep  a side's previous price p (our resting order's, else the last one asked for) is kept while it
 *         lies in a band around the new price: at most keepSigma·σ₁ₛ less aggressive and at most
 *         keepInsideSigma·σ₁ₛ more aggressive (bid: new − keep ≤ p ≤ new + inside; ask mirrored);
 *         both widen by keepFrontSigma·σ₁ₛ while the resting order is near the front of its queue
 *         (estimated lots ahead ≤ frontQueueQuotes·quoteSizeLots, the simulator's queue model run by the
 *         engine: view.restingBidQueueLots)
 *   then the shared cap, post-only clamp and range check (./quote-bounds.ts, ADR 0010).
 *
 * The imbalance term rests on the touch queue imbalance predicting the direction and size of the next
 * mid moves (Gould & Bonart 2016, "Queue imbalance as a one-tick-ahead price predictor in a limit order
 * book", Market Microstructure and Liquidity 2(2); Cartea, Donnelly & Jaimungal 2018, "Enhancing
 * trading strategies with order book signals", Applied Mathematical Finance 25(1)). Unlike the weighted
 * mid (Stoikov 2018, "The micro-price", §2) it is not confined inside the spread, which on a one-tick
 * book cannot express a predicted move of tens of ticks. A side whose predicted adverse move exceeds
 * its distance h is thereby stepped back (or, past the touch, not at the touch at all).
 *
 * Queue priority (keep): moving a quote by a tick sends it to the back of a new queue; the keep band
 * lets a resting order hold its place while its price is still acceptable; how much more aggressive
 * than the model's price it may stay (`keepInsideSigma`) trades adverse selection against cancels. Inventory limit as the other models ('inventory-limit'). No quotes while the book or
 * σ is not ready. Pure but for the previous prices it keeps; never throws on market conditions; a
 * non-finite input throws InvariantViolation.
 */
import type { QuoteIntent, QuoteLeg, QuoteReason } from './intent.ts';
import type { Quoter, QuoterView } from './quoter.ts';
import { FairValueParamsSchema, type FairValueParams } from './fair-value-params.ts';
import { DEFAULT_MAX_HALF_SPREAD_BPS, QuoteBounds, isQuoted, requireSaneView } from './quote-bounds.ts';

/** Float noise tolerance when rounding to ticks (as the A&S quoters). */
const ROUNDING_EPS_TICKS = 1e-9;

/** The terms of the last decision that quoted, ticks (for tests, logs and explanations). */
export interface FairValueTerms {
  /** σ₁ₛ, ticks. */
  sigmaTicks: number;
  /** Touch queue imbalance I ∈ [−1, 1]. */
  imbalance: number;
  /** Clamped alpha shift, ticks (0 without an alpha block). */
  alphaShiftTicks: number;
  /** Fair value, ticks. */
  fairTicks: number;
  /** Half spread h, ticks. */
  halfSpreadTicks: number;
}

/** See the module doc. */
export class FairValueQuoter implements Quoter {
  readonly readsDepthImbalance = false;
  private readonly params: FairValueParams;
  private readonly bounds: QuoteBounds;
  private readonly cooldownUs: number;
  private readonly alphaWeight: number;
  private readonly alphaMaxShiftSigma: number;
  private lastBid: number | undefined;
  private lastAsk: number | undefined;
  private readonly terms: FairValueTerms = {
    sigmaTicks: 0,
    imbalance: 0,
    alphaShiftTicks: 0,
    fairTicks: 0,
    halfSpreadTicks: 0,
  };

  /**
   * @param params validated 'fair-value' parameters (./fair-value-params.ts).
   * @throws ZodError if `params` do not satisfy the schema.
   */
  constructor(params: FairValueParams) {
    this.params = FairValueParamsSchema.parse(params);
    this.bounds = new QuoteBounds(this.params.maxHalfSpreadBps ?? DEFAULT_MAX_HALF_SPREAD_BPS, 0);
    this.cooldownUs = this.params.refillCooldownMs * 1000;
    this.alphaWeight = this.params.alpha?.weight ?? 0;
    this.alphaMaxShiftSigma = this.params.alpha?.maxShiftSigma ?? 0;
  }

  /** Terms of the last decision that quoted (a live object, overwritten by the next decision). */
  get lastTerms(): Readonly<FairValueTerms> {
    return this.terms;
  }

  /**
   * @param view market state, signals, touch sizes, last fill times and inventory at decision time.
   * @returns the quotes to hold; reasons 'book-not-ready', 'no-volatility-yet', 'inventory-limit',
   *   'price-out-of-range', 'quote-capped' as the other models.
   * @throws InvariantViolation `QUOTER_INPUT` on a non-finite input (./quote-bounds.ts).
   */
  decide(view: QuoterView): QuoteIntent {
    requireSaneView('FairValueQuoter', view);
    const { bestBidTicks, bestAskTicks, midTicks, sigmaTicksPerSqrtSec } = view;
    if (bestBidTicks === undefined || bestAskTicks === undefined || midTicks === undefined) {
      return this.none(view, 'book-not-ready');
    }
    if (bestBidTicks >= bestAskTicks) return this.none(view, 'book-not-ready');
    if (sigmaTicksPerSqrtSec === undefined) return this.none(view, 'no-volatility-yet');

    const p = this.params;
    const sigma = sigmaTicksPerSqrtSec; // × √(1 s)
    const imbalance = touchImbalance(view.bestBidLots, view.bestAskLots);
    const q = view.inventoryLots / p.maxInventoryLots;
    const alphaBound = this.alphaMaxShiftSigma * sigma;
    const alpha = Math.max(-alphaBound, Math.min(alphaBound, this.alphaWeight * view.alphaTicks));
    const fair =
      midTicks +
      sigma * (p.imbalanceSigma * imbalance + p.ofiSigma * view.ofi - p.inventorySkewSigma * q) +
      alpha;
    const half = Math.max(p.halfSpreadSigma * sigma, (p.minHalfSpreadBp * midTicks) / 10_000);
    const t = this.terms;
    t.sigmaTicks = sigma;
    t.imbalance = imbalance;
    t.alphaShiftTicks = alpha;
    t.fairTicks = fair;
    t.halfSpreadTicks = half;

    const backoff = p.refillBackoffSigma * sigma;
    const bidBack = view.nowUs - view.lastBidFillUs < this.cooldownUs ? backoff : 0;
    const askBack = view.nowUs - view.lastAskFillUs < this.cooldownUs ? backoff : 0;
    let bid = Math.floor(fair - half - bidBack + ROUNDING_EPS_TICKS);
    let ask = Math.ceil(fair + half + askBack - ROUNDING_EPS_TICKS);
    const keep = p.keepSigma * sigma;
    const inside = p.keepInsideSigma * sigma;
    const front = p.keepFrontSigma * sigma;
    const frontLots = p.frontQueueQuotes * p.quoteSizeLots;
    // The resting order's price (what the venue holds), else the last price this quoter asked for.
    const lb = view.restingBidTicks ?? this.lastBid;
    const bidFront =
      lb === view.restingBidTicks && (view.restingBidQueueLots ?? Infinity) <= frontLots ? front : 0;
    if (lb !== undefined && lb >= bid - keep - bidFront && lb <= bid + inside + bidFront) bid = lb;
    const la = view.restingAskTicks ?? this.lastAsk;
    const askFront =
      la === view.restingAskTicks && (view.restingAskQueueLots ?? Infinity) <= frontLots ? front : 0;
    if (la !== undefined && la <= ask + keep + askFront && la >= ask - inside - askFront) ask = la;

    const b = this.bounds;
    b.apply(bid, ask, midTicks, bestBidTicks, bestAskTicks);
    const bidReason =
      view.inventoryLots + p.quoteSizeLots <= p.maxInventoryLots ? b.bidReason : 'inventory-limit';
    const askReason =
      view.inventoryLots - p.quoteSizeLots >= -p.maxInventoryLots ? b.askReason : 'inventory-limit';
    const bidLeg = isQuoted(bidReason) ? legAt(b.bidTicks, p.quoteSizeLots) : undefined;
    const askLeg = isQuoted(askReason) ? legAt(b.askTicks, p.quoteSizeLots) : undefined;
    this.lastBid = bidLeg?.priceTicks;
    this.lastAsk = askLeg?.priceTicks;
    return { bid: bidLeg, ask: askLeg, bidReason, askReason, decidedAtUs: view.nowUs, midTicks };
  }

  private none(view: QuoterView, reason: QuoteReason): QuoteIntent {
    this.lastBid = undefined;
    this.lastAsk = undefined;
    return {
      bid: undefined,
      ask: undefined,
      bidReason: reason,
      askReason: reason,
      decidedAtUs: view.nowUs,
      midTicks: view.midTicks,
    };
  }
}

/**
 * Touch queue imbalance (Q_bid − Q_ask)/(Q_bid + Q_ask) ∈ [−1, 1]; 0 when a size is unknown or both are 0.
 * @param bidLots visible lots at the best bid. @param askLots visible lots at the best ask.
 */
export function touchImbalance(bidLots: number | undefined, askLots: number | undefined): number {
  if (bidLots === undefined || askLots === undefined) return 0;
  const total = bidLots + askLots;
  return total > 0 ? (bidLots - askLots) / total : 0;
}

function legAt(priceTicks: number, sizeLots: number): QuoteLeg {
  return { priceTicks, sizeLots };
}
