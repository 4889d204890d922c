/**
 * A pool of 32-value pages in one Float64Array: the storage behind a book window's sizes.
 *
 * Why pages: a dense Float64Array over a 2^20-tick window is 8 MiB per side, and on the recorded
 * sessions the levels are spread over so many 4 KiB memory pages that a fresh book page-faults ~1,200
 * times (≈ 2.3 µs each on the benchmark VM: ~2.7 ms per replayed 11-minute session, 10 % of the
 * target time). Only the 32-slot words of the window that hold a level get a page here (spot BTCUSDT:
 * ~900 bid + ~1,700 ask words, ≈ 0.7 MiB), and they sit next to each other, which also helps caches.
 *
 * Page 0 is the shared all-zero page and is never handed out, so a window word without a page can
 * point at page 0 and read 0 without a branch. Pages come back zeroed: `release` requires the caller
 * to have zeroed the page (the book writes 0 when it removes a level). The pool doubles when full
 * (amortised; never on a size change). Page p holds values [32·p, 32·p + 32).
 */

/** Values per page (= bits per bitmap word). */
export const PAGE_VALUES = 32;

/** Pool of zeroed 32-value pages (see module doc). */
export class PageArena {
  /** Page storage; replaced (grown) by `alloc`, so re-read it after any `alloc`. */
  values: Float64Array;
  private free: Int32Array;
  private nFree = 0;
  /** First page id never handed out yet. */
  private fresh = 1;

  /** @param initialPages pages to allocate up front (at least 2: the zero page and one more). */
  constructor(initialPages: number) {
    const pages = Math.max(2, initialPages);
    this.values = new Float64Array(pages * PAGE_VALUES);
    this.free = new Int32Array(pages);
  }

  /** Pages handed out and not released. */
  get pagesInUse(): number {
    return this.fresh - 1 - this.nFree;
  }

  /** A zeroed page id ≥ 1. */
  alloc(): number {
    if (this.nFree > 0) return this.free[--this.nFree]!;
    if (this.fresh * PAGE_VALUES === this.values.length) this.grow();
    return this.fresh++;
  }

  /** Gives page `p` (≥ 1, zeroed by the caller) back to the pool. */
  release(p: number): void {
    this.free[this.nFree++] = p;
  }

  /** Releases every page at once (the caller has zeroed them all). */
  reset(): void {
    this.nFree = 0;
    this.fresh = 1;
  }

  /** Doubles the pool (copying the live pages). */
  private grow(): void {
    const values = new Float64Array(this.values.length * 2);
    values.set(this.values);
    this.values = values;
    const free = new Int32Array(this.free.length * 2);
    free.set(this.free);
    this.free = free;
  }
}
