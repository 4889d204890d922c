/**
 * Seeded pseudo-random numbers for the samplers: deterministic, no global state, no Math.random, so
 * they run inside Temporal workflow code.
 *
 * - Generator: xoshiro128** 1.1 (Blackman & Vigna, "Scrambled Linear Pseudorandom Number Generators",
 *   ACM TOMS 47(4), 2021; reference C at prng.di.unimi.it/xoshiro128starstar.c): 128-bit state,
 *   32-bit outputs, period 2^128 − 1, all 32-bit arithmetic (Math.imul), so it is fast in JS.
 * - Seeding: SplitMix64 (Steele, Lea & Flood, "Fast Splittable Pseudorandom Number Generators",
 *   OOPSLA 2014), the seeding the xoshiro authors recommend; BigInt is used only here.
 * - Streams: `createStream(seed, ...keys)` hashes (seed, keys) through SplitMix64, so the draws of
 *   trial n come from their own stream and never depend on how many numbers earlier calls consumed
 *   (determinism under parallel asks and across Continue-As-New).
 */

const MASK64 = (1n << 64n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;

/**
 * One step of SplitMix64: advances `state` by the golden gamma and returns the mixed output.
 * @param state 64-bit unsigned state (BigInt in [0, 2^64)).
 * @returns `[nextState, output]`, both 64-bit unsigned.
 */
export function splitMix64(state: bigint): readonly [bigint, bigint] {
  const next = (state + GOLDEN_GAMMA) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

/**
 * xoshiro128** 1.1: output `rotl(s1·5, 7)·9`, then the xoshiro state update.
 * Construct from four 32-bit words (not all zero), or use {@link createStream}.
 */
export class Xoshiro128StarStar {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * @param state four 32-bit words (any integers; taken mod 2^32).
   * @throws RangeError when all four words are zero (the one state xoshiro never leaves).
   */
  constructor(state: readonly [number, number, number, number]) {
    this.s0 = state[0] >>> 0;
    this.s1 = state[1] >>> 0;
    this.s2 = state[2] >>> 0;
    this.s3 = state[3] >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0)
      throw new RangeError('xoshiro128** state must not be all zero');
  }

  /** Next 32-bit output, as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits (two outputs: 27 high bits, 26 low bits). */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in (0, 1): never exactly 0, for inverse-CDF sampling and logs. */
  nextOpenFloat(): number {
    let u = this.nextFloat();
    while (u === 0) u = this.nextFloat();
    return u;
  }

  /** Uniform double in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.nextFloat();
  }

  /**
   * Uniform integer in [0, n) without modulo bias (rejection of the short top range).
   * @throws RangeError unless 1 ≤ n ≤ 2^32 and n is an integer.
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296)
      throw new RangeError(`nextInt needs an integer 1..2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /**
   * Index drawn with probability proportional to `weights` (non-negative, positive sum).
   * @throws RangeError when the weights are empty or sum to a non-positive or non-finite value.
   */
  choice(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i] ?? 0;
    if (!(total > 0) || !Number.isFinite(total))
      throw new RangeError(`choice needs positive finite total weight, got ${total}`);
    const u = this.nextFloat() * total;
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      acc += weights[i] ?? 0;
      if (u < acc) return i;
    }
    // Rounding left u at the very top: return the last index with positive weight.
    for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] ?? 0) > 0) return i;
    return weights.length - 1;
  }

  /** Shuffles `items` (an array or a typed array) in place (Fisher–Yates / Durstenfeld) and returns it. */
  shuffle<A extends { length: number; [index: number]: unknown }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const a = items[i];
      items[i] = items[j];
      items[j] = a;
    }
    return items;
  }
}

/**
 * A generator for the stream identified by (seed, ...keys): h ← mix(seed), then h ← mix(h ⊕ mix(mix(key)))
 * for each key (mix = one SplitMix64 output), then SplitMix64 seeded with h fills xoshiro's four words.
 * Different key tuples give unrelated streams; the same tuple always gives the same stream.
 * @param seed any safe integer (negative values are taken mod 2^64).
 * @param keys safe integers naming the stream, e.g. `(trialNumber)` or `(trialNumber, purpose)`.
 * @throws RangeError when the seed or a key is not a safe integer.
 */
export function createStream(seed: number, ...keys: readonly number[]): Xoshiro128StarStar {
  // Both sides are mixed before combining (XOR-ing a raw small key into a lightly mixed seed maps the
  // keys of nearby seeds onto one set of states), and keys through a different bijection than the
  // running hash (else (s, k) and (k, s) collide, and (s, s) is the same for every s).
  let state = mix(toUint64(seed, 'seed'));
  for (const key of keys) state = mix(state ^ mix(mix(toUint64(key, 'stream key'))));
  const [s1, a] = splitMix64(state);
  const [, b] = splitMix64(s1);
  const words: [number, number, number, number] = [
    Number(a & 0xffffffffn),
    Number(a >> 32n),
    Number(b & 0xffffffffn),
    Number(b >> 32n),
  ];
  if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
  return new Xoshiro128StarStar(words);
}

/** SplitMix64's output function applied to one state: a bijective 64-bit mixer. */
function mix(x: bigint): bigint {
  return splitMix64(x)[1];
}

function toUint64(value: number, what: string): bigint {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a safe integer, got ${value}`);
  return BigInt.asUintN(64, BigInt(value));
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
