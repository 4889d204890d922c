/**
 * A hierarchical bitset over slots [0, size): which price slots of a dense book window hold a level.
 *
 * Level 0 has one bit per slot in 32-bit words; level k+1 has one bit per word of level k, set iff that
 * word is non-zero; the top level is a single word. With 2^19 slots that is 16,384 + 512 + 16 + 1 words
 * (~66 KiB). `prevSet(i)` (greatest set slot ≤ i) climbs while the masked word is empty, then descends
 * taking the highest bit of each word, so finding the next level below a removed best costs at most
 * 2·depth word reads (depth 4 for 2^19 slots) however far away it is. 32-bit words because JS bit
 * operators are 32-bit (Math.clz32); BigInt 64-bit words would allocate.
 *
 * Nothing allocates after construction. The caller guarantees 0 ≤ i < size for add/remove/has.
 */

const WORD_BITS = 32;

/** Hierarchical bitset of `size` slots (see module doc). */
export class LevelBitmap {
  /** Number of slots. */
  readonly size: number;
  /** levels[0] = one bit per slot; levels[depth − 1] has exactly one word. */
  private readonly levels: Uint32Array[];

  /**
   * @param size number of slots: a positive multiple of 32 below 2^31.
   * @throws RangeError otherwise (internal misuse: the book validates its window size first).
   */
  constructor(size: number) {
    if (!(Number.isInteger(size) && size > 0 && size % WORD_BITS === 0 && size < 2 ** 31)) {
      throw new RangeError(`LevelBitmap size must be a positive multiple of 32 below 2^31, got ${size}`);
    }
    this.size = size;
    const levels: Uint32Array[] = [];
    let words = size / WORD_BITS;
    for (;;) {
      levels.push(new Uint32Array(words));
      if (words === 1) break;
      words = Math.ceil(words / WORD_BITS);
    }
    this.levels = levels;
  }

  /** Marks slot `i` occupied. */
  add(i: number): void {
    const levels = this.levels;
    let p = i;
    for (let l = 0; l < levels.length; l++) {
      const words = levels[l]!;
      const w = p >>> 5;
      const old = words[w]!;
      words[w] = old | (1 << (p & 31));
      if (old !== 0) return; // the parent bit is already set
      p = w;
    }
  }

  /** Marks slot `i` empty. */
  remove(i: number): void {
    const levels = this.levels;
    let p = i;
    for (let l = 0; l < levels.length; l++) {
      const words = levels[l]!;
      const w = p >>> 5;
      const now = words[w]! & ~(1 << (p & 31));
      words[w] = now;
      if (now !== 0) return; // the word still has a slot: the parent bit stays
      p = w;
    }
  }

  /** Whether slot `i` is occupied. */
  has(i: number): boolean {
    return (this.levels[0]![i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  /** Greatest occupied slot ≤ `i`, or −1 if none (any `i`: values ≥ size search the whole set). */
  prevSet(i: number): number {
    if (i < 0) return -1;
    const levels = this.levels;
    let p = i >= this.size ? this.size - 1 : i;
    let l = 0;
    for (;;) {
      const w = p >>> 5;
      // Bits 0..(p & 31) of word w: 0xffffffff >>> (31 − b) has b + 1 low ones.
      const m = levels[l]![w]! & (0xffffffff >>> (31 - (p & 31)));
      if (m !== 0) {
        p = (w << 5) | (31 - Math.clz32(m));
        break;
      }
      if (w === 0) return -1;
      p = w - 1; // look at the earlier words of this level through the parent level
      l++;
    }
    while (l > 0) {
      l--;
      p = (p << 5) | (31 - Math.clz32(levels[l]![p]!));
    }
    return p;
  }

  /** Empties every slot (O(size / 32)). */
  clear(): void {
    for (const words of this.levels) words.fill(0);
  }

  /**
   * Moves every slot by −`deltaWords`·32 (slot s goes to s − 32·deltaWords; positive = toward 0):
   * slots moved past either end are dropped, vacated slots are empty. O(size / 32); used when the
   * book window is re-centred by a multiple of 32 slots.
   */
  shiftWords(deltaWords: number): void {
    const base = this.levels[0]!;
    const n = base.length;
    if (deltaWords >= n || deltaWords <= -n) base.fill(0);
    else if (deltaWords > 0) {
      base.copyWithin(0, deltaWords, n);
      base.fill(0, n - deltaWords, n);
    } else if (deltaWords < 0) {
      base.copyWithin(-deltaWords, 0, n + deltaWords);
      base.fill(0, 0, -deltaWords);
    }
    this.rebuildUpper();
  }

  /** Recomputes levels 1.. from level 0. */
  private rebuildUpper(): void {
    const levels = this.levels;
    for (let l = 1; l < levels.length; l++) {
      const child = levels[l - 1]!;
      const words = levels[l]!;
      words.fill(0);
      for (let c = 0; c < child.length; c++)
        if (child[c] !== 0) words[c >>> 5] = words[c >>> 5]! | (1 << (c & 31));
    }
  }
}
