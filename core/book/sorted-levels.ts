/**
 * Sorted levels of one book side as a blocked sorted array: number keys ascending (greatest = best) →
 * sizes. The order book keeps its levels in a dense price-indexed window (`PriceLadder`); this class
 * holds the few levels that fall OUTSIDE that window (on the recorded Binance streams 0–5 % of level
 * updates land more than 2^18 ticks from the touch: stale far orders at 0.1× or 2× the price).
 *
 * Why blocked: insert/delete anywhere in a flat sorted array moves O(n) entries. Here the levels live in
 * fixed blocks of `BLOCK` slots inside two Float64Array pools (keys, sizes); an insert/delete shifts at
 * most one block (`copyWithin`), and only a block split or release shifts the small `order` array of
 * block ids.
 *
 * Layout: block id b owns slots [b·BLOCK, b·BLOCK + lens[b]), keys ascending within the block;
 * `order[0..nBlocks)` lists block ids by ascending key range. The best level is the last slot of the
 * last block, cached in `top`. Nothing allocates per update; the pools double when full.
 * Lookups: binary search over block first-keys (the touch block is checked first), then in the block.
 */

const BLOCK = 64;
const MERGE_BELOW = BLOCK / 4;

/**
 * Sorted keys (ascending; greatest = best) → sizes, blocked (see module doc). Sizes are > 0; `set` with
 * size 0 removes. Pools grow by doubling (amortised, never on a size change).
 */
export class SortedLevels {
  /** Key per slot (only slots inside live blocks are meaningful). */
  keys: Float64Array;
  /** Size per slot. */
  sizes: Float64Array;
  /** Slot index of the greatest key, −1 when empty. */
  top = -1;
  /** Number of levels. */
  count = 0;
  private lens: Int32Array;
  private order: Int32Array;
  /** First (smallest) key of each block, by position in `order`: a dense array for the block search. */
  private firsts: Float64Array;
  private nBlocks = 0;
  private free: Int32Array;
  private nFree: number;

  /** @param initialLevels slots to allocate up front (rounded up to whole blocks, at least 2 blocks). */
  constructor(initialLevels: number) {
    const blocks = Math.max(2, Math.ceil(initialLevels / BLOCK));
    this.keys = new Float64Array(blocks * BLOCK);
    this.sizes = new Float64Array(blocks * BLOCK);
    this.lens = new Int32Array(blocks);
    this.order = new Int32Array(blocks);
    this.firsts = new Float64Array(blocks);
    this.free = new Int32Array(blocks);
    for (let i = 0; i < blocks; i++) this.free[i] = blocks - 1 - i;
    this.nFree = blocks;
  }

  /** Removes every level (keeps the pools). */
  clear(): void {
    for (let p = 0; p < this.nBlocks; p++) this.free[this.nFree++] = this.order[p]!;
    this.nBlocks = 0;
    this.count = 0;
    this.top = -1;
  }

  /** Sets `key` to `size`; size 0 removes the key (absent key: no-op). */
  set(key: number, size: number): void {
    if (this.nBlocks === 0) {
      if (size === 0) return;
      const b = this.allocBlock();
      this.order[0] = b;
      this.firsts[0] = key;
      this.nBlocks = 1;
      this.keys[b * BLOCK] = key;
      this.sizes[b * BLOCK] = size;
      this.lens[b] = 1;
      this.count = 1;
      this.top = b * BLOCK;
      return;
    }
    const top = this.top;
    if (key === this.keys[top]) {
      if (size !== 0) {
        this.sizes[top] = size; // the hot case: size change at the touch
        return;
      }
    }
    const p = this.blockPos(key);
    const b = this.order[p]!;
    const base = b * BLOCK;
    const len = this.lens[b]!;
    const i = lowerBound(this.keys, base, base + len, key) - base;
    if (i < len && this.keys[base + i] === key) {
      if (size !== 0) this.sizes[base + i] = size;
      else this.removeAt(p, b, i);
    } else if (size !== 0) {
      this.insertAt(p, b, i, key, size);
    }
  }

  /** Size at `key`, 0 if absent. */
  get(key: number): number {
    if (this.nBlocks === 0) return 0;
    const b = this.order[this.blockPos(key)]!;
    const base = b * BLOCK;
    const end = base + this.lens[b]!;
    const s = lowerBound(this.keys, base, end, key);
    return s < end && this.keys[s] === key ? this.sizes[s]! : 0;
  }

  /** Slot of the `index`-th greatest key (0 = best), −1 if out of range. O(index / BLOCK). */
  slotFromTop(index: number): number {
    if (!(index >= 0 && index < this.count)) return -1;
    let rest = index;
    for (let p = this.nBlocks - 1; p >= 0; p--) {
      const b = this.order[p]!;
      const len = this.lens[b]!;
      if (rest < len) return b * BLOCK + len - 1 - rest;
      rest -= len;
    }
    return -1;
  }

  /** Sum of the sizes of the `levels` greatest keys. */
  sumFromTop(levels: number): number {
    let rest = levels;
    let total = 0;
    for (let p = this.nBlocks - 1; p >= 0 && rest > 0; p--) {
      const b = this.order[p]!;
      const base = b * BLOCK;
      for (let s = base + this.lens[b]! - 1; s >= base && rest > 0; s--, rest--) total += this.sizes[s]!;
    }
    return total;
  }

  /** Slot of the greatest key ≤ `key`, −1 if there is none. */
  floorSlot(key: number): number {
    if (this.nBlocks === 0) return -1;
    const b = this.order[this.blockPos(key)]!;
    const base = b * BLOCK;
    const end = base + this.lens[b]!;
    const s = lowerBound(this.keys, base, end, key);
    if (s < end && this.keys[s] === key) return s;
    return s > base ? s - 1 : -1; // s === base only when key is below every key (first block)
  }

