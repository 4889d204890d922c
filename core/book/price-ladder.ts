/**
 * One side of an L2 book as a price-indexed ladder: integer keys (greatest = best) → integer sizes.
 * The order book uses key = price for bids and key = 0 − price for asks, so one class serves both.
 *
 * Layout (ADR 0004): a window of `windowSlots` (a power of two, default 2^20) consecutive keys
 * [base, base + windowSlots); slot = key − base. A `LevelBitmap` marks the occupied slots; sizes live in
 * 32-slot pages of a `PageArena`, one page per 32-slot word of the window that holds a level (or held
 * one since the last scan past it, below). The page id of word w sits next to its occupancy bits in
 * the bitmap's level-0 array (`meta`: entry 2w = bits, 2w + 1 = page id, 0 = the shared zero page), so
 * a level update inside the window is O(1) and reads one metadata cache line. The update does not
 * branch on whether it inserts, changes or removes (see `set`): a word is marked in the bitmap's upper
 * levels when it gets a page, and stays marked with its page when its last level goes; the bitmap
 * drops such stale marks when a search meets them and the page comes back then. Removing the best
 * finds the next level with `LevelBitmap.prevSet` (≤ 7 word reads however far it is, plus one per
 * stale mark dropped). A word keeps at most one page, so memory stays bounded by the window.
 *
 * Invariant, restored after every `set`: a non-empty side has its best key inside the middle half of
 * the window [base + W/4, base + 3W/4). Hence no level lies above the window, and the levels outside
 * it, all below `base` (far from the touch), live in a `SortedLevels` (`outside`). Best-first order
 * is: window levels descending, then `outside` descending.
 *
 * Re-centring keeps the invariant: when the best changes and leaves the middle half (a new best above
 * it, or removals below it), the window moves so the best sits at its centre. The base is aligned to
 * 32^3 (32 below a 2^17 window) so every bitmap level and the page table move by whole entries with
 * native `copyWithin` (O(W/32)); pages never move. Levels leaving the window go to `outside` one by one
 * and `outside` levels now inside move in. It happens once per W/4 ticks of drift of the touch, too
 * rarely for V8 to optimise this code, hence the bulk array operations. An empty side re-bases in O(1).
 * Nothing allocates per update (the arena and `outside` grow by doubling, amortised).
 *
 * Keys are safe integers; Float64 holds every safe integer exactly, so sizes beyond 2^31 are exact.
 */

import { LevelBitmap } from './level-bitmap.ts';
import { PageArena, PAGE_VALUES } from './page-arena.ts';
import { SortedLevels } from './sorted-levels.ts';

/** Pages the arena starts with: 1 MiB, touched lazily. Spot BTCUSDT peaks at ~3,000 on the ask side
 * (emptied words keep their page until a search passes them), so a fresh book never regrows it. */
const INITIAL_PAGES = 4096;
const OUTSIDE_INITIAL_LEVELS = 256;

/**
 * One book side (see module doc). The best level is read from the `bestKey`/`bestSize` fields (O(1));
 * `set` is O(1) inside the window. The caller validates keys and sizes (safe integers, size ≥ 0).
 */
export class PriceLadder {
  /** Window width in keys (a power of two in [128, 2^20]). */
  readonly windowSlots: number;
  /** Best (greatest) key; −Infinity when the side is empty. */
  bestKey = Number.NEGATIVE_INFINITY;
  /** Size at the best key; 0 exactly when the side is empty. */
  bestSize = 0;
  /** Key of the last successful `seek`. */
  seekKey = 0;
  /** Size of the last successful `seek`. */
  seekSize = 0;
  /** Key of window slot 0 (a multiple of `align`). */
  private base = 0;
  /** Alignment of `base`: 32^3 when the window is ≥ 2^17 (re-centring then moves every bitmap level
   * by whole words), else 32; always ≤ W/4 so a re-centred best lands in the middle half. */
  private readonly align: number;
  private readonly occupied: LevelBitmap;
  /** The bitmap's level-0 words interleaved with the page table (`LevelBitmap.words`): entry 2w = the
   * occupancy bits of window word w, entry 2w + 1 = its page id (0: no level in that word). */
  private readonly meta: Int32Array;
  private readonly pages = new PageArena(INITIAL_PAGES);
  /** `pages.values`, re-read after every `pages.alloc` (which may grow it): one load less per update. */
  private values: Float64Array = this.pages.values;
  /** Levels inside the window. */
  private windowCount = 0;
  /** Levels below the window. */
  private readonly outside = new SortedLevels(OUTSIDE_INITIAL_LEVELS);
  /** Bumped whenever the set of window slots changes; guards the rank cursor of `seek`. */
  private version = 0;
  private cursorVersion = -1;
  private cursorRank = 0;
  private cursorSlot = 0;

