import { describe, expect, it } from 'vitest';
import { PAGE_VALUES, PageArena } from '../../../core/book/page-arena.ts';

describe('PageArena', () => {
  it('never hands out the zero page, reuses released pages, and grows keeping live values', () => {
    const a = new PageArena(2); // the zero page + one
    const p1 = a.alloc();
    expect(p1).toBe(1);
    a.values[p1 * PAGE_VALUES + 3] = 42;
    const p2 = a.alloc(); // full: doubles to 4 pages
    expect(p2).toBe(2);
    expect(a.values.length).toBe(4 * PAGE_VALUES);
    expect(a.values[p1 * PAGE_VALUES + 3]).toBe(42); // copied across the growth
    expect(a.values.subarray(0, PAGE_VALUES).every((v) => v === 0)).toBe(true);
    expect(a.pagesInUse).toBe(2);
    a.values[p1 * PAGE_VALUES + 3] = 0; // the caller zeroes before releasing
    a.release(p1);
    expect(a.pagesInUse).toBe(1);
    expect(a.alloc()).toBe(p1); // last released, first reused
    a.reset();
    expect(a.pagesInUse).toBe(0);
    expect(a.alloc()).toBe(1);
  });
});
