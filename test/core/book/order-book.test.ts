import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../../core/book/order-book.ts';
import { InvariantViolation } from '../../../core/errors.ts';
import type { Side } from '../../../core/market-events.ts';

/** Naive reference: a Map per side, sorted on every query. */
class MapBook {
  readonly sides: Record<Side, Map<number, number>> = { bid: new Map(), ask: new Map() };
  apply(side: Side, price: number, size: number): void {
    if (size === 0) this.sides[side].delete(price);
    else this.sides[side].set(price, size);
  }
  /** Levels best first. */
  levels(side: Side): Array<[number, number]> {
    const l = [...this.sides[side].entries()];
    return l.sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0]));
  }
}

function levelsOf(book: OrderBook, side: Side): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < book.levelCount(side); i++)
    out.push([book.priceAtTicks(side, i)!, book.sizeAtIndexLots(side, i)!]);
  return out;
}

describe('OrderBook', () => {
  it('empty book: every best-level query is undefined, not 0 or NaN', () => {
    const b = new OrderBook();
    expect(b.bestBidTicks()).toBeUndefined();
    expect(b.bestAskTicks()).toBeUndefined();
    expect(b.bestBidLots()).toBeUndefined();
    expect(b.bestAskLots()).toBeUndefined();
    expect(b.midTicks()).toBeUndefined();
    expect(b.micropriceTicks()).toBeUndefined();
    expect(b.isCrossed()).toBe(false);
    expect(b.depthLots('bid', 5)).toBe(0);
    expect(b.priceAtTicks('ask', 0)).toBeUndefined();
    expect(b.sizeAtIndexLots('bid', 0)).toBeUndefined();
    expect(b.sizeAtLots('bid', 100)).toBe(0);
  });

  it('keeps bids descending and asks ascending from best, with hand-computed mid, microprice and depth', () => {
    const b = new OrderBook();
    b.applyLevel('bid', 100, 5);
    b.applyLevel('bid', 98, 7);
    b.applyLevel('bid', 99, 1);
    b.applyLevel('ask', 103, 3);
    b.applyLevel('ask', 101, 15);
    b.applyLevel('ask', 102, 2);
    expect(levelsOf(b, 'bid')).toEqual([
      [100, 5],
      [99, 1],
      [98, 7],
    ]);
    expect(levelsOf(b, 'ask')).toEqual([
      [101, 15],
      [102, 2],
      [103, 3],
    ]);
    expect(b.bestBidTicks()).toBe(100);
    expect(b.bestAskTicks()).toBe(101);
    expect(b.bestBidLots()).toBe(5);
    expect(b.bestAskLots()).toBe(15);
    expect(b.midTicks()).toBe(100.5);
    // (100·15 + 101·5) / (5 + 15) = 2005 / 20 = 100.25: leans to the bid, the thinner-ask side is heavier.
    expect(b.micropriceTicks()).toBe(100.25);
    expect(b.depthLots('bid', 2)).toBe(6);
    expect(b.depthLots('ask', 5)).toBe(20);
    expect(b.depthLots('ask', 0)).toBe(0);
    expect(b.sizeAtLots('ask', 102)).toBe(2);
    expect(b.sizeAtLots('ask', 104)).toBe(0);
    expect(b.priceAtTicks('bid', 3)).toBeUndefined();
    expect(b.priceAtTicks('bid', -1)).toBeUndefined();
    expect(b.isCrossed()).toBe(false);
  });

  it('size 0 removes (touch and deep levels); removing an absent level is a no-op', () => {
    const b = new OrderBook();
    b.applyLevel('bid', 100, 5);
    b.applyLevel('bid', 99, 1);
    b.applyLevel('bid', 98, 7);
    b.applyLevel('bid', 100, 0);
    expect(b.bestBidTicks()).toBe(99);
    b.applyLevel('bid', 98, 0);
    b.applyLevel('bid', 50, 0);
    expect(levelsOf(b, 'bid')).toEqual([[99, 1]]);
    b.applyLevel('bid', 99, 0);
    expect(b.bestBidTicks()).toBeUndefined();
  });

  it('detects locked and crossed books', () => {
    const b = new OrderBook();
    b.applyLevel('bid', 100, 1);
    b.applyLevel('ask', 101, 1);
    expect(b.isCrossed()).toBe(false);
    b.applyLevel('ask', 100, 1);
    expect(b.isCrossed()).toBe(true); // locked counts as crossed
    b.applyLevel('ask', 100, 0);
    b.applyLevel('bid', 102, 1);
    expect(b.isCrossed()).toBe(true);
  });

  it('clear() empties both sides', () => {
    const b = new OrderBook();
    b.applyLevel('bid', 1, 1);
    b.applyLevel('ask', 2, 1);
    b.clear();
    expect(b.levelCount('bid') + b.levelCount('ask')).toBe(0);
    expect(b.bestAskTicks()).toBeUndefined();
  });

  it('grows past the initial capacity (3000 levels a side) and handles prices beyond 2^31', () => {
    const b = new OrderBook();
    for (let i = 0; i < 3000; i++) {
      b.applyLevel('bid', 1_000_000 - i * 3, i + 1);
      b.applyLevel('ask', 1_000_001 + ((i * 7919) % 3000) * 2, 1); // scattered inserts
    }
    expect(b.levelCount('bid')).toBe(3000);
    expect(b.levelCount('ask')).toBe(3000);
    expect(b.bestAskTicks()).toBe(1_000_001);
    expect(b.priceAtTicks('bid', 2999)).toBe(1_000_000 - 2999 * 3);
    const big = 2 ** 40;
    b.applyLevel('ask', big, 2 ** 35);
    expect(b.priceAtTicks('ask', 3000)).toBe(big);
    expect(b.sizeAtLots('ask', big)).toBe(2 ** 35);
  });

  it('rejects negative, fractional or unsafe prices and sizes with InvariantViolation', () => {
    const b = new OrderBook();
    expect(() => b.applyLevel('bid', -1, 1)).toThrow(InvariantViolation);
    expect(() => b.applyLevel('bid', 1.5, 1)).toThrow(InvariantViolation);
    expect(() => b.applyLevel('ask', 1, -2)).toThrow(InvariantViolation);
    expect(() => b.applyLevel('ask', 1, Number.NaN)).toThrow(/invalid ask level/);
    expect(() => b.applyLevel('ask', 2 ** 53, 1)).toThrow(InvariantViolation);
  });

  it('grows from a tiny capacity, including a long one-directional trend', () => {
    const book = new OrderBook(4);
    const ref = new MapBook();
    const apply = (side: Side, p: number, q: number): void => {
      book.applyLevel(side, p, q);
      ref.apply(side, p, q);
    };
    for (let t = 0; t < 20_000; t++) {
      apply('bid', 1000 + t, 1 + (t % 7)); // new best bid every step
      if (t >= 50) apply('bid', 1000 + t - 50, 0); // the deep end is cancelled: the window drifts
      apply('ask', 100_000 - t, 1);
      if (t % 3 === 0 && t >= 30) apply('ask', 100_000 - t + 30, 0);
    }
    for (const side of ['bid', 'ask'] as const) expect(levelsOf(book, side)).toEqual(ref.levels(side));
  });

  it('agrees with a Map-based reference from a tiny capacity (property: block split, merge, growth)', () => {
    const op = fc.record({
      side: fc.constantFrom<Side>('bid', 'ask'),
      price: fc.integer({ min: 1, max: 300 }),
      size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 })),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        const book = new OrderBook(4);
        const ref = new MapBook();
        for (const o of ops) {
          book.applyLevel(o.side, o.price, o.size);
          ref.apply(o.side, o.price, o.size);
        }
        for (const side of ['bid', 'ask'] as const) expect(levelsOf(book, side)).toEqual(ref.levels(side));
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with a Map-based reference over thousands of levels (property: many blocks)', () => {
    const op = fc.record({
      side: fc.constantFrom<Side>('bid', 'ask'),
      price: fc.integer({ min: 1, max: 5000 }),
      size: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 9 })),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 2000, maxLength: 6000 }), (ops) => {
        const book = new OrderBook(64);
        const ref = new MapBook();
        for (const o of ops) {
          book.applyLevel(o.side, o.price, o.size);
          ref.apply(o.side, o.price, o.size);
        }
        for (const side of ['bid', 'ask'] as const) {
          const want = ref.levels(side);
          expect(levelsOf(book, side)).toEqual(want);
          expect(book.depthLots(side, 70)).toBe(want.slice(0, 70).reduce((s, l) => s + l[1], 0));
          for (const [p, q] of want.slice(0, 50)) expect(book.sizeAtLots(side, p)).toBe(q);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('agrees with a Map-based reference on random applyLevel sequences (property)', () => {
    const op = fc.record({
      side: fc.constantFrom<Side>('bid', 'ask'),
      price: fc.integer({ min: 1, max: 60 }),
      size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })),
    });
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 400 }),
        fc.array(fc.integer({ min: 0, max: 61 }), { maxLength: 10 }),
        (ops, probes) => {
          const book = new OrderBook();
          const ref = new MapBook();
          for (const o of ops) {
            book.applyLevel(o.side, o.price, o.size);
            ref.apply(o.side, o.price, o.size);
          }
          for (const side of ['bid', 'ask'] as const) {
            const want = ref.levels(side);
            expect(levelsOf(book, side)).toEqual(want);
            expect(book.levelCount(side)).toBe(want.length);
            for (const k of [1, 2, 5, 10, 100]) {
              expect(book.depthLots(side, k)).toBe(want.slice(0, k).reduce((s, l) => s + l[1], 0));
            }
            for (const p of probes) expect(book.sizeAtLots(side, p)).toBe(ref.sides[side].get(p) ?? 0);
          }
          const bb = ref.levels('bid')[0];
          const ba = ref.levels('ask')[0];
          expect(book.bestBidTicks()).toBe(bb?.[0]);
          expect(book.bestBidLots()).toBe(bb?.[1]);
          expect(book.bestAskTicks()).toBe(ba?.[0]);
          expect(book.bestAskLots()).toBe(ba?.[1]);
          expect(book.isCrossed()).toBe(bb !== undefined && ba !== undefined && bb[0] >= ba[0]);
          expect(book.midTicks()).toBe(bb && ba ? (bb[0] + ba[0]) / 2 : undefined);
        },
      ),
      { numRuns: 300 },
    );
  });
});
