/** Fill kinds of the queue model (core/sim/queue.ts): a print strictly beyond our price is a trade through. */
import { describe, expect, it } from 'vitest';
import { isTradeThrough, matchTrade, type QueuedOrder } from '../../../core/sim/queue.ts';

const order = (side: 'bid' | 'ask', queueAheadLots: number): QueuedOrder => ({
  side,
  priceTicks: 100,
  openLots: 3,
  queueAheadLots,
});

describe('isTradeThrough', () => {
  it('is true only for a print strictly beyond our price', () => {
    expect(isTradeThrough(order('bid', 0), 99)).toBe(true);
    expect(isTradeThrough(order('bid', 0), 100)).toBe(false);
    expect(isTradeThrough(order('bid', 0), 101)).toBe(false); // does not reach a bid at all
    expect(isTradeThrough(order('ask', 0), 101)).toBe(true);
    expect(isTradeThrough(order('ask', 0), 100)).toBe(false);
  });

  it('agrees with what matchTrade does: a through print ignores and clears the queue ahead', () => {
    const through = order('bid', 5);
    expect(matchTrade(through, 99, 2, 0)).toBe(2); // the queue ahead was consumed with the level
    expect(through.queueAheadLots).toBe(0);
    const atPrice = order('bid', 5);
    expect(matchTrade(atPrice, 100, 6, 0)).toBe(1); // 5 to the queue, 1 to us: a queue fill
  });
});
