import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PriceLadder } from '../../../core/book/price-ladder.ts';

describe('PriceLadder pages', () => {
  it('keeps the page of an emptied word until a scan passes it, then reuses it (no leak)', () => {
    const ladder = new PriceLadder(2 ** 20);
    const best = 1_000_000;
    ladder.set(best, 5);
    // 100 far levels, one per 32-tick word, then all removed: each word keeps its page for now.
    for (let i = 1; i <= 100; i++) ladder.set(best - 64 * i, i);
    expect(ladder.pagesInUse).toBe(101);
    for (let i = 1; i <= 100; i++) ladder.set(best - 64 * i, 0);
    expect(ladder.count).toBe(1);
    expect(ladder.pagesInUse).toBe(101);
    // A scan down the side meets the stale words and gives their pages back.
    expect(ladder.sumFromTop(10)).toBe(5);
    expect(ladder.pagesInUse).toBe(1);
    // A level in one of those words again: a fresh page, found by the next scan and by get.
    ladder.set(best - 640, 7);
    expect(ladder.pagesInUse).toBe(2);
    expect(ladder.seek(1)).toBe(true);
    expect([ladder.seekKey, ladder.seekSize]).toEqual([best - 640, 7]);
    expect(ladder.get(best - 640)).toBe(7);
    expect(ladder.get(best - 64)).toBe(0);
  });

  it('removing the best skips emptied words below it to the next level', () => {
    const ladder = new PriceLadder(2 ** 20);
    ladder.set(5_000_000, 1);
    ladder.set(4_990_000, 2); // the next level, ~312 words below
    ladder.set(4_995_000, 3);
    ladder.set(4_995_000, 0); // its word stays marked
    ladder.set(5_000_000, 0);
    expect([ladder.bestKey, ladder.bestSize, ladder.count]).toEqual([4_990_000, 2, 1]);
    // Both emptied words (the old best's and the one met on the way down) gave their pages back.
    expect(ladder.pagesInUse).toBe(1);
    ladder.clear();
    expect(ladder.pagesInUse).toBe(0);
  });

  it('a re-centre gives back the page of an emptied word it drops from the window (hand case)', () => {
    const ladder = new PriceLadder(128); // words of 32 slots; base 928 once the best is 1,000
    ladder.set(1_000, 1); // word [992, 1024)
    ladder.set(960, 2); // first slot of word [960, 992)
    ladder.set(950, 3); // word [928, 960)…
    ladder.set(950, 0); // …emptied: it keeps its page for now
    expect(ladder.pagesInUse).toBe(3);
    ladder.set(1_200, 4); // a new best far above: the window moves to [1120, 1248)
    expect([ladder.bestKey, ladder.count]).toEqual([1_200, 3]);
    // Only the new best's word holds a page; 1,000 and 960 now live below the window.
    expect(ladder.pagesInUse).toBe(1);
    expect([ladder.get(1_000), ladder.get(960), ladder.get(950)]).toEqual([1, 2, 0]);
  });

  it('never holds more pages than the window has words, through re-centring and far jumps (property: no leak)', () => {
    const window = 128; // 4 words of 32 slots
    const op = fc.record({
      key: fc.oneof(fc.integer({ min: 900, max: 1_100 }), fc.integer({ min: 0, max: 5_000 })),
      size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 })),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const ladder = new PriceLadder(window);
        const ref = new Map<number, number>();
        for (const o of ops) {
          ladder.set(o.key, o.size);
          if (o.size === 0) ref.delete(o.key);
          else ref.set(o.key, o.size);
          expect(ladder.pagesInUse).toBeLessThanOrEqual(window / 32);
        }
        const keys = [...ref.keys()].sort((a, b) => b - a);
        expect(ladder.count).toBe(keys.length);
        expect(ladder.sumFromTop(keys.length)).toBe(keys.reduce((t, k) => t + ref.get(k)!, 0));
        for (const k of keys) expect(ladder.get(k)).toBe(ref.get(k));
      }),
      { numRuns: 300 },
    );
  });
});
