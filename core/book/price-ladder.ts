/**
 * One side of an L2 book as a dense price ladder: integer keys (greatest = best) → integer sizes.
 * The order book uses key = price for bids and key = −price for asks, so one class serves both.
 *
 * Layout (ADR 0004): a window of `windowSlots` (a power of two, default 2^19) consecutive keys
 * [base, base + windowSlots) stored as a Float64Array of sizes indexed by key − base (0 = empty), plus a
 * `LevelBitmap` of the non-empty slots. A level update inside the window is O(1): one array write and,
 * when a level appears or disappears, a bit flip that climbs only while a word turns empty/non-empty.
 * Removing the best finds the next level with `LevelBitmap.prevSet` (≤ 8 word reads at 2^19 slots).
 *
 * Invariant, restored after every `set`: a non-empty side has its best key inside the middle half of
 * the window [base + W/4, base + 3W/4). Hence no level lies above the window, and the levels outside
 * it — all below `base`, i.e. far from the touch — live in a small `SortedLevels` (`outside`). Best-
 * first order is: window levels descending, then `outside` descending.
 *
 * Re-centring keeps the invariant: when the best changes and leaves the middle half (a new best above
 * it, or removals below it), the window moves so the best sits at its centre (base aligned to 32 so the
 * bitmap moves by whole words). Dense window: levels leaving it go to `outside`, sizes and bitmap are
 * shifted with `copyWithin` (a 4 MiB memmove at 2^19 slots), and `outside` levels now inside move in.
 * Sparse window (≤ W/512 levels, e.g. the first level after `clear`): every window level goes through
 * `outside` instead, O(levels·log + W/32). It happens once per W/4 ticks of drift of the touch.
 * Nothing allocates per update (`outside` grows by doubling, amortised).
 *
 * Keys are safe integers; Float64 holds every safe integer exactly, so sizes beyond 2^31 are exact.
 */

import { LevelBitmap } from './level-bitmap.ts';
import { SortedLevels } from './sorted-levels.ts';

const ALIGN = 32; // window base alignment = bitmap word bits
const OUTSIDE_INITIAL_LEVELS = 256;

/**
 * One book side (see module doc). The best level is read from the `bestKey`/`bestSize` fields (O(1));
 * `set` is O(1) inside the window. The caller validates keys and sizes (safe integers, size ≥ 0).
 */
