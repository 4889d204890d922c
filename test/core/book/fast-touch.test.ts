import { describe, it, expect } from 'vitest';
import { FastTouch, type Touch } from '../../../core/book/fast-touch.ts';
import type { Side } from '../../../core/market-events.ts';

/** A book standing at bid 1000 × 5 / ask 1002 × 7, with a second bid level 999 × 3. */
const BOOK: Touch = {
  midTicks: () => 1001,
  micropriceTicks: () => (1000 * 7 + 1002 * 5) / 12,
  bestBidTicks: () => 1000,
  bestAskTicks: () => 1002,
  bestBidLots: () => 5,
  bestAskLots: () => 7,
  sizeAtLots: (side: Side, p: number) =>
    side === 'bid' ? (({ 1000: 5, 999: 3 } as Record<number, number>)[p] ?? 0) : p === 1002 ? 7 : 0,
};

const ticker = (updateId: number, bid: number, ask: number, bidLots = 2, askLots = 4) => ({
  updateId,
  bidTicks: bid,
  askTicks: ask,
  bidLots,
  askLots,
});

describe('FastTouch', () => {
  it('reads the book while no ticker is ahead of it', () => {
    const t = new FastTouch(BOOK);
    expect([t.bestBidTicks(), t.bestAskTicks(), t.bestBidLots(), t.bestAskLots(), t.midTicks()]).toEqual([
      1000, 1002, 5, 7, 1001,
    ]);
    expect(t.micropriceTicks()).toBeCloseTo(1000 + 10 / 12, 12);
    expect(t.sizeAtLots('bid', 999)).toBe(3);
  });

  it('takes the touch of a ticker ahead of the book until the book reaches its update id', () => {
    const t = new FastTouch(BOOK);
    expect(t.onTicker(ticker(105, 998, 1001), 100)).toBe(true);
    expect([t.bestBidTicks(), t.bestAskTicks(), t.bestBidLots(), t.bestAskLots(), t.midTicks()]).toEqual([
      998, 1001, 2, 4, 999.5,
    ]);
    // Microprice (998·4 + 1001·2)/6 = 999.
    expect(t.micropriceTicks()).toBe(999);
    // The bid fell to 998: the book's 1000 and 999 are gone; 998 is the ticker's size; the ask 1001 is new.
    expect([t.sizeAtLots('bid', 1000), t.sizeAtLots('bid', 999), t.sizeAtLots('bid', 998)]).toEqual([
      0, 0, 2,
    ]);
    expect([t.sizeAtLots('ask', 1001), t.sizeAtLots('ask', 1002)]).toEqual([4, 7]);
    t.onBookAt(104); // a diff that stops short of the ticker: still ahead
    expect(t.active).toBe(true);
    t.onBookAt(105);
    expect(t.active).toBe(false);
    expect(t.bestBidTicks()).toBe(1000);
  });

  it('ignores tickers the book already contains, older than the one in force, crossed, or without a book', () => {
    const t = new FastTouch(BOOK);
    expect(t.onTicker(ticker(100, 998, 1001), 100)).toBe(false);
    expect(t.onTicker(ticker(101, 998, 1001), undefined)).toBe(false);
    expect(t.onTicker(ticker(102, 1001, 1001), 100)).toBe(false);
    expect(t.onTicker(ticker(103, 999, 1001, 0, 4), 100)).toBe(false);
    expect(t.onTicker(ticker(110, 999, 1001), 100)).toBe(true);
    expect(t.onTicker(ticker(108, 997, 1001), 100)).toBe(false);
    expect(t.bestBidTicks()).toBe(999);
    expect(t.accepted).toBe(1);
    t.reset();
    expect(t.active).toBe(false);
  });
});
