/**
 * The dense price window of `OrderBook` (ADR 0004): window edges, out-of-window levels, best-level
 * removals and re-centring (dense and sparse paths), each against a naive Map-based reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_TICKS, OrderBook } from '../../../core/book/order-book.ts';
import { PermanentError } from '../../../core/errors.ts';
import type { Side } from '../../../core/market-events.ts';

const SIDES = ['bid', 'ask'] as const;

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

/** Full comparison of every query against the reference. */
function expectSameBook(book: OrderBook, ref: MapBook, probes: readonly number[] = []): void {
  for (const side of SIDES) {
    const want = ref.levels(side);
    expect(levelsOf(book, side)).toEqual(want);
    expect(book.levelCount(side)).toBe(want.length);
    for (const k of [1, 5, 70, 10_000]) {
      expect(book.depthLots(side, k)).toBe(want.slice(0, k).reduce((s, l) => s + l[1], 0));
    }
    for (const [p, q] of want.slice(0, 20)) expect(book.sizeAtLots(side, p)).toBe(q);
    for (const [p, q] of want.slice(-20)) expect(book.sizeAtLots(side, p)).toBe(q);
    for (const p of probes) expect(book.sizeAtLots(side, p)).toBe(ref.sides[side].get(p) ?? 0);
  }
}

/** Best prices and sizes only (cheap enough to check after every update). */
function expectSameTouch(book: OrderBook, ref: MapBook): void {
  const bb = ref.levels('bid')[0];
  const ba = ref.levels('ask')[0];
  expect(book.bestBidTicks()).toBe(bb?.[0]);
  expect(book.bestBidLots()).toBe(bb?.[1]);
  expect(book.bestAskTicks()).toBe(ba?.[0]);
  expect(book.bestAskLots()).toBe(ba?.[1]);
}