export class PriceLadder {
  /** Window width in keys (a power of two ≥ 128). */
  readonly windowSlots: number;
  /** Best (greatest) key; −Infinity when the side is empty. */
  bestKey = Number.NEGATIVE_INFINITY;
  /** Size at the best key; 0 exactly when the side is empty. */
  bestSize = 0;
  /** Key of the last successful `seek`. */
  seekKey = 0;
  /** Size of the last successful `seek`. */
  seekSize = 0;
  /** Key of window slot 0 (a multiple of 32). */
  private base = 0;
  private readonly sizes: Float64Array;
  private readonly occupied: LevelBitmap;
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
    this.sizes = new Float64Array(windowSlots);
    this.occupied = new LevelBitmap(windowSlots);
  }

  /** Number of levels. */
  get count(): number {
    return this.windowCount + this.outside.count;
  }

  /** Removes every level. O(levels + W/32). */
  clear(): void {
    const sizes = this.sizes;
    const occupied = this.occupied;
    for (let s = occupied.prevSet(this.windowSlots - 1); s >= 0; s = occupied.prevSet(s - 1)) sizes[s] = 0;
    occupied.clear();
    this.outside.clear();
    this.windowCount = 0;
    this.bestKey = Number.NEGATIVE_INFINITY;
    this.bestSize = 0;
    this.version++;
  }

  /** Sets `key` to `size` (size 0 removes; removing an absent key is a no-op). */
  set(key: number, size: number): void {
    const slot = key - this.base;
    if (slot >= 0 && slot < this.windowSlots) {
      const sizes = this.sizes;
      const old = sizes[slot]!;
      if (size !== 0) {
        sizes[slot] = size;
        if (key === this.bestKey) {
          this.bestSize = size; // the hot case: a size change at the touch
        } else if (old === 0) {
          this.occupied.add(slot);
          this.windowCount++;
          this.version++;
          if (key > this.bestKey) this.newBest(key, size);
        }
      } else if (old !== 0) {
        sizes[slot] = 0;
        this.occupied.remove(slot);
        this.windowCount--;
        this.version++;
        if (key === this.bestKey) this.bestRemoved(slot);
      }
      return;
    }
    this.setOutside(key, size);
  }

  /** Size at `key`, 0 if absent. */
  get(key: number): number {
    const slot = key - this.base;
    if (slot >= 0 && slot < this.windowSlots) return this.sizes[slot]!;
    const s = this.outside.floorSlot(key);
    return s >= 0 && this.outside.keys[s] === key ? this.outside.sizes[s]! : 0;
  }

  /** Sum of the sizes of the best `levels` levels (fewer if the side is shorter; 0 if levels ≤ 0). */
  sumFromTop(levels: number): number {
    let rest = levels;
    let total = 0;
    const sizes = this.sizes;
    const occupied = this.occupied;
    if (this.bestSize === 0) return 0;
    for (let s = this.bestKey - this.base; s >= 0 && rest > 0; s = occupied.prevSet(s - 1)) {
      total += sizes[s]!;
      rest--;
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
    this.seekSize = this.sizes[slot]!;
    return true;
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
      this.bestSize = this.sizes[next]!;
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
      this.base = alignDown(key - this.windowSlots / 2); // an empty side re-bases for free
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
    this.recentre(alignDown(this.bestKey - this.windowSlots / 2));
  }

  /** Moves the window to start at `newBase` (a multiple of 32), migrating levels both ways. */
  private recentre(newBase: number): void {
    const w = this.windowSlots;
    const delta = newBase - this.base;
    const sizes = this.sizes;
    const occupied = this.occupied;
    const outside = this.outside;
    if (this.windowCount <= w >>> 9 || delta >= w || delta <= -w) {
      // Sparse (or disjoint): every window level goes outside; those inside the new window come back.
      for (let s = occupied.prevSet(w - 1); s >= 0; s = occupied.prevSet(s - 1)) {
        outside.set(this.base + s, sizes[s]!);
        sizes[s] = 0;
      }
      occupied.clear();
      this.windowCount = 0;
    } else {
      // Dense: levels in the part that leaves the window go outside, the kept slots [keepFrom, keepTo)
      // shift by −delta (their keys are unchanged).
      const keepFrom = delta > 0 ? delta : 0;
      const keepTo = delta < 0 ? w + delta : w;
      for (let s = occupied.prevSet(w - 1); s >= 0; s = occupied.prevSet(s - 1)) {
        if (s >= keepFrom && s < keepTo) {
          s = keepFrom; // jump below the kept range
          continue;
        }
        outside.set(this.base + s, sizes[s]!);
        this.windowCount--;
      }
      if (delta > 0) {
        sizes.copyWithin(0, keepFrom, w);
        sizes.fill(0, w - keepFrom, w);
      } else {
        sizes.copyWithin(-delta, 0, keepTo);
        sizes.fill(0, 0, -delta);
      }
      occupied.shiftWords(delta / ALIGN);
    }
    this.base = newBase;
    // Outside levels now inside the window move in, greatest first.
    const hi = newBase + w - 1;
    for (let s = outside.floorSlot(hi); s >= 0 && outside.keys[s]! >= newBase; s = outside.floorSlot(hi)) {
      const key = outside.keys[s]!;
      const slot = key - newBase;
      sizes[slot] = outside.sizes[s]!;
      occupied.add(slot);
      this.windowCount++;
      outside.set(key, 0);
    }
    this.version++;
    const top = occupied.prevSet(w - 1); // the best is inside now
    this.bestKey = newBase + top;
    this.bestSize = sizes[top]!;
  }
}

/** Greatest multiple of `ALIGN` ≤ x (x a safe integer). */
function alignDown(x: number): number {
  return x - (((x % ALIGN) + ALIGN) % ALIGN);
}
