import { describe, expect, it } from 'vitest';
import {
  LevelPairArena,
  NO_PAIRS,
  checkPairs,
  packLevels,
  unpackLevels,
} from '../../../core/book/level-pairs.ts';
import { InvariantViolation } from '../../../core/errors.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof InvariantViolation ? err.code : `not an InvariantViolation: ${String(err)}`;
  }
  return undefined;
}

describe('packLevels / unpackLevels', () => {
  it('packs [priceTicks, sizeLots] levels flat, in order, and back', () => {
    const levels = [
      [6183763, 70000],
      [6183762, 0],
      [2 ** 53 - 1, 2 ** 40], // safe integers beyond 2^32 stay exact in Float64
    ] as const;
    const pairs = packLevels(levels);
    expect(Array.from(pairs)).toEqual([6183763, 70000, 6183762, 0, 2 ** 53 - 1, 2 ** 40]);
    expect(unpackLevels(pairs)).toEqual(levels);
  });

  it('an empty side is the shared NO_PAIRS, and decodes to []', () => {
    expect(packLevels([])).toBe(NO_PAIRS);
    expect(NO_PAIRS.length).toBe(0);
    expect(unpackLevels(NO_PAIRS)).toEqual([]);
  });

  it('rejects an odd length (a price without its size) with BOOK_LEVEL_PAIRS', () => {
    expect(codeOf(() => unpackLevels(new Float64Array([1, 2, 3])))).toBe('BOOK_LEVEL_PAIRS');
    expect(codeOf(() => checkPairs(new Float64Array(1)))).toBe('BOOK_LEVEL_PAIRS');
    expect(codeOf(() => checkPairs(new Float64Array(4)))).toBeUndefined();
  });
});

describe('LevelPairArena', () => {
  it('hands out adjacent zeroed views of one chunk until it is full, then starts a new chunk', () => {
    const arena = new LevelPairArena(8);
    const a = arena.take(2); // values 0..3
    const b = arena.take(1); // values 4..5
    expect([a.length, b.length]).toEqual([4, 2]);
    expect(b.buffer).toBe(a.buffer);
    expect([a.byteOffset, b.byteOffset]).toEqual([0, 32]);
    expect(Array.from(b)).toEqual([0, 0]);
    const c = arena.take(2); // 4 values do not fit in the 2 left: new chunk
    expect(c.buffer).not.toBe(a.buffer);
    expect(c.byteOffset).toBe(0);
    a[0] = 7;
    expect([a[0], b[0], c[0]]).toEqual([7, 0, 0]); // views never overlap
  });

  it('gives a request larger than a chunk its own buffer, and take(0) the shared empty view', () => {
    const arena = new LevelPairArena(4);
    const big = arena.take(10);
    expect(big.length).toBe(20);
    expect(big.buffer.byteLength).toBe(160);
    expect(arena.take(0)).toBe(NO_PAIRS);
  });

  it('rejects a bad chunk size or count with a RangeError', () => {
    expect(() => new LevelPairArena(0)).toThrow(RangeError);
    expect(() => new LevelPairArena(3)).toThrow(RangeError);
    expect(() => new LevelPairArena(1.5)).toThrow(RangeError);
    const arena = new LevelPairArena();
    expect(() => arena.take(-1)).toThrow(RangeError);
    expect(() => arena.take(0.5)).toThrow(RangeError);
  });
});
