/**
 * A four-level hierarchical bitset over slots [0, size), size ≤ 2^20: which price slots of a dense book
 * window hold a level.
 *
 * Level 0 has one bit per slot in 32-bit words; level 1 has one bit per level-0 word ("marked"); level
 * k+1 (k ≥ 1) has one bit per word of level k, set iff that word is non-zero; level 3 is a single word
 * (32^4 = 2^20 slots at most). With 2^20 slots that is 32,768 + 1,024 + 32 + 1 words (~132 KiB; plus
 * 128 KiB for level 0's payload words, see below). `prevSet(i)` (greatest set slot ≤ i) climbs while
 * the masked word is empty, then descends taking the highest bit of each word, so finding the next
 * level below a removed best costs at most 7 word reads however far away it is (plus one per stale
 * mark dropped, below). The levels are unrolled (fixed depth). 32-bit words because JS bit operators
 * are 32-bit (Math.clz32); BigInt 64-bit words would allocate.
 *
 * Level 0 is stored interleaved with one 32-bit payload per word (`words`: entry 2w = word w's bits,
 * entry 2w + 1 = its payload), which the bitmap moves with the word on `shiftSlots` and otherwise never
 * reads: the book keeps each word's page id there, so one cache line serves both the occupancy test and
 * the size lookup of a level update.
 *
 * Marks may be stale. Invariant: every non-empty level-0 word is marked in level 1; a marked word may
 * be empty. `add`/`remove` keep the marks exact, but a caller that edits the bits directly (the book's
 * per-update path) only has to mark a word when it turns non-empty (`wordFilled`) and may leave it
 * marked when it empties: that saves the book an unpredictable branch on ~25 % of its level updates
 * (ADR 0004, follow-up 3). `prevSet` drops each stale mark it meets (`wordEmptied`) and reports the
 * word to the `onStaleWord` callback, so the owner can reclaim what it keeps in the payload.
 *
 * Nothing allocates after construction. The caller guarantees 0 ≤ i < size for add/remove/has.
 */

/** Most slots a `LevelBitmap` can hold: 32^4. */
export const MAX_BITMAP_SLOTS = 2 ** 20;

/** Hierarchical bitset of `size` slots (see module doc). */
export class LevelBitmap {
  /** Number of slots. */
  readonly size: number;
  /**
   * Level 0 interleaved with the per-word payload: entry 2w = bits of slots [32w, 32w + 32) (as int32),
   * entry 2w + 1 = the caller's payload for word w (0 initially and after `clear`). A caller that
   * edits the bits directly must call `wordFilled`/`wordEmptied` when a word turns non-empty/empty.
   */
  readonly words: Int32Array;
  private readonly l1: Uint32Array;
  private readonly l2: Uint32Array;
  private readonly l3: Uint32Array;
  /** Told of every stale mark `prevSet` drops (word index); its payload is the caller's to reclaim. */
  private readonly onStaleWord: ((w: number) => void) | undefined;

  /**
   * @param size number of slots: a multiple of 32 in [32, 2^20].
   * @param onStaleWord called with the index of each stale mark `prevSet` drops (an empty level-0
   *   word left marked by a direct edit), before the search goes on; it must not edit the bitmap.
   * @throws RangeError otherwise (internal misuse: the book validates its window size first).
   */
  constructor(size: number, onStaleWord?: (w: number) => void) {
    if (!(Number.isInteger(size) && size >= 32 && size <= MAX_BITMAP_SLOTS && size % 32 === 0)) {
      throw new RangeError(`LevelBitmap size must be a multiple of 32 in [32, 2^20], got ${size}`);
    }
    this.size = size;
    this.words = new Int32Array((size / 32) * 2);
    this.l1 = new Uint32Array(Math.ceil(size / 32 ** 2));
    this.l2 = new Uint32Array(Math.ceil(size / 32 ** 3));
    this.l3 = new Uint32Array(1);
    this.onStaleWord = onStaleWord;
  }

