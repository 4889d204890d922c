/**
 * The fastest top of book (issue 15; docs/adr/0020-fair-value-quoter.md §Fastest top of book): Binance's
 * `@bookTicker` stream pushes every change of the best bid/ask in real time, while spot depth arrives
 * in 100-ms batches (`@depth@100ms`). Between two depth diffs the touch a bookTicker shows is newer than
 * the local book's.
 *
 * Ordering is by update id, never by time (spot bookTickers carry no exchange time, and receive times
 * order the two streams only as well as the recorder's sockets did): a bookTicker's `u` is the order-book
 * update id its best bid/ask belong to, a depth diff's `u` the last id it applies (Spot API and USDⓈ-M
 * docs, "Individual Symbol Book Ticker Streams" and "Diff. Depth Stream"). So
 *   - a ticker with `u` > the book's update id is AHEAD of the book: its touch is the freshest known
 *     (`onTicker` accepts it, replacing an older accepted ticker);
 *   - a ticker with `u` ≤ the book's id is already contained in the book: ignored;
 *   - once the book reaches or passes the accepted ticker's id (`onBookAt`), the book is at least as
 *     new: the ticker is dropped and the book's own touch is used again.
 * Staleness: nothing is used that is older than the book; between diffs the ticker is the last word.
 * A ticker whose sides are crossed or empty is ignored (never seen in the recordings; a bad payload).
 *
 * The book itself (depth beyond the touch, queue sizes at other prices) still comes from depth alone.
 * Pure; no allocation per event.
 */
import type { Side } from '../market-events.ts';

/** What a fast touch reads from the book: its best prices and level sizes (`OrderBook` satisfies it). */
export interface TouchSource {
  bestBidTicks(): number | undefined;
  bestAskTicks(): number | undefined;
  bestBidLots(): number | undefined;
  bestAskLots(): number | undefined;
  /** Visible lots at a price; 0 if no level. */
  sizeAtLots(side: Side, priceTicks: number): number;
}

/** A touch with its mid and microprice: what the engine quotes against (`OrderBook` and {@link FastTouch}). */
export interface Touch extends TouchSource {
  /** (bid + ask)/2, ticks (may be x.5); undefined when a side is empty. */
  midTicks(): number | undefined;
  /** Size-weighted mid (bid·askLots + ask·bidLots)/(bidLots + askLots), ticks; undefined when a side is empty. */
  micropriceTicks(): number | undefined;
}

/** A bookTicker's fields this needs (`BookTicker` of core/market-events.ts satisfies it). */
export interface TickerTouch {
  readonly updateId: number;
  readonly bidTicks: number;
  readonly bidLots: number;
  readonly askTicks: number;
  readonly askLots: number;
}

/**
 * The touch to quote against: the accepted bookTicker while it is ahead of the book, else the book's.
 * Implements {@link TouchSource}, so a simulated venue can read the same touch the engine quotes against
 * (its post-only check and the queue ahead of an order placed at the touch).
 */
export class FastTouch implements Touch {
  private activeValue = false;
  private updateId = 0;
  private bid = 0;
  private ask = 0;
  private bidLots = 0;
  private askLots = 0;
  /** bookTickers accepted as ahead of the book. */
  accepted = 0;

  /** @param book the local book (depth), read only. */
  constructor(private readonly book: Touch) {}

  /** Whether a bookTicker ahead of the book is in force. */
  get active(): boolean {
    return this.activeValue;
  }

  /**
   * A bookTicker arrived.
   * @param bookUpdateId the update id the book stands at; undefined when the book is not synced (the
   *   ticker is then ignored: a touch without a book to fall back on is not used).
   * @returns true when the ticker was accepted (the touch changed source or value).
   */
  onTicker(t: TickerTouch, bookUpdateId: number | undefined): boolean {
    if (bookUpdateId === undefined || t.updateId <= bookUpdateId) return false;
    if (this.activeValue && t.updateId <= this.updateId) return false;
    if (!(t.bidTicks < t.askTicks) || t.bidLots <= 0 || t.askLots <= 0) return false;
    this.activeValue = true;
    this.updateId = t.updateId;
    this.bid = t.bidTicks;
    this.ask = t.askTicks;
    this.bidLots = t.bidLots;
    this.askLots = t.askLots;
    this.accepted++;
    return true;
  }

  /** The book now stands at `bookUpdateId` (a diff or snapshot applied): drops a ticker it has reached. */
  onBookAt(bookUpdateId: number | undefined): void {
    if (this.activeValue && (bookUpdateId === undefined || bookUpdateId >= this.updateId)) {
      this.activeValue = false;
    }
  }

  /** Forgets the ticker (the book went out of sync). */
  reset(): void {
    this.activeValue = false;
  }

  bestBidTicks(): number | undefined {
    return this.activeValue ? this.bid : this.book.bestBidTicks();
  }

  bestAskTicks(): number | undefined {
    return this.activeValue ? this.ask : this.book.bestAskTicks();
  }

  bestBidLots(): number | undefined {
    return this.activeValue ? this.bidLots : this.book.bestBidLots();
  }

  bestAskLots(): number | undefined {
    return this.activeValue ? this.askLots : this.book.bestAskLots();
  }

  /** Mid of the touch, ticks (may be x.5); undefined when a side is empty. */
  midTicks(): number | undefined {
    return this.activeValue ? (this.bid + this.ask) / 2 : this.book.midTicks();
  }

  /** Microprice of the touch (as `OrderBook.micropriceTicks`), ticks; undefined when a side is empty. */
  micropriceTicks(): number | undefined {
    if (!this.activeValue) return this.book.micropriceTicks();
    return (this.bid * this.askLots + this.ask * this.bidLots) / (this.bidLots + this.askLots);
  }

  /**
   * Visible lots at a price: the ticker's size at its own touch prices, 0 on the wrong side of its touch
   * (the book's levels there are stale: the ticker says they are gone), else the book's.
   */
  sizeAtLots(side: Side, priceTicks: number): number {
    if (!this.activeValue) return this.book.sizeAtLots(side, priceTicks);
    if (side === 'bid') {
      if (priceTicks === this.bid) return this.bidLots;
      if (priceTicks > this.bid) return 0;
    } else {
      if (priceTicks === this.ask) return this.askLots;
      if (priceTicks < this.ask) return 0;
    }
    return this.book.sizeAtLots(side, priceTicks);
  }
}