  /** @param windowSlots window width: a power of two in [128, 2^20] (the book validates it). */
  constructor(windowSlots: number) {
    this.windowSlots = windowSlots;
    this.align = windowSlots >= 4 * 32 ** 3 ? 32 ** 3 : PAGE_VALUES;
    this.occupied = new LevelBitmap(windowSlots, (w) => this.reclaimPage(w << 1));
    this.meta = this.occupied.words;
  }

  /** Pages of the size arena held by window words (including words emptied since the last scan). */
  get pagesInUse(): number {
    return this.pages.pagesInUse;
  }

  /** Number of levels. */
  get count(): number {
    return this.windowCount + this.outside.count;
  }

  /** Removes every level. O(levels + W/32). */
  clear(): void {
    const occupied = this.occupied;
    const values = this.pages.values;
    for (let s = occupied.prevSet(this.windowSlots - 1); s >= 0; s = occupied.prevSet(s - 1)) {
      values[this.at(s)] = 0;
    }
    occupied.clear(); // also zeroes the page table (interleaved in the bitmap's words)
    this.pages.reset();
    this.outside.clear();
    this.windowCount = 0;
    this.bestKey = Number.NEGATIVE_INFINITY;
    this.bestSize = 0;
    this.version++;
  }

  /**
   * Sets `key` to `size` (size 0 removes; removing an absent key is a no-op).
   *
   * Inside the window the update is written without branching on what it does (insert, size change,
   * removal, removal of an absent level: ~40/12/39/8.5 % of the recorded stream, in no predictable
   * order): the occupancy bit and the level count come from `size !== 0` as a number, and the size is
   * stored unconditionally (a removal stores 0; a word without a page stores into the shared zero
   * page, which only ever receives 0). A word keeps its page and its mark in the bitmap's upper levels
   * when its last level goes; `prevSet` drops such stale marks when it meets them and the page comes
   * back then (`reclaimPage`). So the branches left are rare or predictable: a word's first level
   * since it last had a page, an update at or above the best, a key outside the window. On the
   * recorded spot stream this made an update ~27 % cheaper (ADR 0004, follow-up 3).
   */
  set(key: number, size: number): void {
    const slot = key - this.base;
    if (slot >= 0 && slot < this.windowSlots) {
      // One cache line holds the word's occupancy bits and its page id (see `meta`).
      const meta = this.meta;
      const m = (slot >>> 5) << 1;
      const b = slot & 31;
      const old = meta[m]!;
      const present = Number(size !== 0); // 0 or 1: `Number(bool)` compiles to a flag, not a branch
      meta[m] = (old & ~(1 << b)) | (present << b);
      let page = meta[m + 1]!;
      if (page === 0 && present !== 0) page = this.givePage(m);
      this.values[(page << 5) | b] = size;
      this.windowCount += present - ((old >>> b) & 1);
      this.version++;
      if (key >= this.bestKey) this.touchChanged(key, size, slot);
      return;
    }
    this.setOutside(key, size);
  }

  /** Gives the window word at `meta` index `m` (no page yet) a zeroed page and marks it. @returns the page. */
  private givePage(m: number): number {
    const page = this.pages.alloc();
    this.meta[m + 1] = page;
    this.values = this.pages.values;
    this.occupied.wordFilled(m >>> 1);
    return page;
  }