  /** Marks slot `i` occupied. @returns true if its 32-slot word (i >>> 5) was empty before. */
  add(i: number): boolean {
    const w0 = i >>> 5;
    const o0 = this.words[w0 << 1]!;
    this.words[w0 << 1] = o0 | (1 << (i & 31));
    if (o0 !== 0) return false; // the parent bit is already set
    this.wordFilled(w0);
    return true;
  }

  /** Marks level-0 word `w0` (which has just turned non-empty) in the upper levels; idempotent. */
  wordFilled(w0: number): void {
    const w1 = w0 >>> 5;
    const o1 = this.l1[w1]!;
    this.l1[w1] = o1 | (1 << (w0 & 31));
    if (o1 !== 0) return;
    const w2 = w1 >>> 5;
    const o2 = this.l2[w2]!;
    this.l2[w2] = o2 | (1 << (w1 & 31));
    if (o2 === 0) this.l3[0] = this.l3[0]! | (1 << w2);
  }

  /** Marks slot `i` empty. @returns true if its 32-slot word (i >>> 5) is now empty. */
  remove(i: number): boolean {
    const w0 = i >>> 5;
    const n0 = this.words[w0 << 1]! & ~(1 << (i & 31));
    this.words[w0 << 1] = n0;
    if (n0 !== 0) return false; // the word still has a slot: the parent bit stays
    this.wordEmptied(w0);
    return true;
  }

  /** Unmarks level-0 word `w0` (which is empty) in the upper levels. */
  wordEmptied(w0: number): void {
    const w1 = w0 >>> 5;
    const n1 = this.l1[w1]! & ~(1 << (w0 & 31));
    this.l1[w1] = n1;
    if (n1 !== 0) return;
    const w2 = w1 >>> 5;
    const n2 = this.l2[w2]! & ~(1 << (w1 & 31));
    this.l2[w2] = n2;
    if (n2 === 0) this.l3[0] = this.l3[0]! & ~(1 << w2);
  }

  /** Level-0 word `w`: bit b set iff slot 32·w + b is occupied (as an int32). */
  word(w: number): number {
    return this.words[w << 1]!;
  }

  /** Whether slot `i` is occupied. */
  has(i: number): boolean {
    return (this.words[(i >>> 5) << 1]! & (1 << (i & 31))) !== 0;
  }

  /**
   * Greatest occupied slot ≤ `i`, or −1 if none (`i` ≥ size searches the whole set). Drops every stale
   * mark it meets on the way (see the module doc), reporting each to `onStaleWord`: the marked empty
   * words below `i` down to the slot found, and the word of `i` itself if it is empty.
   */
  prevSet(i: number): number {
    if (i < 0) return -1;
    const p0 = i >= this.size ? this.size - 1 : i;
    const w0 = p0 >>> 5;
    const bits0 = this.words[w0 << 1]!;
    const m0 = bits0 & upTo(p0);
    if (m0 !== 0) return (w0 << 5) | top(m0); // the common case: same word
    if (bits0 === 0 && (this.l1[w0 >>> 5]! & (1 << (w0 & 31))) !== 0) this.dropStale(w0);
    let w = w0 - 1;
    for (;;) {
      w = this.prevMarked(w);
      if (w < 0) return -1;
      const bits = this.words[w << 1]!;
      if (bits !== 0) return (w << 5) | top(bits);
      this.dropStale(w);
      w--;
    }
  }

  /** Unmarks the empty, marked level-0 word `w` (a stale mark) and reports it to `onStaleWord`. */
  private dropStale(w: number): void {
    this.wordEmptied(w);
    if (this.onStaleWord !== undefined) this.onStaleWord(w);
  }

