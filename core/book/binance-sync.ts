/**
 * Keeps an `OrderBook` in sync with a Binance diff-depth stream plus REST snapshots.
 *
 * Source: Binance, "How to manage a local order book correctly" — Spot API docs (WebSocket Streams,
 * https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams) and USDⓈ-M Futures
 * docs (https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/How-to-manage-a-local-order-book-correctly),
 * as restated and verified on the recorded data in /work/shared/data/README.md "How to rebuild the book":
 *
 * - Both: buffer diffs until a snapshot arrives; a diff's sizes are absolute, size 0 removes a level.
 * - Spot: drop diffs with u ≤ lastUpdateId; the first applied diff must satisfy
 *   U ≤ lastUpdateId + 1 ≤ u; after that every diff must have U == previous u + 1.
 * - USDⓈ-M: drop diffs with u < lastUpdateId; the first kept diff must satisfy U ≤ lastUpdateId ≤ u,
 *   OR pu ≤ lastUpdateId < U (update ids are shared across symbols, so no diff of this symbol need
 *   straddle the snapshot id; the README asks to accept this case. On the recordings it arises only
 *   when a diff with u == lastUpdateId is dropped, as the README's usdm ETHUSDT count does); after
 *   that every diff must have pu == previous u.
 * - Once synced, a diff with u ≤ previous u is an old duplicate and is dropped as stale (the spot doc's
 *   "if u < local update id, ignore the event"), on both markets.
 *
 * Failure handling: a broken chain ('gap') or a crossed book after a snapshot or diff ('crossed') puts
 * the sync out-of-sync: the book is cleared, the counter bumped, `onResyncRequested` called, and the
 * sync never silently continues — every later diff (starting with the offending one) is buffered until
 * the next `onSnapshot`. The buffer is a ring of `maxBufferedDiffs` (default 10,000 ≈ 5 min of the
 * busiest recorded USDⓈ-M @depth@0ms stream); when full, the OLDEST diff is dropped and counted in
 * `bufferOverflowDropped` (a newer snapshot makes it stale anyway). Buffering allocates nothing.
 */

import { PermanentError } from '../errors.ts';
import type { DepthDiff, DepthSnapshot, MarketKind } from '../market-events.ts';
import type { OrderBook } from './order-book.ts';

/** What happened to one snapshot or diff. */
export type SyncResult = 'buffered' | 'stale' | 'applied' | 'gap' | 'crossed';

/** `synced` = the book mirrors the venue; otherwise the book is empty and diffs are buffered. */
export type SyncState = 'awaiting-snapshot' | 'synced' | 'out-of-sync';

/**
 * Why a new snapshot is needed: a broken chain, a crossed book, or (`markOutOfSync`) a `@bookTicker`
 * that disagrees with the book at the same update id (./book-ticker-check.ts).
 */
export type ResyncReason = 'gap' | 'crossed' | 'ticker-mismatch';

/** Options of `BinanceBookSync`. */
export interface BinanceBookSyncOptions {
  /** Called once each time the sync goes out-of-sync; the owner should fetch a new snapshot. */
  readonly onResyncRequested?: (reason: ResyncReason) => void;
  /** Called after each diff is applied and the book checked uncrossed (also for buffered diffs
   * applied inside `onSnapshot`). The diff object is the caller's own; it is not copied. */
  readonly onDiffApplied?: (diff: DepthDiff) => void;
  /** Ring-buffer bound for diffs held while not synced (default 10,000). */
  readonly maxBufferedDiffs?: number;
}

const DEFAULT_MAX_BUFFERED = 10_000;

type Phase = 'awaiting' | 'first' | 'chained' | 'out';

/**
 * Binance snapshot + diff synchroniser for one symbol (rules in the module doc).
 * @param market `spot` or `usdm`: selects the sequencing rule.
 * @param book the book it owns and mutates (cleared on snapshot and on failure).
 */
