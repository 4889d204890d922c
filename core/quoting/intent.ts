/**
 * Decisions are data: the quoter returns an immutable QuoteIntent (what we want resting on the book,
 * and why); an executor diffs it against live orders and emits the order actions to apply.
 */

/** One quote we want resting: price in integer ticks, size in integer lots. */
export interface QuoteLeg {
  readonly priceTicks: number;
  readonly sizeLots: number;
  /**
   * Quote ageing (docs/adr/0006-quoting-model-v1-5.md §Ageing): a working order of this side placed
   * BEFORE this time (Unix epoch µs) is stale and is cancelled and replaced even if its price and size
   * match. Absent: any matching order is kept, whatever its age (V1-α).
   */
  readonly notBeforeUs?: number;
}

/**
 * Why a side is (not) quoted; stable codes for counters and logs, never free text.
 * - `quote`: quoted at the model's price (after the post-only clamp to the touch).
 * - `quote-capped`: quoted, but the model's price was farther from the mid than the model's
 *   `maxHalfSpreadBps` allows, so the leg sits at that cap (docs/adr/0010-quote-bounds.md).
 * - `inventory-limit`: not quoted, a fill would take the inventory beyond ±maxInventoryLots.
 * - `price-out-of-range`: not quoted, the side's price would not be a positive safe integer tick
 *   (e.g. a bid ≤ 0 on a book whose best ask is 1 tick). A market condition, never an error.
 * - `book-not-ready`: not quoted, a book side is empty, the book is crossed or not synced.
 * - `no-volatility-yet`: not quoted, σ is still warming up.
 * - `invariant-violation`: not quoted, the quoter threw (NaN input, broken invariant); set by the
 *   engine, which pulls every quote and counts it (`EngineCounters.invariantViolations`).
 * - `halted`: not quoted, trading halted by an operator or a risk control.
 */
export type QuoteReason =
  | 'quote'
  | 'quote-capped'
  | 'inventory-limit'
  | 'price-out-of-range'
  | 'book-not-ready'
  | 'no-volatility-yet'
  | 'invariant-violation'
  | 'halted';

/** What the quoter wants resting after this event. An absent leg means "no order on that side". */
export interface QuoteIntent {
  readonly bid: QuoteLeg | undefined;
  readonly ask: QuoteLeg | undefined;
  readonly bidReason: QuoteReason;
  readonly askReason: QuoteReason;
  /** Decision time, Unix epoch µs (from the injected Clock). */
  readonly decidedAtUs: number;
  /** Mid price at decision time in ticks (float: may be x.5), used for spread-captured KPIs. */
  readonly midTicks: number | undefined;
}

/** An order of ours as the executor tracks it. */
export interface WorkingOrder {
  readonly clientOrderId: string;
  readonly side: 'bid' | 'ask';
  readonly priceTicks: number;
  readonly sizeLots: number;
  /** Lots still open (sizeLots minus filled lots). */
  readonly openLots: number;
  /**
   * When the place was sent, Unix epoch µs (the driver's clock). Absent: unknown, which a leg with
   * `notBeforeUs` treats as stale.
   */
  readonly placedAtUs?: number;
}

/** Order actions produced by diffing an intent against working orders. */
export type OrderAction =
  | {
      readonly type: 'place';
      readonly side: 'bid' | 'ask';
      readonly priceTicks: number;
      readonly sizeLots: number;
      readonly clientOrderId: string;
    }
  | { readonly type: 'cancel'; readonly clientOrderId: string; readonly side: 'bid' | 'ask' };

/** A fill of one of our orders (simulated or real). */
export interface Fill {
  readonly clientOrderId: string;
  readonly side: 'bid' | 'ask';
  readonly priceTicks: number;
  readonly sizeLots: number;
  /** Fee paid in quote currency (negative = rebate). */
  readonly feeQuote: number;
  readonly liquidity: 'maker' | 'taker';
  /** Fill time, Unix epoch µs. */
  readonly timeUs: number;
  /**
   * How the fill happened, when the venue says (the simulated venue, core/sim/queue.ts): true = a trade
   * printed strictly beyond our price (the whole level, us included, was consumed); false = a trade at our
   * price after the queue ahead of us had traded. Absent: the venue did not say (live).
   */
  readonly tradeThrough?: boolean;
}