  /**
   * Takes back the page of the window word at `meta` index `m`, which holds no level (every slot of
   * the page is 0): called by the bitmap when it drops the word's stale mark, and on removals that
   * empty a word outside the per-update path.
   */
  private reclaimPage(m: number): void {
    const page = this.meta[m + 1]!;
    if (page === 0) return;
    this.pages.release(page);
    this.meta[m + 1] = 0;
  }

  /** An update at or above the best key (`slot` its window slot): keeps `bestKey`/`bestSize` right. */
  private touchChanged(key: number, size: number, slot: number): void {
    if (key !== this.bestKey) {
      if (size !== 0) this.newBest(key, size); // above the old best
    } else if (size !== 0) {
      this.bestSize = size; // the common case: a size change at the touch
    } else {
      this.bestRemoved(slot);
    }
  }

  /** Size at `key`, 0 if absent. */
  get(key: number): number {
    const slot = key - this.base;
    if (slot >= 0 && slot < this.windowSlots) return this.pages.values[this.at(slot)]!;
    const s = this.outside.floorSlot(key);
    return s >= 0 && this.outside.keys[s] === key ? this.outside.sizes[s]! : 0;
  }

  /** Sum of the sizes of the best `levels` levels (fewer if the side is shorter; 0 if levels ≤ 0). */
  sumFromTop(levels: number): number {
    if (this.bestSize === 0) return 0;
    let rest = levels;
    let total = 0;
    const values = this.values;
    const occupied = this.occupied;
    const meta = this.meta;
    // Walk the occupied slots word by word: the levels near the touch share words (and pages).
    let s = this.bestKey - this.base;
    while (rest > 0 && s >= 0) {
      const w = s >>> 5;
      const page = meta[(w << 1) + 1]! << 5; // the page id shares its cache line with the bits
      let m = meta[w << 1]! & (0xffffffff >>> (31 - (s & 31)));
      while (m !== 0 && rest > 0) {
        const b = 31 - Math.clz32(m);
        total += values[page | b]!;
        m ^= 1 << b;
        rest--;
      }
      if (rest <= 0) break;
      s = occupied.prevSet((w << 5) - 1);
    }
    if (rest > 0) total += this.outside.sumFromTop(rest);
    return total;
  }

  /**
   * Finds the `rank`-th best level (0 = best) and puts it in `seekKey`/`seekSize`.
   * @returns false if `rank` is not an integer in [0, count). Consecutive ranks cost O(1) each in the
   *   window: a cursor keeps the last slot while the window's set of levels is unchanged.
   */
  seek(rank: number): boolean {
    if (!(Number.isInteger(rank) && rank >= 0 && rank < this.count)) return false;
    if (rank >= this.windowCount) {
      const s = this.outside.slotFromTop(rank - this.windowCount);
      this.seekKey = this.outside.keys[s]!;
      this.seekSize = this.outside.sizes[s]!;
      return true;
    }
    const occupied = this.occupied;
    let at = 0;
    let slot = this.bestKey - this.base;
    if (this.cursorVersion === this.version && this.cursorRank <= rank) {
      at = this.cursorRank;
      slot = this.cursorSlot;
    }
    for (; at < rank; at++) slot = occupied.prevSet(slot - 1);
    this.cursorVersion = this.version;
    this.cursorRank = rank;
    this.cursorSlot = slot;
    this.seekKey = this.base + slot;
    this.seekSize = this.pages.values[this.at(slot)]!;
    return true;
  }

  /** Index in the arena of window `slot` (the zero page if its word has none). */
  private at(slot: number): number {
    return (this.meta[((slot >>> 5) << 1) + 1]! << 5) | (slot & 31);
  }

  /** Puts a level in the empty window `slot` (taking a page for its word if it has none). */
  private insert(slot: number, size: number): void {
    const m = (slot >>> 5) << 1;
    this.occupied.add(slot);
    if (this.meta[m + 1] === 0) this.givePage(m);
    this.values[this.at(slot)] = size;
    this.windowCount++;
    this.version++;
  }