describe('OrderBook window', () => {
  it('rounds the window up to a power of two ≥ 128 and rejects bad widths', () => {
    expect(new OrderBook().windowTicks).toBe(DEFAULT_WINDOW_TICKS);
    expect(DEFAULT_WINDOW_TICKS).toBe(2 ** 20);
    expect(new OrderBook(4).windowTicks).toBe(128);
    expect(new OrderBook(1000).windowTicks).toBe(1024);
    expect(new OrderBook(2 ** 20).windowTicks).toBe(2 ** 20);
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 20 + 1]) {
      expect(() => new OrderBook(bad)).toThrow(PermanentError);
    }
  });

  it('hand case (window 128): a new best above the window, a far level below it, removing the best', () => {
    const b = new OrderBook(128);
    b.applyLevel('bid', 1000, 4); // first level: window re-based around 1000
    b.applyLevel('bid', 990, 1);
    b.applyLevel('bid', 10, 2); // far below: outside the window
    b.applyLevel('bid', 1100, 3); // above the window: new best, the window re-centres on 1100
    expect(levelsOf(b, 'bid')).toEqual([
      [1100, 3],
      [1000, 4],
      [990, 1],
      [10, 2],
    ]);
    expect(b.depthLots('bid', 3)).toBe(8);
    expect(b.depthLots('bid', 9)).toBe(10);
    b.applyLevel('bid', 1100, 0); // best removed: 1000 takes over (re-centres back)
    expect(b.bestBidTicks()).toBe(1000);
    expect(b.bestBidLots()).toBe(4);
    b.applyLevel('bid', 1000, 0);
    b.applyLevel('bid', 990, 0); // only the far level remains: it becomes the best
    expect(b.bestBidTicks()).toBe(10);
    expect(b.bestBidLots()).toBe(2);
    expect(b.sizeAtLots('bid', 10)).toBe(2);
    expect(b.levelCount('bid')).toBe(1);
    b.applyLevel('bid', 10, 0);
    expect(b.bestBidTicks()).toBeUndefined();
    expect(b.levelCount('bid')).toBe(0);
    expect(b.depthLots('bid', 5)).toBe(0);
  });

  it('hand case: asks either side of the window, prices 0 and 2^53 − 1', () => {
    const b = new OrderBook(128);
    const max = Number.MAX_SAFE_INTEGER;
    b.applyLevel('ask', 5000, 1);
    b.applyLevel('ask', max, 7); // far worse ask
    b.applyLevel('ask', 0, 9); // far better ask: becomes the best
    b.applyLevel('bid', max, 2);
    b.applyLevel('bid', 0, 3);
    expect(levelsOf(b, 'ask')).toEqual([
      [0, 9],
      [5000, 1],
      [max, 7],
    ]);
    expect(levelsOf(b, 'bid')).toEqual([
      [max, 2],
      [0, 3],
    ]);
    expect(b.isCrossed()).toBe(true);
    b.applyLevel('ask', 0, 0);
    expect(b.bestAskTicks()).toBe(5000);
    expect(b.sizeAtLots('ask', max)).toBe(7);
    expect(b.sizeAtLots('ask', max - 1)).toBe(0);
  });

  it('follows a trend of W/4 + 5,000 ticks with the default window (re-centring keeps every level)', () => {
    const book = new OrderBook();
    const ref = new MapBook();
    const apply = (side: Side, p: number, q: number): void => {
      book.applyLevel(side, p, q);
      ref.apply(side, p, q);
    };
    // 1,500 resting bids spread over 450k ticks below the touch, then the touch climbs W/4 + 5,000 ticks:
    // the window re-centres once, the deepest bids leave it for the outside structure.
    const start = 6_000_000;
    for (let i = 0; i < 1500; i++) apply('bid', start - 300 * i, 1 + (i % 5));
    apply('bid', 1_000, 3); // far below: outside
    for (let t = 1; t <= DEFAULT_WINDOW_TICKS / 4 + 5_000; t += 37) {
      apply('bid', start + t, 2);
      if (t % 5 === 0) apply('bid', start + t - 74, 0);
      apply('ask', start + t + 10, 1);
      apply('ask', start + t - 27, 0);
    }
    expectSameTouch(book, ref);
    expectSameBook(book, ref, [1_000, start, start - 449_700, start - 449_700 - 300, start - 300 * 1000]);
  });

  it('agrees with the reference on random walks across a tiny window (property: edges, outside, re-centring)', () => {
    // Each op moves a centre by a random step (sometimes a jump of thousands of ticks) and sets a level
    // at a random offset from it: levels land inside, at the edges of and far outside a 128-tick window.
    const op = fc.record({
      side: fc.constantFrom<Side>('bid', 'ask'),
      step: fc.oneof(fc.integer({ min: -40, max: 40 }), fc.integer({ min: -3000, max: 3000 })),
      offset: fc.oneof(fc.integer({ min: -70, max: 70 }), fc.integer({ min: -5000, max: 5000 })),
      size: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 9 })),
    });
    fc.assert(
      fc.property(fc.constantFrom(128, 256, 1024), fc.array(op, { maxLength: 500 }), (window, ops) => {
        const book = new OrderBook(window);
        const ref = new MapBook();
        let centre = 100_000;
        const probes: number[] = [];
        for (const o of ops) {
          centre = Math.max(10_000, centre + o.step);
          const price = centre + o.offset;
          book.applyLevel(o.side, price, o.size);
          ref.apply(o.side, price, o.size);
          expectSameTouch(book, ref);
          if (probes.length < 30) probes.push(price, price + 1);
        }
        expectSameBook(book, ref, probes);
      }),
      { numRuns: 150 },
    );
  });

  it('agrees with the reference when the best is removed repeatedly down a sparse side (property)', () => {
    // Many levels, then removals that always hit the current best: exercises the bitmap scan down to the
    // next level however far it is, and the fall-back to outside levels.
    fc.assert(
      fc.property(
        fc.constantFrom(128, 4096, 2 ** 16),
        fc.uniqueArray(fc.integer({ min: 1, max: 400_000 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 300 }),
        (window, prices, removals) => {
          const book = new OrderBook(window);
          const ref = new MapBook();
          for (const p of prices) {
            book.applyLevel('bid', p, (p % 7) + 1);
            ref.apply('bid', p, (p % 7) + 1);
            book.applyLevel('ask', p, (p % 5) + 1);
            ref.apply('ask', p, (p % 5) + 1);
          }
          for (let i = 0; i < removals; i++) {
            for (const side of SIDES) {
              const best = side === 'bid' ? book.bestBidTicks() : book.bestAskTicks();
              if (best !== undefined) {
                book.applyLevel(side, best, 0);
                ref.apply(side, best, 0);
              }
            }
            expectSameTouch(book, ref);
          }
          expectSameBook(book, ref, prices.slice(0, 20));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('agrees with the reference on big jumps of a dense side in 2^16 and 2^17 windows (property: re-centring with many levels)', () => {
    // Jumps of up to ±60k ticks move the best out of the middle half of a 2^16 or 2^17 window: re-centring
    // by less and by more than the window width, with hundreds of levels to carry across.
    const op = fc.record({
      side: fc.constantFrom<Side>('bid', 'ask'),
      jump: fc.oneof(
        fc.constant(0),
        fc.constant(0),
        fc.constant(0),
        fc.integer({ min: -60_000, max: 60_000 }),
      ),
      offset: fc.integer({ min: -2_000, max: 2_000 }),
      size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(2 ** 16, 2 ** 17), // below / at the size where re-centring moves whole bitmap words
        fc.integer({ min: 0, max: 400 }),
        fc.array(op, { maxLength: 300 }),
        (window, seedLevels, ops) => {
          const book = new OrderBook(window);
          const ref = new MapBook();
          const apply = (side: Side, p: number, q: number): void => {
            book.applyLevel(side, p, q);
            ref.apply(side, p, q);
          };
          for (let i = 0; i < seedLevels; i++) {
            apply('bid', 1_000_000 - 3 * i, 1 + i);
            apply('ask', 1_000_001 + 5 * i, 2 + i);
          }
          let centre = 1_000_000;
          for (const o of ops) {
            centre = Math.max(100_000, centre + o.jump);
            apply(o.side, centre + o.offset, o.size);
            expectSameTouch(book, ref);
          }
          expectSameBook(book, ref, [1_000_000, 1_000_001, centre]);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('priceAtTicks/sizeAtIndexLots stay right when queries and updates interleave (rank cursor)', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        side: fc.constantFrom<Side>('bid', 'ask'),
        price: fc.integer({ min: 1, max: 400 }),
        size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 })),
      }),
      fc.record({
        kind: fc.constant('rank' as const),
        side: fc.constantFrom<Side>('bid', 'ask'),
        price: fc.integer({ min: -1, max: 60 }),
        size: fc.constant(0),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const book = new OrderBook(128);
        const ref = new MapBook();
        for (const o of ops) {
          if (o.kind === 'set') {
            book.applyLevel(o.side, o.price, o.size);
            ref.apply(o.side, o.price, o.size);
          } else {
            const want = ref.levels(o.side)[o.price];
            expect(book.priceAtTicks(o.side, o.price)).toBe(want?.[0]);
            expect(book.sizeAtIndexLots(o.side, o.price)).toBe(want?.[1]);
          }
        }
        expectSameBook(book, ref);
      }),
      { numRuns: 200 },
    );
  });

  it('clear() then a snapshot far away re-bases both sides (and non-integer ranks are undefined)', () => {
    const b = new OrderBook();
    for (let i = 0; i < 100; i++) {
      b.applyLevel('bid', 6_000_000 - i, 1);
      b.applyLevel('ask', 6_000_001 + i, 1);
    }
    b.clear();
    expect(b.levelCount('bid')).toBe(0);
    expect(b.sizeAtLots('bid', 6_000_000)).toBe(0);
    for (let i = 999; i >= 0; i--) {
      b.applyLevel('bid', 300_000 - i, 2); // worst first, as BinanceBookSync loads snapshots
      b.applyLevel('ask', 300_001 + i, 3);
    }
    expect(b.bestBidTicks()).toBe(300_000);
    expect(b.bestAskTicks()).toBe(300_001);
    expect(b.depthLots('ask', 10)).toBe(30);
    expect(b.priceAtTicks('bid', 999)).toBe(299_001);
    expect(b.priceAtTicks('bid', 1.5)).toBeUndefined();
    expect(b.sizeAtIndexLots('ask', 1000)).toBeUndefined();
  });
});
