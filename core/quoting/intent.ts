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

/** Why a side is (not) quoted; stable codes for counters and logs, never free text. */
export type QuoteReason = 'quote' | 'inventory-limit' | 'book-not-ready' | 'no-volatility-yet' | 'halted';

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
}