  /** Position in `order` of the block that holds or would hold `key` (last block whose first key ≤ key, else 0). */
  private blockPos(key: number): number {
    const firsts = this.firsts;
    const last = this.nBlocks - 1;
    if (key >= firsts[last]!) return last; // touch block
    let lo = 0;
    let hi = last; // answer in [0, last)
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (firsts[mid]! <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private insertAt(p: number, b: number, i: number, key: number, size: number): void {
    let len = this.lens[b]!;
    if (len === BLOCK) {
      if (i === BLOCK && p === this.nBlocks - 1) {
        // New best beyond a full last block: open a fresh block (keeps blocks dense on ascending loads).
        const c = this.allocBlock();
        this.insertOrder(p + 1, c, key);
        this.writeFirst(c, key, size);
        return;
      }
      if (i === 0 && p === 0) {
        const c = this.allocBlock();
        this.insertOrder(0, c, key);
        this.writeFirst(c, key, size);
        return;
      }
      // Split: the upper half moves to a new block right after b.
      const c = this.allocBlock();
      const half = BLOCK >>> 1;
      const from = b * BLOCK + half;
      this.keys.copyWithin(c * BLOCK, from, b * BLOCK + BLOCK);
      this.sizes.copyWithin(c * BLOCK, from, b * BLOCK + BLOCK);
      this.lens[b] = half;
      this.lens[c] = BLOCK - half;
      this.insertOrder(p + 1, c, this.keys[c * BLOCK]!);
      if (i > half) {
        b = c;
        i -= half;
        p++;
      }
      len = this.lens[b]!;
    }
    const base = b * BLOCK;
    const keys = this.keys;
    const sizes = this.sizes;
    for (let s = base + len; s > base + i; s--) {
      keys[s] = keys[s - 1]!;
      sizes[s] = sizes[s - 1]!;
    }
    keys[base + i] = key;
    sizes[base + i] = size;
    this.lens[b] = len + 1;
    if (i === 0) this.firsts[p] = key;
    this.count++;
    this.refreshTop();
  }

  private writeFirst(c: number, key: number, size: number): void {
    this.keys[c * BLOCK] = key;
    this.sizes[c * BLOCK] = size;
    this.lens[c] = 1;
    this.count++;
    this.refreshTop();
  }

  private removeAt(p: number, b: number, i: number): void {
    const base = b * BLOCK;
    const len = this.lens[b]! - 1;
    const keys = this.keys;
    const sizes = this.sizes;
    for (let s = base + i; s < base + len; s++) {
      keys[s] = keys[s + 1]!;
      sizes[s] = sizes[s + 1]!;
    }
    this.lens[b] = len;
    if (i === 0 && len > 0) this.firsts[p] = keys[base]!;
    this.count--;
    if (len === 0) {
      this.removeOrder(p);
      this.free[this.nFree++] = b;
    } else if (len < MERGE_BELOW && p + 1 < this.nBlocks) {
      // Merge a sparse block with its upper neighbour when both fit in half a block.
      const c = this.order[p + 1]!;
      const lenC = this.lens[c]!;
      if (len + lenC <= BLOCK >>> 1) {
        this.keys.copyWithin(base + len, c * BLOCK, c * BLOCK + lenC);
        this.sizes.copyWithin(base + len, c * BLOCK, c * BLOCK + lenC);
        this.lens[b] = len + lenC;
        this.removeOrder(p + 1);
        this.free[this.nFree++] = c;
      }
    }
    this.refreshTop();
  }

  private refreshTop(): void {
    if (this.nBlocks === 0) {
      this.top = -1;
      return;
    }
    const b = this.order[this.nBlocks - 1]!;
    this.top = b * BLOCK + this.lens[b]! - 1;
  }

  private insertOrder(p: number, b: number, firstKey: number): void {
    this.order.copyWithin(p + 1, p, this.nBlocks);
    this.firsts.copyWithin(p + 1, p, this.nBlocks);
    this.order[p] = b;
    this.firsts[p] = firstKey;
    this.nBlocks++;
  }

  private removeOrder(p: number): void {
    this.order.copyWithin(p, p + 1, this.nBlocks);
    this.firsts.copyWithin(p, p + 1, this.nBlocks);
    this.nBlocks--;
  }

  private allocBlock(): number {
    if (this.nFree === 0) this.grow();
    return this.free[--this.nFree]!;
  }

  /** Doubles the pools (rare: amortised over the levels that filled them). */
  private grow(): void {
    const old = this.lens.length;
    const blocks = old * 2;
    const keys = new Float64Array(blocks * BLOCK);
    const sizes = new Float64Array(blocks * BLOCK);
    keys.set(this.keys);
    sizes.set(this.sizes);
    const lens = new Int32Array(blocks);
    lens.set(this.lens);
    const order = new Int32Array(blocks);
    order.set(this.order);
    const firsts = new Float64Array(blocks);
    firsts.set(this.firsts);
    const free = new Int32Array(blocks);
    for (let i = 0; i < old; i++) free[i] = blocks - 1 - i; // new ids old..blocks−1
    this.keys = keys;
    this.sizes = sizes;
    this.lens = lens;
    this.order = order;
    this.firsts = firsts;
    this.free = free;
    this.nFree = old;
  }
}

/** First slot in [lo, hi) whose key is ≥ `key` (hi if none). */
function lowerBound(keys: Float64Array, lo: number, hi: number, key: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