export class BinanceBookSync {
  private readonly market: MarketKind;
  private readonly book: OrderBook;
  private readonly onResync: ((reason: ResyncReason) => void) | undefined;
  private readonly onApplied: ((diff: DepthDiff) => void) | undefined;
  private phase: Phase = 'awaiting';
  /** lastUpdateId of the snapshot in force (meaningful in phases first/chained). */
  private snapshotId = 0;
  /** u of the last applied diff, or the snapshot id before the first one. */
  private prevU = 0;

  private readonly ring: Array<DepthDiff | undefined>;
  private ringHead = 0;
  private ringSize = 0;

  private appliedCount = 0;
  private staleCount = 0;
  private gapCount = 0;
  private crossedCount = 0;
  private mismatchCount = 0;
  private resyncCount = 0;
  private overflowCount = 0;

  constructor(market: MarketKind, book: OrderBook, options: BinanceBookSyncOptions = {}) {
    this.market = market;
    this.book = book;
    this.onResync = options.onResyncRequested;
    this.onApplied = options.onDiffApplied;
    const cap = options.maxBufferedDiffs ?? DEFAULT_MAX_BUFFERED;
    if (!Number.isSafeInteger(cap) || cap < 1) {
      throw new PermanentError('CONFIG', `maxBufferedDiffs must be a positive integer, got ${cap}`, { cap });
    }
    this.ring = new Array<DepthDiff | undefined>(cap).fill(undefined);
  }

  /** Current state (see `SyncState`). */
  get state(): SyncState {
    switch (this.phase) {
      case 'awaiting':
        return 'awaiting-snapshot';
      case 'out':
        return 'out-of-sync';
      default:
        return 'synced';
    }
  }

  /** True when `state` is 'synced' (the book mirrors the venue); a cheaper test for the hot path. */
  get synced(): boolean {
    return this.phase === 'first' || this.phase === 'chained';
  }

  /** Update id the book reflects (last applied u, or the snapshot's lastUpdateId); undefined unless synced. */
  get updateId(): number | undefined {
    return this.phase === 'first' || this.phase === 'chained' ? this.prevU : undefined;
  }

  /** Diffs applied to the book (each also passed to `onDiffApplied`). */
  get applied(): number {
    return this.appliedCount;
  }
  /** Diffs (and snapshots older than the synced book) dropped as already covered. */
  get staleDropped(): number {
    return this.staleCount;
  }
  /** Sequence gaps detected. */
  get gaps(): number {
    return this.gapCount;
  }
  /** Crossed books detected (after a snapshot or a diff). */
  get crossings(): number {
    return this.crossedCount;
  }
  /** Books found wrong by an outside check (`markOutOfSync('ticker-mismatch')`). */
  get tickerMismatches(): number {
    return this.mismatchCount;
  }
  /** Times a new snapshot was requested (= gaps + crossings + ticker mismatches). */
  get resyncRequests(): number {
    return this.resyncCount;
  }
  /** Oldest buffered diffs dropped because the ring was full. */
  get bufferOverflowDropped(): number {
    return this.overflowCount;
  }
  /** Diffs currently buffered. */
  get bufferedCount(): number {
    return this.ringSize;
  }

  /**
   * Loads a REST snapshot into the book, then applies the buffered diffs that follow it.
   * @returns 'applied' (synced; buffered diffs applied or dropped as stale), 'stale' (snapshot not
   *   newer than the book already synced; ignored), 'gap' (the buffered diffs do not connect to the
   *   snapshot, e.g. the snapshot predates the first buffered diff), or 'crossed'.
   */
  onSnapshot(s: DepthSnapshot): SyncResult {
    if ((this.phase === 'first' || this.phase === 'chained') && s.lastUpdateId <= this.prevU) {
      this.staleCount++;
      return 'stale';
    }
    const book = this.book;
    book.clear();
    book.applyLevels('bid', s.bids);
    book.applyLevels('ask', s.asks);
    this.snapshotId = s.lastUpdateId;
    this.prevU = s.lastUpdateId;
    this.phase = 'first';
    if (book.isCrossed()) {
      this.fail('crossed');
      return 'crossed';
    }
    while (this.ringSize > 0) {
      const d = this.ring[this.ringHead]!;
      const r = this.process(d);
      if (r === 'gap' || r === 'crossed') return r; // d stays at the head for the next snapshot
      this.popHead();
    }
    return 'applied';
  }

