import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LevelBitmap, MAX_BITMAP_SLOTS } from '../../../core/book/level-bitmap.ts';

/** Naive reference: greatest member ≤ i, or −1. */
function naivePrev(set: ReadonlySet<number>, i: number): number {
  let best = -1;
  for (const s of set) if (s <= i && s > best) best = s;
  return best;
}

describe('LevelBitmap', () => {
  it('finds the previous set slot within a word, across words and across every level', () => {
    const b = new LevelBitmap(2 ** 19);
    expect(b.prevSet(2 ** 19 - 1)).toBe(-1);
    b.add(5);
    b.add(37); // next word
    b.add(40_000); // another level-1 word
    b.add(500_000); // another level-2 word
    expect(b.prevSet(2 ** 19 - 1)).toBe(500_000);
    expect(b.prevSet(10 ** 9)).toBe(500_000); // beyond the end: whole set
    expect(b.prevSet(499_999)).toBe(40_000);
    expect(b.prevSet(40_000)).toBe(40_000);
    expect(b.prevSet(39_999)).toBe(37);
    expect(b.prevSet(36)).toBe(5);
    expect(b.prevSet(4)).toBe(-1);
    expect(b.prevSet(-1)).toBe(-1);
    b.remove(40_000);
    expect(b.prevSet(499_999)).toBe(37);
    expect(b.has(37)).toBe(true);
    expect(b.has(40_000)).toBe(false);
    b.add(31); // bit 31: the sign bit of a 32-bit word
    expect(b.prevSet(36)).toBe(31);
    b.clear();
    expect(b.prevSet(2 ** 19 - 1)).toBe(-1);
  });

  it('shifts by multiples of 32 both ways, dropping slots moved past either end', () => {
    const b = new LevelBitmap(1024);
    for (const s of [0, 33, 500, 1023]) b.add(s);
    b.shiftSlots(32); // s → s − 32
    expect([b.prevSet(1023), b.prevSet(990), b.prevSet(467), b.prevSet(0)]).toEqual([991, 468, 1, -1]);
    b.shiftSlots(-64); // s → s + 64
    expect([b.prevSet(1023), b.prevSet(531), b.prevSet(64)]).toEqual([532, 65, -1]);
    b.shiftSlots(-40 * 32); // everything past the end
    expect(b.prevSet(1023)).toBe(-1);
  });

  it('keeps a payload per level-0 word next to its bits and moves it with the word', () => {
    const b = new LevelBitmap(2 ** 20);
    expect(b.add(70)).toBe(true); // word 2 turns non-empty
    expect(b.add(71)).toBe(false);
    b.words[2 * 2 + 1] = 7; // word 2's payload
    expect(b.words[2 * 2]).toBe((1 << 6) | (1 << 7));
    // Direct edits of the bits plus the word hooks act like add/remove.
    b.words[2 * 9_000] = 1 << 31; // slot 288,031
    b.wordFilled(9_000);
    expect(b.prevSet(2 ** 20 - 1)).toBe(288_031);
    expect(b.has(288_031)).toBe(true);
    b.words[2 * 9_000] = 0;
    b.wordEmptied(9_000);
    expect(b.prevSet(2 ** 20 - 1)).toBe(71);
    b.shiftSlots(-(32 ** 3)); // word 2 → word 1,026, with its payload
    expect(b.words[2 * 1_026 + 1]).toBe(7);
    expect(b.words[2 * 2 + 1]).toBe(0);
    const c = new LevelBitmap(1024); // the summarising path (shift not a multiple of 32^3)
    c.add(100); // word 3
    c.words[2 * 3 + 1] = 9;
    c.shiftSlots(64); // word 3 → word 1
    expect([c.words[2 * 1 + 1], c.prevSet(1023)]).toEqual([9, 36]);
    c.clear();
    expect(c.words.every((x) => x === 0)).toBe(true);
  });

  it('rejects sizes that are not multiples of 32 in [32, 2^20]', () => {
    expect(() => new LevelBitmap(0)).toThrow(RangeError);
    expect(() => new LevelBitmap(100)).toThrow(RangeError);
    expect(() => new LevelBitmap(MAX_BITMAP_SLOTS * 2)).toThrow(RangeError);
    expect(new LevelBitmap(MAX_BITMAP_SLOTS).size).toBe(2 ** 20);
  });

  it('shifts every level by whole words when the shift is a multiple of 32^3', () => {
    const b = new LevelBitmap(2 ** 20);
    for (const s of [5, 40_000, 500_000, 2 ** 20 - 1]) b.add(s);
    b.shiftSlots(32 ** 3 * 3); // s → s − 98,304
    expect([b.prevSet(2 ** 20 - 1), b.prevSet(950_000), b.prevSet(401_695)]).toEqual([950_271, 401_696, -1]);
    b.shiftSlots(-(32 ** 3) * 31); // s → s + 1,015,808: both move past the end
    expect(b.prevSet(2 ** 20 - 1)).toBe(-1);
    b.add(7);
    b.shiftSlots(-(32 ** 3)); // 7 → 32,775
    expect(b.prevSet(2 ** 20 - 1)).toBe(32_775);
    expect(b.prevSet(32_774)).toBe(-1);
  });

  it('agrees with a naive set on random add/remove/prevSet/shift (property)', () => {
    const size = 2 ** 17;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), slot: fc.integer({ min: 0, max: size - 1 }) }),
      fc.record({ kind: fc.constant('remove' as const), slot: fc.integer({ min: 0, max: size - 1 }) }),
      fc.record({ kind: fc.constant('prev' as const), slot: fc.integer({ min: -2, max: size + 5 }) }),
      fc.record({ kind: fc.constant('shift' as const), slot: fc.integer({ min: -1100, max: 1100 }) }),
      fc.record({
        kind: fc.constant('shift' as const),
        slot: fc.integer({ min: -5, max: 5 }).map((k) => k * 1024),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const b = new LevelBitmap(size);
        let ref = new Set<number>();
        for (const o of ops) {
          if (o.kind === 'add') {
            b.add(o.slot);
            ref.add(o.slot);
          } else if (o.kind === 'remove') {
            if (ref.has(o.slot)) b.remove(o.slot); // the caller only removes set slots
            ref.delete(o.slot);
          } else if (o.kind === 'prev') {
            expect(b.prevSet(o.slot)).toBe(naivePrev(ref, o.slot));
          } else {
            b.shiftSlots(32 * o.slot); // o.slot words; multiples of 1024 words take the whole-word path
            const moved = new Set<number>();
            for (const s of ref) {
              const t = s - 32 * o.slot;
              if (t >= 0 && t < size) moved.add(t);
            }
            ref = moved;
          }
        }
        const all: number[] = [];
        for (let s = b.prevSet(size - 1); s >= 0; s = b.prevSet(s - 1)) all.push(s);
        expect(all).toEqual([...ref].sort((x, y) => y - x));
      }),
      { numRuns: 200 },
    );
  });

  it('drops a stale mark when prevSet meets it, reporting the word once (hand case)', () => {
    const stale: number[] = [];
    const b = new LevelBitmap(2 ** 20, (w) => stale.push(w));
    // Direct edits as the book makes them: mark a word when it fills, never unmark it when it empties.
    for (const slot of [3, 40_000, 700_000]) {
      const w = slot >>> 5;
      b.words[w << 1] = b.words[w << 1]! | (1 << (slot & 31));
      b.wordFilled(w);
    }
    b.words[(40_000 >>> 5) << 1] = 0; // word 1,250 empties and stays marked
    expect(b.prevSet(699_999)).toBe(3); // skips the stale word…
    expect(stale).toEqual([1_250]); // …and reports it
    expect(b.prevSet(699_999)).toBe(3);
    expect(stale).toEqual([1_250]); // dropped: not reported again
    b.words[(700_000 >>> 5) << 1] = 0;
    b.words[(3 >>> 5) << 1] = 0;
    expect(b.prevSet(2 ** 20 - 1)).toBe(-1); // two stale words, through levels 2 and 1
    expect(stale).toEqual([1_250, 21_875, 0]);
  });

  it('agrees with a naive set when words are left marked as they empty (property: stale marks)', () => {
    const size = 2 ** 17;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), slot: fc.integer({ min: 0, max: size - 1 }) }),
      fc.record({ kind: fc.constant('clear' as const), slot: fc.integer({ min: 0, max: size - 1 }) }),
      fc.record({ kind: fc.constant('prev' as const), slot: fc.integer({ min: -2, max: size + 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const reported: number[] = [];
        const b = new LevelBitmap(size, (w) => reported.push(w));
        const ref = new Set<number>();
        for (const o of ops) {
          const w = o.slot >>> 5;
          if (o.kind === 'set') {
            if (b.words[w << 1] === 0) b.wordFilled(w);
            b.words[w << 1] = b.words[w << 1]! | (1 << (o.slot & 31));
            ref.add(o.slot);
          } else if (o.kind === 'clear') {
            b.words[w << 1] = b.words[w << 1]! & ~(1 << (o.slot & 31)); // may leave w empty but marked
            ref.delete(o.slot);
          } else {
            const before = reported.length;
            expect(b.prevSet(o.slot)).toBe(naivePrev(ref, o.slot));
            // Only empty words are reported, each while it had been left marked.
            for (const x of reported.slice(before)) expect(b.words[x << 1]).toBe(0);
          }
        }
        const all: number[] = [];
        for (let s = b.prevSet(size - 1); s >= 0; s = b.prevSet(s - 1)) all.push(s);
        expect(all).toEqual([...ref].sort((x, y) => y - x));
        // A full scan drops every stale mark: a second one reports nothing.
        const afterScan = reported.length;
        for (let s = b.prevSet(size - 1); s >= 0; s = b.prevSet(s - 1));
        expect(reported.length).toBe(afterScan);
      }),
      { numRuns: 200 },
    );
  });
});