  /** Marks window `slot` empty (its value is already 0), giving back its word's page if now empty. */
  private removeSlot(slot: number): void {
    if (this.occupied.remove(slot)) this.reclaimPage((slot >>> 5) << 1);
    this.windowCount--;
    this.version++;
  }

  /** A level appeared above the old best. */
  private newBest(key: number, size: number): void {
    this.bestKey = key;
    this.bestSize = size;
    this.keepCentred();
  }

  /** The best level, at window `slot`, was removed: the next one is the next window level below it, or
   * else the greatest `outside` level. */
  private bestRemoved(slot: number): void {
    const next = this.occupied.prevSet(slot);
    if (next >= 0) {
      this.bestKey = this.base + next;
      this.bestSize = this.pages.values[this.at(next)]!;
    } else {
      const t = this.outside.top;
      this.bestKey = t < 0 ? Number.NEGATIVE_INFINITY : this.outside.keys[t]!;
      this.bestSize = t < 0 ? 0 : this.outside.sizes[t]!;
    }
    this.keepCentred();
  }

  /** A key outside the window: below it (a far level) or above it (a new best beyond the window). */
  private setOutside(key: number, size: number): void {
    if (this.bestSize === 0) {
      if (size === 0) return;
      this.base = alignDown(key - this.windowSlots / 2, this.align); // an empty side re-bases for free
      this.version++;
      this.set(key, size);
      return;
    }
    if (key < this.base) {
      this.outside.set(key, size); // never the best: the best is inside the window (invariant)
      return;
    }
    if (size === 0) return; // nothing lives above the window
    this.outside.set(key, size); // the re-centring that newBest triggers pulls it into the window
    this.newBest(key, size);
  }

  /** Restores the invariant: re-centres the window on the best if it left the middle half. */
  private keepCentred(): void {
    if (this.bestSize === 0) return;
    const slot = this.bestKey - this.base;
    const quarter = this.windowSlots / 4;
    if (slot >= quarter && slot < 3 * quarter) return;
    this.recentre(alignDown(this.bestKey - this.windowSlots / 2, this.align));
  }

  /** Moves the window to start at `newBase` (a multiple of `align`), migrating levels both ways. */
  private recentre(newBase: number): void {
    const w = this.windowSlots;
    const delta = newBase - this.base;
    const occupied = this.occupied;
    const outside = this.outside;
    const values = this.pages.values;
    // Slots [keepFrom, keepTo) keep their levels (their slot index moves by −delta); all others leave,
    // giving back their pages as their words empty.
    const keepFrom = delta > 0 ? Math.min(delta, w) : 0;
    const keepTo = delta < 0 ? Math.max(w + delta, 0) : w;
    for (let s = occupied.prevSet(w - 1); s >= 0; s = occupied.prevSet(s - 1)) {
      if (s >= keepFrom && s < keepTo) {
        s = keepFrom; // jump below the kept range
        continue;
      }
      const at = this.at(s);
      outside.set(this.base + s, values[at]!);
      values[at] = 0;
      this.removeSlot(s);
    }
    occupied.shiftSlots(delta); // moves the page table too (interleaved in the bitmap's words)
    this.base = newBase;
    // Outside levels now inside the window move in, greatest first.
    const hi = newBase + w - 1;
    for (let s = outside.floorSlot(hi); s >= 0 && outside.keys[s]! >= newBase; s = outside.floorSlot(hi)) {
      const key = outside.keys[s]!;
      this.insert(key - newBase, outside.sizes[s]!);
      outside.set(key, 0);
    }
    this.version++;
    const top = occupied.prevSet(w - 1); // the best is inside now
    this.bestKey = newBase + top;
    this.bestSize = this.pages.values[this.at(top)]!;
  }
}

/** Greatest multiple of `align` (a power of two) ≤ x (x a safe integer). */
function alignDown(x: number, align: number): number {
  return x - (((x % align) + align) % align);
}
