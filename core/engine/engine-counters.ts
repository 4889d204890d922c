/**
 * The quoting engine's counters (core/engine/quoting-engine.ts): one session's monotone integers, read
 * by the backtest report, the run summary and the engine's metrics.
 */

import type { QuoteReason } from '../quoting/intent.ts';

/** Counters of one engine session (all monotone, plain integers). */
export interface EngineCounters {
  /** Market events received (all kinds). */
  events: number;
  /**
   * `@bookTicker` events that did not set the touch (no fast touch, or not ahead of the book); they are
   * still cross-checked, see `bookTickerCompared`.
   */
  bookTickerIgnored: number;
  /** `@bookTicker` events ahead of the book that set the touch (core/book/fast-touch.ts). */
  bookTickerTouches: number;
  /** bookTickers compared with the book at their update id (core/book/book-ticker-check.ts). */
  bookTickerCompared: number;
  /** Comparisons that found the book wrong (each marked the book out of sync: a resync). */
  bookTickerMismatches: number;
  /** Quoter decisions taken. */
  decisions: number;
  /** Executor reconciles run (decisions whose legs or working orders changed). */
  reconciles: number;
  /** Place requests sent (= quotes placed). */
  quotesPlaced: number;
  /** Places the engine's hard inventory check refused to send. */
  placesBlocked: number;
  /** Cancel requests sent. */
  cancelsSent: number;
  /** Cancels that took effect (`canceled` reports). */
  cancelsConfirmed: number;
  /** Cancels that found no order (it had filled first). */
  cancelRejects: number;
  /** Places the venue rejected. */
  rejects: number;
  /** Fill reports. */
  fills: number;
  /** Lots filled, both sides. */
  filledLots: number;
  /** Transitions from quoting to pulled because the book was gapped, crossed or not synced. */
  pulls: number;
  /** Events seen while not quoting because the book was not synced. */
  eventsWhilePulled: number;
  /** Quoter decisions that threw (all quotes pulled, the event skipped; see the module doc). */
  invariantViolations: number;
  /** Quoted sides clamped to the model's `maxHalfSpreadBps` cap (reason 'quote-capped'), per decision. */
  sidesCapped: number;
  /** Sides not quoted, per decision and side, by reason ('inventory-limit'). */
  sidesNotQuotedInventoryLimit: number;
  /** … 'price-out-of-range': the side's price was not a positive safe integer tick. */
  sidesNotQuotedPriceOutOfRange: number;
  /** … 'book-not-ready' (a decision on an empty-sided book; pulls are counted in `pulls`). */
  sidesNotQuotedBookNotReady: number;
  /** … 'no-volatility-yet'. */
  sidesNotQuotedNoVolatilityYet: number;
  /** … 'halted'. */
  sidesNotQuotedHalted: number;
  /** Model hot swaps applied (`swapModel`). */
  swaps: number;
}

/** All counters at 0 (a new engine session). */
export function newEngineCounters(): EngineCounters {
  return {
    events: 0,
    bookTickerIgnored: 0,
    bookTickerTouches: 0,
    bookTickerCompared: 0,
    bookTickerMismatches: 0,
    decisions: 0,
    reconciles: 0,
    quotesPlaced: 0,
    placesBlocked: 0,
    cancelsSent: 0,
    cancelsConfirmed: 0,
    cancelRejects: 0,
    rejects: 0,
    fills: 0,
    filledLots: 0,
    pulls: 0,
    eventsWhilePulled: 0,
    invariantViolations: 0,
    sidesCapped: 0,
    sidesNotQuotedInventoryLimit: 0,
    sidesNotQuotedPriceOutOfRange: 0,
    sidesNotQuotedBookNotReady: 0,
    sidesNotQuotedNoVolatilityYet: 0,
    sidesNotQuotedHalted: 0,
    swaps: 0,
  };
}

/**
 * Counts one side's reason for not quoting, or for quoting at the cap (`quote` is not counted; an
 * `invariant-violation` side is counted by the engine where the quoter threw: `invariantViolations`).
 */
export function countSideReason(c: EngineCounters, reason: QuoteReason): void {
  switch (reason) {
    case 'quote':
    case 'invariant-violation':
      return;
    case 'quote-capped':
      c.sidesCapped++;
      return;
    case 'inventory-limit':
      c.sidesNotQuotedInventoryLimit++;
      return;
    case 'price-out-of-range':
      c.sidesNotQuotedPriceOutOfRange++;
      return;
    case 'book-not-ready':
      c.sidesNotQuotedBookNotReady++;
      return;
    case 'no-volatility-yet':
      c.sidesNotQuotedNoVolatilityYet++;
      return;
    case 'halted':
      c.sidesNotQuotedHalted++;
      return;
  }
}
