/**
 * Depth events whose levels are stored packed (`bidPairs`/`askPairs`, see ./level-pairs.ts), the form
 * the recorded-data parser produces (docs/adr/0007-event-layout.md). They honour the `DepthDiff` /
 * `DepthSnapshot` contracts and behave as plain data everywhere a generic operation looks:
 *
 * - `bids`/`asks` are own enumerable accessors that decode the pairs into `Level[]` on first read and
 *   keep the result, so spreading (`{ ...ev }`), `JSON.stringify`, `structuredClone` and deep equality
 *   see the same fields as an event built from `Level[]`;
 * - `bidPairs`/`askPairs` are own NON-enumerable properties: a copy made by spreading carries the
 *   `Level[]` arrays only, so `{ ...ev, bids: other }` can never pair `other` with stale packed levels
 *   (the book sync prefers pairs when an event has them).
 *
 * Every instance gets its properties in the same order with the same shared accessor functions, so all
 * instances of a class share one hidden class (the engine's `ev.kind` checks stay monomorphic per kind).
 */

import type { DepthDiff, DepthSnapshot, Level, LevelPairs } from '../market-events.ts';
import { checkPairs, unpackLevels } from './level-pairs.ts';

/** Hidden per-event state behind the accessors (own, non-enumerable). */
interface PackedState {
  bidPairs: LevelPairs;
  askPairs: LevelPairs;
  /** Decoded `bids`/`asks`, filled on first read. */
  bidLevels: readonly Level[] | undefined;
  askLevels: readonly Level[] | undefined;
}

function decodeBids(this: PackedState): readonly Level[] {
  return (this.bidLevels ??= unpackLevels(this.bidPairs));
}

function decodeAsks(this: PackedState): readonly Level[] {
  return (this.askLevels ??= unpackLevels(this.askPairs));
}

const LEVEL_ACCESSORS: PropertyDescriptorMap = {
  bids: { get: decodeBids, enumerable: true, configurable: false },
  asks: { get: decodeAsks, enumerable: true, configurable: false },
};

/** Defines the hidden state and the two level accessors on `target` (see module doc). */
function definePacked(target: object, bidPairs: LevelPairs, askPairs: LevelPairs): void {
  checkPairs(bidPairs);
  checkPairs(askPairs);
  Object.defineProperties(target, {
    bidPairs: { value: bidPairs, enumerable: false, writable: false, configurable: false },
    askPairs: { value: askPairs, enumerable: false, writable: false, configurable: false },
    bidLevels: { value: undefined, enumerable: false, writable: true, configurable: false },
    askLevels: { value: undefined, enumerable: false, writable: true, configurable: false },
  });
  Object.defineProperties(target, LEVEL_ACCESSORS);
}

/** Fields of a `PackedDepthDiff`: a `DepthDiff` with pairs instead of level arrays. */
export interface PackedDepthDiffFields {
  readonly firstUpdateId: number;
  readonly finalUpdateId: number;
  readonly prevFinalUpdateId: number | undefined;
  readonly bidPairs: LevelPairs;
  readonly askPairs: LevelPairs;
  readonly exchTimeMs: number;
  readonly recvTimeUs: number;
}

/** A `DepthDiff` stored as level pairs (see module doc). */
export class PackedDepthDiff implements DepthDiff {
  readonly kind = 'depth';
  readonly firstUpdateId: number;
  readonly finalUpdateId: number;
  readonly prevFinalUpdateId: number | undefined;
  readonly exchTimeMs: number;
  readonly recvTimeUs: number;
  /** Own enumerable accessor, decoded from `bidPairs` on first read. */
  declare readonly bids: readonly Level[];
  /** Own enumerable accessor, decoded from `askPairs` on first read. */
  declare readonly asks: readonly Level[];
  /** Own non-enumerable. */
  declare readonly bidPairs: LevelPairs;
  /** Own non-enumerable. */
  declare readonly askPairs: LevelPairs;

  /** @throws InvariantViolation `BOOK_LEVEL_PAIRS` if a pair array has an odd length. */
  constructor(f: PackedDepthDiffFields) {
    this.firstUpdateId = f.firstUpdateId;
    this.finalUpdateId = f.finalUpdateId;
    this.prevFinalUpdateId = f.prevFinalUpdateId;
    this.exchTimeMs = f.exchTimeMs;
    this.recvTimeUs = f.recvTimeUs;
    definePacked(this, f.bidPairs, f.askPairs);
  }
}

/** Fields of a `PackedDepthSnapshot`: a `DepthSnapshot` with pairs instead of level arrays. */
export interface PackedDepthSnapshotFields {
  readonly lastUpdateId: number;
  readonly bidPairs: LevelPairs;
  readonly askPairs: LevelPairs;
  readonly recvTimeUs: number;
  readonly exchTimeMs: number | undefined;
}

/** A `DepthSnapshot` stored as level pairs (see module doc). */
export class PackedDepthSnapshot implements DepthSnapshot {
  readonly kind = 'snapshot';
  readonly lastUpdateId: number;
  readonly recvTimeUs: number;
  readonly exchTimeMs: number | undefined;
  /** Own enumerable accessor, decoded from `bidPairs` on first read. */
  declare readonly bids: readonly Level[];
  /** Own enumerable accessor, decoded from `askPairs` on first read. */
  declare readonly asks: readonly Level[];
  /** Own non-enumerable. */
  declare readonly bidPairs: LevelPairs;
  /** Own non-enumerable. */
  declare readonly askPairs: LevelPairs;

  /** @throws InvariantViolation `BOOK_LEVEL_PAIRS` if a pair array has an odd length. */
  constructor(f: PackedDepthSnapshotFields) {
    this.lastUpdateId = f.lastUpdateId;
    this.recvTimeUs = f.recvTimeUs;
    this.exchTimeMs = f.exchTimeMs;
    definePacked(this, f.bidPairs, f.askPairs);
  }
}