  /**
   * Feeds one diff: buffered while not synced, otherwise checked against the sequencing rule and
   * applied. On 'gap'/'crossed' the diff is kept in the buffer for the next snapshot.
   */
  onDiff(d: DepthDiff): SyncResult {
    if (this.phase === 'awaiting' || this.phase === 'out') {
      this.push(d);
      return 'buffered';
    }
    const r = this.process(d);
    if (r === 'gap' || r === 'crossed') this.push(d);
    return r;
  }

  /**
   * An outside check found the synced book wrong: the book is cleared, the sync goes out-of-sync and
   * `onResyncRequested(reason)` is called, exactly as on a gap (later diffs are buffered for the next
   * snapshot). No-op unless synced.
   * @returns whether the sync was synced (and is now out-of-sync).
   */
  markOutOfSync(reason: ResyncReason): boolean {
    if (!this.synced) return false;
    this.fail(reason);
    return true;
  }

  /** Sequencing check + apply, in phase first/chained. On failure calls `fail` (does not buffer). */
  private process(d: DepthDiff): SyncResult {
    const u = d.finalUpdateId;
    if (this.phase === 'first') {
      const lastId = this.snapshotId;
      if (this.market === 'spot') {
        if (u <= lastId) return this.stale();
        if (d.firstUpdateId > lastId + 1) return this.fail('gap');
      } else {
        if (u < lastId) return this.stale();
        const pu = this.requirePu(d);
        const straddles = d.firstUpdateId <= lastId; // and u ≥ lastId, as not stale
        const abutsFromAbove = pu <= lastId && lastId < d.firstUpdateId;
        if (!straddles && !abutsFromAbove) return this.fail('gap');
      }
    } else {
      if (u <= this.prevU) return this.stale();
      if (this.market === 'spot') {
        if (d.firstUpdateId !== this.prevU + 1) return this.fail('gap');
      } else if (this.requirePu(d) !== this.prevU) {
        return this.fail('gap');
      }
    }
    const book = this.book;
    book.applyLevels('bid', d.bids);
    book.applyLevels('ask', d.asks);
    this.prevU = u;
    this.phase = 'chained';
    if (book.isCrossed()) return this.fail('crossed');
    this.appliedCount++;
    if (this.onApplied !== undefined) this.onApplied(d);
    return 'applied';
  }

  private requirePu(d: DepthDiff): number {
    const pu = d.prevFinalUpdateId;
    if (pu === undefined) {
      throw new PermanentError('USDM_DIFF_WITHOUT_PU', `USDⓈ-M diff u=${d.finalUpdateId} has no pu`, {
        finalUpdateId: d.finalUpdateId,
      });
    }
    return pu;
  }

  private stale(): 'stale' {
    this.staleCount++;
    return 'stale';
  }

  private fail<R extends ResyncReason>(reason: R): R {
    this.phase = 'out';
    this.book.clear();
    if (reason === 'gap') this.gapCount++;
    else if (reason === 'crossed') this.crossedCount++;
    else this.mismatchCount++;
    this.resyncCount++;
    if (this.onResync !== undefined) this.onResync(reason);
    return reason;
  }

  private push(d: DepthDiff): void {
    const cap = this.ring.length;
    if (this.ringSize === cap) {
      this.popHead();
      this.overflowCount++;
    }
    this.ring[(this.ringHead + this.ringSize) % cap] = d;
    this.ringSize++;
  }

  private popHead(): void {
    this.ring[this.ringHead] = undefined;
    this.ringHead = (this.ringHead + 1) % this.ring.length;
    this.ringSize--;
  }
}
