import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../../core/book/order-book.ts';
import { InvariantViolation } from '../../../core/errors.ts';
import type { Level, Side } from '../../../core/market-events.ts';

function levelsOf(book: OrderBook, side: Side): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < book.levelCount(side); i++)
    out.push([book.priceAtTicks(side, i)!, book.sizeAtIndexLots(side, i)!]);
  return out;
}

describe('OrderBook.applyLevels', () => {
  it('applies a diff side in order: later entries for the same price win, size 0 removes', () => {
    const book = new OrderBook();
    book.applyLevels('bid', [
      [100, 5],
      [99, 7],
      [100, 6],
      [98, 1],
      [98, 0],
    ]);
    book.applyLevels('ask', [
      [101, 3],
      [0, 2], // an ask at price 0 reads back as 0, not −0
      [0, 0],
      [103, 4],
    ]);
    expect(levelsOf(book, 'bid')).toEqual([
      [100, 6],
      [99, 7],
    ]);
    expect(levelsOf(book, 'ask')).toEqual([
      [101, 3],
      [103, 4],
    ]);
    expect(book.midTicks()).toBe(100.5);
    book.applyLevels('bid', []);
    expect(book.levelCount('bid')).toBe(2);
  });

  it('throws BOOK_LEVEL at the first invalid level, keeping the levels before it (as applyLevel)', () => {
    for (const bad of [
      [-1, 5] as Level,
      [100, 1.5] as Level,
      [2 ** 53, 1] as Level,
      [100, Number.NaN] as Level,
    ]) {
      const book = new OrderBook();
      let err: unknown;
      try {
        book.applyLevels('ask', [[200, 1], bad, [201, 2]]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvariantViolation);
      expect((err as InvariantViolation).code).toBe('BOOK_LEVEL');
      expect(levelsOf(book, 'ask')).toEqual([[200, 1]]);
    }
  });

  it('leaves the same book as one applyLevel per level (property, incl. levels far outside the window)', () => {
    const level = fc.tuple(
      fc.oneof(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 2 ** 40 })),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })),
    );
    const batch = fc.record({
      side: fc.constantFrom<Side>('bid', 'ask'),
      levels: fc.array(level, { maxLength: 60 }),
    });
    fc.assert(
      fc.property(fc.array(batch, { maxLength: 40 }), (batches) => {
        const bulk = new OrderBook(128);
        const single = new OrderBook(128);
        for (const b of batches) {
          bulk.applyLevels(b.side, b.levels);
          for (const [p, s] of b.levels) single.applyLevel(b.side, p, s);
        }
        for (const side of ['bid', 'ask'] as const) {
          expect(levelsOf(bulk, side)).toEqual(levelsOf(single, side));
          expect(bulk.depthLots(side, 5)).toBe(single.depthLots(side, 5));
        }
        expect(bulk.bestBidTicks()).toBe(single.bestBidTicks());
        expect(bulk.bestAskTicks()).toBe(single.bestAskTicks());
      }),
      { numRuns: 200 },
    );
  });
});
