/**
 * Depth levels packed flat (`LevelPairs`, core/market-events.ts): `[priceTicks, sizeLots, …]` in one
 * Float64Array instead of one two-element array per level. The book applies a diff by walking the
 * pairs (contiguous memory, no pointer per level), and a parsed session holds a few large buffers
 * instead of ~300k small arrays the garbage collector has to trace (docs/adr/0007-event-layout.md).
 *
 * `LevelPairArena` hands out the views: consecutive events' pairs sit next to each other in chunks of
 * `chunkValues` doubles, so replaying a session walks memory in order.
 */

import { InvariantViolation } from '../errors.ts';
import type { Level, LevelPairs } from '../market-events.ts';

/** Doubles per arena chunk by default: 2^16 (512 KiB), ~700 spot diffs or 16 snapshots of 1,000 levels a side. */
export const DEFAULT_CHUNK_VALUES = 2 ** 16;

/** The shared zero-length pairs (an empty side of a diff); it has no element to mutate. */
export const NO_PAIRS: LevelPairs = new Float64Array(0);

/**
 * Chunked allocator of `LevelPairs` views for one producer (e.g. one file's parser). Views share a
 * chunk's buffer and keep it alive, so a chunk is freed once no event of it is referenced. Nothing is
 * ever reused: a view stays valid for the life of its event.
 */
export class LevelPairArena {
  private readonly chunkValues: number;
  private chunk: Float64Array;
  private used = 0;

  /**
   * @param chunkValues doubles per chunk (default 2^16); a request larger than a chunk gets its own.
   * @throws RangeError if `chunkValues` is not a positive even safe integer.
   */
  constructor(chunkValues: number = DEFAULT_CHUNK_VALUES) {
    if (!(Number.isSafeInteger(chunkValues) && chunkValues > 0 && chunkValues % 2 === 0)) {
      throw new RangeError(`LevelPairArena chunkValues must be a positive even integer, got ${chunkValues}`);
    }
    this.chunkValues = chunkValues;
    this.chunk = new Float64Array(0);
  }

  /**
   * A zeroed view of room for `count` levels (2·`count` doubles) for the caller to fill; `NO_PAIRS` when
   * `count` is 0. @throws RangeError if `count` is not a non-negative safe integer.
   */
  take(count: number): LevelPairs {
    if (!(Number.isSafeInteger(count) && count >= 0)) {
      throw new RangeError(`LevelPairArena.take: count must be a non-negative integer, got ${count}`);
    }
    if (count === 0) return NO_PAIRS;
    const n = 2 * count;
    if (this.used + n > this.chunk.length) {
      this.chunk = new Float64Array(Math.max(this.chunkValues, n));
      this.used = 0;
    }
    const view = this.chunk.subarray(this.used, this.used + n);
    this.used += n;
    return view;
  }
}

/** `[priceTicks, sizeLots]` levels → packed pairs (a new Float64Array; `NO_PAIRS` when empty). */
export function packLevels(levels: readonly Level[]): LevelPairs {
  if (levels.length === 0) return NO_PAIRS;
  const pairs = new Float64Array(2 * levels.length);
  for (let i = 0; i < levels.length; i++) {
    const lv = levels[i]!;
    pairs[2 * i] = lv[0];
    pairs[2 * i + 1] = lv[1];
  }
  return pairs;
}

/**
 * Packed pairs → a new array of `[priceTicks, sizeLots]` levels, same order.
 * @throws InvariantViolation `BOOK_LEVEL_PAIRS` if `pairs` has an odd length.
 */
export function unpackLevels(pairs: LevelPairs): Level[] {
  checkPairs(pairs);
  const out: Level[] = [];
  for (let i = 0; i < pairs.length; i += 2) out.push([pairs[i]!, pairs[i + 1]!]);
  return out;
}

/** @throws InvariantViolation `BOOK_LEVEL_PAIRS` if `pairs` has an odd length (a price without a size). */
export function checkPairs(pairs: LevelPairs): void {
  if (pairs.length % 2 !== 0) {
    throw new InvariantViolation('BOOK_LEVEL_PAIRS', `level pairs of odd length ${pairs.length}`, {
      length: pairs.length,
    });
  }
}
