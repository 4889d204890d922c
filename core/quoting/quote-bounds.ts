/**
 * Quote bounds shared by every quoting model (docs/adr/0010-quote-bounds.md): a quoter never throws on
 * market conditions. After the model's rounding (bids down, asks up), each side goes through
 *
 *   1. the cap:        bid ≥ ⌈mid − cap⌉, ask ≤ ⌊mid + cap⌋,
 *                      cap = max(maxHalfSpreadBps·mid/10⁴, minSpread/2, 10 ticks)
 *                      (a side beyond it is clamped to it: reason `quote-capped`);
 *   2. post-only:      bid ≤ bestAsk − 1, ask ≥ bestBid + 1 (never cross the touch; ADR 0002/0006);
 *   3. the range:      a price that is not a positive safe integer tick is not quoted
 *                      (reason `price-out-of-range`).
 *
 * Inputs that no market can produce (NaN, ±Infinity, σ < 0) are invariant violations: the quoter
 * throws `InvariantViolation`, and the engine pulls every quote, counts it and goes on.
 */
import { InvariantViolation } from '../errors.ts';
import type { QuoteReason } from './intent.ts';
import type { QuoterView } from './quoter.ts';

/** Default cap on a quote's distance from the mid, bps of the mid (when the params omit it). */
export const DEFAULT_MAX_HALF_SPREAD_BPS = 50;

/** Largest cap the schema accepts, bps of the mid (10 %: beyond that a quote is not market making). */
export const MAX_HALF_SPREAD_BPS_LIMIT = 1000;

/**
 * The cap is never tighter than this, ticks. The cap is a guard against runaway spreads and reservation
 * shifts (thousands of ticks), not a constraint on coarse tick grids: within 10 ticks of the mid a quote
 * is meaningful whatever a tick is worth, and the terms a model bounds itself (V1.5's ±3-tick centre
 * offset plus its spread floor, V1-α's ±1-tick OFI shift) fit inside it, so the cap never overrides them.
 * On BTCUSDT (mid ≈ 560,000 ticks on USDⓈ-M, ≈ 5,600,000 on spot) the bps term is the cap.
 */
export const MIN_CAP_TICKS = 10;

/** Float noise tolerance at the cap's edges, ticks: float error never costs a whole tick. */
const EPS_TICKS = 1e-9;

/**
 * Largest distance of a quote from the mid, ticks (float).
 * @param midTicks mid, ticks (finite, > 0).
 * @param maxHalfSpreadBps the cap, bps of the mid (> 0).
 * @param minSpreadTicks the model's spread floor, ticks (≥ 0): the cap never undercuts half of it, so
 *   the floor (a risk control) wins over the cap.
 * @returns max(maxHalfSpreadBps·mid/10⁴, minSpreadTicks/2, MIN_CAP_TICKS).
 */
export function maxHalfSpreadTicks(
  midTicks: number,
  maxHalfSpreadBps: number,
  minSpreadTicks: number,
): number {
  return Math.max((midTicks * maxHalfSpreadBps) / 10_000, minSpreadTicks / 2, MIN_CAP_TICKS);
}

/**
 * Applies the cap, the post-only clamp and the range check to one decision's rounded prices. Reused
 * by its quoter (no allocation per decision): read the four fields after {@link apply}.
 */
export class QuoteBounds {
  /** Bid after the bounds, ticks; meaningful only when `bidReason` is `quote` or `quote-capped`. */
  bidTicks = 0;
  /** Ask after the bounds, ticks; meaningful only when `askReason` is `quote` or `quote-capped`. */
  askTicks = 0;
  bidReason: QuoteReason = 'quote';
  askReason: QuoteReason = 'quote';

  /**
   * @param maxHalfSpreadBps cap on a quote's distance from the mid, bps of the mid (> 0).
   * @param minSpreadTicks the model's spread floor, ticks (≥ 0).
   */
  constructor(
    private readonly maxHalfSpreadBps: number,
    private readonly minSpreadTicks: number,
  ) {}

