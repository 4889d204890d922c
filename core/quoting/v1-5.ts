/**
 * V1.5 quoter (seed 004 §4), in ticks (docs/adr/0002-quoting-model-units.md); the formulas, the sign
 * of the inventory skew, the ageing design and the alpha clamp are argued in
 * docs/adr/0006-quoting-model-v1-5.md.
 *
 *   q       = inventoryLots / quoteSizeLots                                   (unit orders)
 *   r       = s − q·γ·σ²·τ                                                    (A&S 2008 eq. 29)
 *   α       = clamp(w·alphaTicks, ±maxShiftTicks)                             (0 without an alpha block)
 *   offset  = clamp(−κ_inv·q + β_ofi·OFI + β_di·DI + α, ±3)                   (seed §4.4, §4.7)
 *   centre  = r + offset
 *   base    = γ·σ²·τ + (2/γ)·ln(1 + γ/k)                                      (A&S eq. 30: V1-α's spread)
 *   raw     = base + κ_vol·σ + κ_inv·|q|                                      (seed §4.4)
 *   spread  = max(raw·(σ > ρ·σ_long ? f : 1), minSpreadTicks)                 (§3.6 widening; §4.7 floor)
 *   bid     = floor(centre − spread/2),  ask = ceil(centre + spread/2)            (bids down, asks up)
 *   cap       |quote − mid| ≤ max(maxHalfSpreadBps·mid, minSpread/2, 10)       (clamped: 'quote-capped')
 *   post-only bid ≤ bestAsk − 1, ask ≥ bestBid + 1
 *   range     a side that is not a positive safe integer tick is dropped ('price-out-of-range')
 * (cap, post-only and range: ./quote-bounds.ts, docs/adr/0010-quote-bounds.md).
 *
 * The seed writes centre = r + κ_inv·q, which RAISES the quotes when long; the skew here is −κ_inv·q,
 * the direction of A&S's r and of Guéant, Lehalle & Fernandez-Tapia (2013) (ADR 0006 §Sign).
 *
 * Quote ageing (seed §4.5): every leg carries `notBeforeUs = max(nowUs − maxQuoteAgeMs, last sign flip
 * of OFI or DI)`; the executor replaces any working order placed before it, even at an unchanged price.
 * A flip is a strict reversal of sign against the last non-zero sign seen (0, "no signal", is not a sign).
 *
 * Inventory limit as V1-α: a side is dropped ('inventory-limit') when its fill would take the inventory
 * beyond ±maxInventoryLots. No quotes while the book or σ is not ready. Never throws on market
 * conditions; a non-finite input throws InvariantViolation.
 */

import type { QuoteIntent, QuoteReason } from './intent.ts';
import type { Quoter, QuoterView } from './quoter.ts';
import { AsV15ParamsSchema, type AsV15Params } from './model-params.ts';
import { OptimalSpread, reservationPriceTicks } from './avellaneda-stoikov.ts';
import {
  DEFAULT_MAX_HALF_SPREAD_BPS,
  QuoteBounds,
  isQuoted,
  maxHalfSpreadTicks,
  requireSaneView,
} from './quote-bounds.ts';

/** Bound of the total centre offset from r (skew + OFI + DI + alpha), ticks (seed §4.7). */
export const MAX_CENTRE_OFFSET_TICKS = 3;

/** Float noise tolerance when rounding to ticks (as V1-α): never widens a quote by a whole tick. */
const ROUNDING_EPS_TICKS = 1e-9;

