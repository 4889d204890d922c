/**
 * Cross-check of the synced book against Binance's `@bookTicker` stream (docs/adr/0013-live-book-feed.md).
 *
 * A bookTicker carries `u`, the order-book update id its best bid/ask belong to (Spot API "Individual
 * Symbol Book Ticker Streams"; USDⓈ-M "Individual Symbol Book Ticker Streams"). The depth stream is
 * batched (spot `@depth@100ms`), so a ticker's `u` usually falls inside a diff's [U, u] range, where
 * the local book never stands. The check is therefore made only when the book stands at exactly the
 * ticker's id: the book's update id (last applied diff `u`, or the snapshot's `lastUpdateId`) equals
 * the ticker's `u`. Either order of arrival is covered:
 *
 * - ticker first (its `u` ahead of the book): it is held (one slot, the newest replaces an older one)
 *   and compared when the book reaches that id; dropped unchecked if the book jumps past it;
 * - book first: compared at once if the book still stands at `u`; skipped if the book has moved on.
 *
 * Compared: best bid price and size, best ask price and size, in ticks and lots (both sides of the
 * comparison are parsed by the same venue parser, so a size rounded to the lot grid is rounded alike).
 * A difference means the local book is wrong (a lost or misapplied update): the caller marks the sync
 * out-of-sync ('ticker-mismatch') and resyncs from a new snapshot. The recorded sessions of
 * /work/shared/data satisfy this check on every comparison (README "Verification": 0 mismatches in
 * 4,725 comparisons over five sessions).
 *
 * Pure and allocation-free: keeps a reference to the held ticker, counters only.
 */
import type { BookTicker } from '../market-events.ts';
import type { OrderBook } from './order-book.ts';

/** Outcome of one step of the check. */
export type TickerCheckResult = 'match' | 'mismatch' | 'held' | 'skipped';

/** Counters of the check (monotone integers). */
export interface TickerCheckCounters {
  /** Tickers compared with the book at the same update id. */
  compared: number;
  /** Comparisons that found a different best bid/ask (price or size). */
  mismatches: number;
  /** Tickers never compared (book not synced, already past their id, or replaced while held). */
  skipped: number;
}

/** The check of one symbol's book; see the module doc. */
export class BookTickerCheck {
  readonly counters: TickerCheckCounters = { compared: 0, mismatches: 0, skipped: 0 };
  private held: BookTicker | undefined;

  /**
   * A bookTicker arrived.
   * @param bookUpdateId the update id the book stands at (`BinanceBookSync.updateId`); undefined
   *   when the book is not synced (the ticker is skipped).
   * @param book the synced book (read only).
   */
  onTicker(t: BookTicker, bookUpdateId: number | undefined, book: OrderBook): TickerCheckResult {
    if (bookUpdateId === undefined || t.updateId < bookUpdateId) {
      this.counters.skipped++;
      return 'skipped';
    }
    if (t.updateId === bookUpdateId) return this.compare(t, book);
    if (this.held !== undefined) this.counters.skipped++;
    this.held = t;
    return 'held';
  }

  /**
   * The book now stands at `bookUpdateId` (a diff or a snapshot was applied): compares the held
   * ticker if it has that id, drops it if the book went past it.
   * @returns the outcome for the held ticker, or undefined when none is held or it is still ahead.
   */
  onBookAt(bookUpdateId: number, book: OrderBook): TickerCheckResult | undefined {
    const t = this.held;
    if (t === undefined || t.updateId > bookUpdateId) return undefined;
    this.held = undefined;
    if (t.updateId === bookUpdateId) return this.compare(t, book);
    this.counters.skipped++;
    return 'skipped';
  }

  /** Drops a held ticker (the book went out of sync). */
  reset(): void {
    if (this.held === undefined) return;
    this.held = undefined;
    this.counters.skipped++;
  }

  private compare(t: BookTicker, book: OrderBook): TickerCheckResult {
    const c = this.counters;
    c.compared++;
    const same =
      book.bestBidTicks() === t.bidTicks &&
      book.bestBidLots() === t.bidLots &&
      book.bestAskTicks() === t.askTicks &&
      book.bestAskLots() === t.askLots;
    if (same) return 'match';
    c.mismatches++;
    return 'mismatch';
  }
}
