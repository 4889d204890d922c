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
    // The emptied word met on the way down gave its page back; the old best's own word keeps its page
    // until a scan from above passes it (bounded: one page per word of the window).
    expect(ladder.pagesInUse).toBe(2);
    ladder.clear();
    expect(ladder.pagesInUse).toBe(0);
  });
});