/** The terms of the last quoted decision, ticks (for tests, logs and explanations). */
export interface V15Terms {
  /** Reservation price r, ticks. */
  reservationTicks: number;
  /** Clamped alpha shift, ticks. */
  alphaShiftTicks: number;
  /** Total offset from r after the ±3-tick clamp, ticks. */
  offsetTicks: number;
  /** centre = r + offset, ticks. */
  centreTicks: number;
  /** Spread before widening and floor (base + κ_vol·σ + κ_inv·|q|), ticks. */
  rawSpreadTicks: number;
  /** Whether the adaptive widening applied. */
  widened: boolean;
  /** Final spread (widened, floored), ticks, before the cap. */
  spreadTicks: number;
  /** Largest distance of a quote from the mid (the cap), ticks. */
  maxHalfSpreadTicks: number;
  /** Ageing bound of the legs, Unix epoch µs. */
  notBeforeUs: number;
}

/**
 * Avellaneda–Stoikov V1.5 quoter; see the module doc. Stateful only in what ageing needs (the last
 * non-zero signs of OFI and DI and the time of the last flip); otherwise a function of the view.
 * Allocates one intent and its legs per decision (V1.5 is not on the V1-α allocation-free path).
 */
export class AsV15Quoter implements Quoter {
  readonly readsDepthImbalance: boolean;
  /** The model does not read our resting orders. */
  readonly readsRestingOrders = false;
  private readonly params: AsV15Params;
  private readonly spread: OptimalSpread;
  private readonly maxAgeUs: number;
  private readonly alphaWeight: number;
  private readonly alphaMaxShiftTicks: number;
  private ofiSign = 0;
  private diSign = 0;
  private flipAtUs = Number.NEGATIVE_INFINITY;
  private readonly terms: V15Terms = {
    reservationTicks: 0,
    alphaShiftTicks: 0,
    offsetTicks: 0,
    centreTicks: 0,
    rawSpreadTicks: 0,
    widened: false,
    spreadTicks: 0,
    maxHalfSpreadTicks: 0,
    notBeforeUs: 0,
  };
  private readonly bounds: QuoteBounds;
  private readonly maxHalfSpreadBps: number;

  /**
   * @param params validated 'as-v1.5' parameters (model-params.ts).
   * @throws ZodError if `params` do not satisfy the schema.
   */
  constructor(params: AsV15Params) {
    this.params = AsV15ParamsSchema.parse(params);
    const p = this.params;
    this.spread = new OptimalSpread(p.gamma, p.horizonSec, p.kPerTick);
    this.maxAgeUs = p.maxQuoteAgeMs * 1000;
    this.alphaWeight = p.alpha?.weight ?? 0;
    this.alphaMaxShiftTicks = p.alpha?.maxShiftTicks ?? 0;
    this.readsDepthImbalance = p.betaDiTicks !== 0 || p.refreshOnSignFlip;
    this.maxHalfSpreadBps = p.maxHalfSpreadBps ?? DEFAULT_MAX_HALF_SPREAD_BPS;
    this.bounds = new QuoteBounds(this.maxHalfSpreadBps, p.minSpreadTicks);
  }

  /** Terms of the last decision that quoted (a live object, overwritten by the next decision). */
  get lastTerms(): Readonly<V15Terms> {
    return this.terms;
  }

  /** Time of the last OFI/DI sign flip, Unix epoch µs; −Infinity before any. */
  get lastSignFlipUs(): number {
    return this.flipAtUs;
  }