  /** Greatest level-0 word index ≤ `w` marked in level 1, or −1 (through levels 1–3). */
  private prevMarked(w: number): number {
    if (w < 0) return -1;
    const w1 = w >>> 5;
    const m1 = this.l1[w1]! & upTo(w);
    if (m1 !== 0) return (w1 << 5) | top(m1);
    if (w1 === 0) return -1;
    const p2 = w1 - 1;
    const w2 = p2 >>> 5;
    const m2 = this.l2[w2]! & upTo(p2);
    if (m2 !== 0) return this.lastMarkedUnder1((w2 << 5) | top(m2));
    if (w2 === 0) return -1;
    const m3 = this.l3[0]! & upTo(w2 - 1);
    return m3 === 0 ? -1 : this.lastMarkedUnder1((top(m3) << 5) | top(this.l2[top(m3)]!));
  }

  /** Greatest marked level-0 word under level-1 word `w1` (which is non-zero: levels 2–3 are exact). */
  private lastMarkedUnder1(w1: number): number {
    return (w1 << 5) | top(this.l1[w1]!);
  }

  /** Empties every slot (O(size / 32)). */
  clear(): void {
    this.words.fill(0);
    this.l1.fill(0);
    this.l2.fill(0);
    this.l3.fill(0);
  }

  /**
   * Moves every slot by −`delta` (slot s goes to s − delta; positive = toward 0; `delta` a multiple of
   * 32): slots moved past either end are dropped, vacated slots are empty. O(size / 32); used when the
   * book window is re-centred. When `delta` is a multiple of 32^3 every level moves by whole words
   * (native `copyWithin`, no JS loop: re-centring is too rare for its code to be JIT-optimised);
   * otherwise level 0 moves and the upper levels are recomputed from it.
   */
  shiftSlots(delta: number): void {
    shiftEntries(this.words, (delta / 32) * 2); // bits and payloads move together
    if (delta % 32 ** 3 === 0) {
      shiftEntries(this.l1, delta / 32 ** 2);
      const k = delta / 32 ** 3; // level-3 bit j stands for level-2 word j
      shiftEntries(this.l2, k);
      const l3 = this.l3[0]!;
      const kept = k >= 32 || k <= -32 ? 0 : k >= 0 ? l3 >>> k : l3 << -k;
      this.l3[0] = this.l2.length >= 32 ? kept : kept & ((1 << this.l2.length) - 1);
    } else {
      summarise(this.words, this.l1, 2);
      summarise(this.l1, this.l2, 1);
      summarise(this.l2, this.l3, 1);
    }
  }
}

/**
 * Moves entry e of `words` to e − `delta` (positive = toward 0); entries moved past either end are
 * dropped and vacated entries become 0. Used for every bitmap level (level 0 with its payloads).
 */
export function shiftEntries(words: Uint32Array | Int32Array, delta: number): void {
  const n = words.length;
  if (delta >= n || delta <= -n) words.fill(0);
  else if (delta > 0) {
    words.copyWithin(0, delta, n);
    words.fill(0, n - delta, n);
  } else if (delta < 0) {
    words.copyWithin(-delta, 0, n + delta);
    words.fill(0, 0, -delta);
  }
}

/** Index of the highest set bit of a non-zero 32-bit word. */
function top(word: number): number {
  return 31 - Math.clz32(word);
}

/** Mask of bits 0..(p mod 32) inclusive: 0xffffffff >>> (31 − b) has b + 1 low ones. */
function upTo(p: number): number {
  return 0xffffffff >>> (31 - (p & 31));
}

/**
 * Sets bit w of `parent` iff word w of `child` (entry `stride`·w) is non-zero; for level 0 (`stride` 2,
 * bits interleaved with payloads) also iff word w has a non-zero payload: an empty word whose payload
 * the owner still holds stays marked, so `prevSet` reports it when it drops the mark.
 */
function summarise(child: Uint32Array | Int32Array, parent: Uint32Array, stride: number): void {
  parent.fill(0);
  const n = child.length / stride;
  for (let w = 0; w < n; w++) {
    const marked = child[w * stride] !== 0 || (stride === 2 && child[w * 2 + 1] !== 0);
    if (marked) parent[w >>> 5] = parent[w >>> 5]! | (1 << (w & 31));
  }
}
