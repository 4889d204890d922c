import { describe, expect, it } from 'vitest';
import { BookTickerCheck } from '../../../core/book/book-ticker-check.ts';
import { OrderBook } from '../../../core/book/order-book.ts';
import type { BookTicker } from '../../../core/market-events.ts';

function ticker(updateId: number, bid: number, bidLots: number, ask: number, askLots: number): BookTicker {
  return {
    kind: 'bookTicker',
    updateId,
    bidTicks: bid,
    bidLots,
    askTicks: ask,
    askLots,
    exchTimeMs: undefined,
    recvTimeUs: 0,
  };
}

/** Book: bids 100×5, 99×7; asks 102×3, 103×1. */
function book(): OrderBook {
  const b = new OrderBook();
  b.applyLevels('bid', [
    [100, 5],
    [99, 7],
  ]);
  b.applyLevels('ask', [
    [102, 3],
    [103, 1],
  ]);
  return b;
}

describe('BookTickerCheck', () => {
  it('compares only when the book stands at the ticker id: match, then mismatch on any of the four fields', () => {
    const c = new BookTickerCheck();
    const b = book();
    expect(c.onTicker(ticker(10, 100, 5, 102, 3), 10, b)).toBe('match');
    expect(c.onTicker(ticker(10, 100, 4, 102, 3), 10, b)).toBe('mismatch'); // bid size
    expect(c.onTicker(ticker(10, 101, 5, 102, 3), 10, b)).toBe('mismatch'); // bid price
    expect(c.onTicker(ticker(10, 100, 5, 103, 3), 10, b)).toBe('mismatch'); // ask price
    expect(c.onTicker(ticker(10, 100, 5, 102, 2), 10, b)).toBe('mismatch'); // ask size
    expect(c.counters).toEqual({ compared: 5, mismatches: 4, skipped: 0 });
  });

  it('skips a ticker the book is past, and every ticker while the book is not synced', () => {
    const c = new BookTickerCheck();
    const b = book();
    expect(c.onTicker(ticker(9, 1, 1, 2, 1), 10, b)).toBe('skipped'); // a wrong top, but older than the book
    expect(c.onTicker(ticker(10, 1, 1, 2, 1), undefined, b)).toBe('skipped');
    expect(c.counters).toEqual({ compared: 0, mismatches: 0, skipped: 2 });
  });

  it('holds a ticker ahead of the book and compares it when the book reaches its id (batched diffs)', () => {
    const c = new BookTickerCheck();
    const b = book();
    expect(c.onTicker(ticker(15, 100, 5, 102, 3), 10, b)).toBe('held');
    expect(c.onBookAt(12, b)).toBeUndefined(); // still ahead
    expect(c.onBookAt(15, b)).toBe('match');
    expect(c.onBookAt(16, b)).toBeUndefined(); // nothing held any more
    // held, then the book jumps past its id inside one diff: never compared
    expect(c.onTicker(ticker(20, 1, 1, 2, 1), 16, b)).toBe('held');
    expect(c.onBookAt(25, b)).toBe('skipped');
    // a newer ticker replaces the held one (the older is counted skipped); a held one found wrong
    expect(c.onTicker(ticker(30, 1, 1, 2, 1), 25, b)).toBe('held');
    expect(c.onTicker(ticker(31, 100, 5, 102, 9), 25, b)).toBe('held');
    expect(c.onBookAt(31, b)).toBe('mismatch');
    expect(c.counters).toEqual({ compared: 2, mismatches: 1, skipped: 2 });
  });

  it('reset drops the held ticker', () => {
    const c = new BookTickerCheck();
    const b = book();
    c.onTicker(ticker(15, 1, 1, 2, 1), 10, b);
    c.reset();
    expect(c.onBookAt(15, b)).toBeUndefined();
    expect(c.counters.skipped).toBe(1);
  });
});