  /**
   * @param modelBidTicks the model's bid, rounded down (may be ≤ 0, huge or NaN after overflow).
   * @param modelAskTicks the model's ask, rounded up.
   * @param midTicks mid, ticks; `bestBidTicks < bestAskTicks` the touch, ticks (the caller checked
   *   that the book is ready and not crossed).
   */
  apply(
    modelBidTicks: number,
    modelAskTicks: number,
    midTicks: number,
    bestBidTicks: number,
    bestAskTicks: number,
  ): void {
    const cap = maxHalfSpreadTicks(midTicks, this.maxHalfSpreadBps, this.minSpreadTicks);
    let bid = modelBidTicks;
    let bidReason: QuoteReason = 'quote';
    const lowest = Math.ceil(midTicks - cap - EPS_TICKS);
    // `!(x >= lowest)` also catches a NaN from an overflowed model term: the cap is then the quote.
    if (!(bid >= lowest)) {
      bid = lowest;
      bidReason = 'quote-capped';
    }
    if (bid > bestAskTicks - 1) bid = bestAskTicks - 1;
    if (!isPositiveTick(bid)) bidReason = 'price-out-of-range';

    let ask = modelAskTicks;
    let askReason: QuoteReason = 'quote';
    const highest = Math.floor(midTicks + cap + EPS_TICKS);
    if (!(ask <= highest)) {
      ask = highest;
      askReason = 'quote-capped';
    }
    if (ask < bestBidTicks + 1) ask = bestBidTicks + 1;
    if (!isPositiveTick(ask)) askReason = 'price-out-of-range';

    this.bidTicks = bid;
    this.askTicks = ask;
    this.bidReason = bidReason;
    this.askReason = askReason;
  }
}

/** Whether a side with this reason carries a leg. */
export function isQuoted(reason: QuoteReason): boolean {
  return reason === 'quote' || reason === 'quote-capped';
}

function isPositiveTick(ticks: number): boolean {
  return Number.isSafeInteger(ticks) && ticks > 0;
}

/**
 * Checks the view's numbers a quoter reads (touch, mid, σ, slow σ, OFI, DI, alpha, inventory): each
 * finite when present, σ and σ_long ≥ 0. Absent values (`undefined`) are market conditions, not errors.
 * @param quoter the quoter's name, for the message.
 * @throws InvariantViolation `QUOTER_INPUT` naming the field and the value.
 */
export function requireSaneView(quoter: string, view: QuoterView): void {
  requireFinite(quoter, 'ofi', view.ofi);
  requireFinite(quoter, 'depthImbalance', view.depthImbalance);
  requireFinite(quoter, 'alphaTicks', view.alphaTicks);
  requireFinite(quoter, 'inventoryLots', view.inventoryLots);
  if (view.bestBidTicks !== undefined) requireFinite(quoter, 'bestBidTicks', view.bestBidTicks);
  if (view.bestAskTicks !== undefined) requireFinite(quoter, 'bestAskTicks', view.bestAskTicks);
  if (view.midTicks !== undefined) requireFinite(quoter, 'midTicks', view.midTicks);
  const sigma = view.sigmaTicksPerSqrtSec;
  if (sigma !== undefined) requireNonNegative(quoter, 'sigmaTicksPerSqrtSec', sigma);
  const sigmaLong = view.sigmaLongTicksPerSqrtSec;
  if (sigmaLong !== undefined) requireNonNegative(quoter, 'sigmaLongTicksPerSqrtSec', sigmaLong);
}

function requireFinite(quoter: string, field: string, value: number): void {
  if (!Number.isFinite(value)) throw violation(quoter, field, value, 'finite');
}

function requireNonNegative(quoter: string, field: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) throw violation(quoter, field, value, 'finite and >= 0');
}

function violation(quoter: string, field: string, value: number, expected: string): InvariantViolation {
  return new InvariantViolation(
    'QUOTER_INPUT',
    `${quoter}: view.${field} must be ${expected}, got ${value}`,
    { quoter, field, value: String(value) },
  );
}