  /**
   * @param view market state, signals, inventory and alpha at decision time.
   * @returns the quotes to hold; reasons as V1-α ('book-not-ready', 'no-volatility-yet',
   *   'inventory-limit', 'price-out-of-range', 'quote-capped'). Legs carry `notBeforeUs` (ageing).
   * @throws InvariantViolation `QUOTER_INPUT` on a non-finite OFI, DI, alpha, mid, touch or inventory,
   *   or a σ / σ_long that is negative or not finite (never on market conditions).
   */
  decide(view: QuoterView): QuoteIntent {
    requireSaneView('AsV15Quoter', view);
    if (this.params.refreshOnSignFlip) this.trackSigns(view);

    const { bestBidTicks, bestAskTicks, midTicks, sigmaTicksPerSqrtSec: sigma } = view;
    if (bestBidTicks === undefined || bestAskTicks === undefined || midTicks === undefined) {
      return noQuotes(view, 'book-not-ready');
    }
    if (bestBidTicks >= bestAskTicks) return noQuotes(view, 'book-not-ready');
    if (sigma === undefined) return noQuotes(view, 'no-volatility-yet');
    const sigmaLong = view.sigmaLongTicksPerSqrtSec;

    const p = this.params;
    const t = this.terms;
    const q = view.inventoryLots / p.quoteSizeLots;
    t.reservationTicks = reservationPriceTicks(midTicks, q, p.gamma, sigma, p.horizonSec);
    t.alphaShiftTicks = clamp(this.alphaWeight * view.alphaTicks, this.alphaMaxShiftTicks);
    const offset =
      -p.kappaInvTicks * q +
      p.betaOfiTicks * view.ofi +
      p.betaDiTicks * view.depthImbalance +
      t.alphaShiftTicks;
    t.offsetTicks = clamp(offset, MAX_CENTRE_OFFSET_TICKS);
    t.centreTicks = t.reservationTicks + t.offsetTicks;
    t.rawSpreadTicks = this.spread.ticks(sigma) + p.kappaVolSqrtSec * sigma + p.kappaInvTicks * Math.abs(q);
    t.widened = sigmaLong !== undefined && sigma > p.wideningRatio * sigmaLong;
    const widenedTicks = t.widened ? t.rawSpreadTicks * p.wideningFactor : t.rawSpreadTicks;
    t.spreadTicks = Math.max(widenedTicks, p.minSpreadTicks);
    t.notBeforeUs = Math.max(view.nowUs - this.maxAgeUs, this.flipAtUs);

    t.maxHalfSpreadTicks = maxHalfSpreadTicks(midTicks, this.maxHalfSpreadBps, p.minSpreadTicks);

    const half = t.spreadTicks / 2;
    const b = this.bounds;
    b.apply(
      Math.floor(t.centreTicks - half + ROUNDING_EPS_TICKS),
      Math.ceil(t.centreTicks + half - ROUNDING_EPS_TICKS),
      midTicks,
      bestBidTicks,
      bestAskTicks,
    );
    const bidReason =
      view.inventoryLots + p.quoteSizeLots <= p.maxInventoryLots ? b.bidReason : 'inventory-limit';
    const askReason =
      view.inventoryLots - p.quoteSizeLots >= -p.maxInventoryLots ? b.askReason : 'inventory-limit';
    return {
      bid: isQuoted(bidReason)
        ? { priceTicks: b.bidTicks, sizeLots: p.quoteSizeLots, notBeforeUs: t.notBeforeUs }
        : undefined,
      ask: isQuoted(askReason)
        ? { priceTicks: b.askTicks, sizeLots: p.quoteSizeLots, notBeforeUs: t.notBeforeUs }
        : undefined,
      bidReason,
      askReason,
      decidedAtUs: view.nowUs,
      midTicks,
    };
  }

  /** Records a strict reversal of the OFI or DI sign (against its last non-zero sign) at `nowUs`. */
  private trackSigns(view: QuoterView): void {
    const ofiSign = Math.sign(view.ofi);
    if (ofiSign !== 0) {
      if (ofiSign !== this.ofiSign && this.ofiSign !== 0) this.flipAtUs = view.nowUs;
      this.ofiSign = ofiSign;
    }
    const diSign = Math.sign(view.depthImbalance);
    if (diSign !== 0) {
      if (diSign !== this.diSign && this.diSign !== 0) this.flipAtUs = view.nowUs;
      this.diSign = diSign;
    }
  }
}

function noQuotes(view: QuoterView, reason: QuoteReason): QuoteIntent {
  return {
    bid: undefined,
    ask: undefined,
    bidReason: reason,
    askReason: reason,
    decidedAtUs: view.nowUs,
    midTicks: view.midTicks,
  };
}

function clamp(x: number, bound: number): number {
  return x > bound ? bound : x < -bound ? -bound : x;
}
