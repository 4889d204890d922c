import { describe, expect, it } from 'vitest';
import { BinanceBookSync, type ResyncReason } from '../../../core/book/binance-sync.ts';
import { OrderBook } from '../../../core/book/order-book.ts';
import { PermanentError } from '../../../core/errors.ts';
import type { DepthDiff, DepthSnapshot, Level } from '../../../core/market-events.ts';

function snap(
  lastUpdateId: number,
  bids: Level[] = [
    [100, 1],
    [99, 2],
  ],
  asks: Level[] = [
    [101, 1],
    [102, 2],
  ],
): DepthSnapshot {
  return { kind: 'snapshot', lastUpdateId, bids, asks, recvTimeUs: 0, exchTimeMs: undefined };
}

function diff(U: number, u: number, opts: { pu?: number; bids?: Level[]; asks?: Level[] } = {}): DepthDiff {
  return {
    kind: 'depth',
    firstUpdateId: U,
    finalUpdateId: u,
    prevFinalUpdateId: opts.pu,
    bids: opts.bids ?? [],
    asks: opts.asks ?? [],
    exchTimeMs: 0,
    recvTimeUs: 0,
  };
}

function setup(market: 'spot' | 'usdm', maxBufferedDiffs?: number) {
  const book = new OrderBook();
  const resyncs: ResyncReason[] = [];
  const appliedUs: number[] = [];
  const sync = new BinanceBookSync(market, book, {
    onResyncRequested: (r) => resyncs.push(r),
    onDiffApplied: (d) => appliedUs.push(d.finalUpdateId),
    ...(maxBufferedDiffs === undefined ? {} : { maxBufferedDiffs }),
  });
  return { book, sync, resyncs, appliedUs };
}

describe('BinanceBookSync — spot', () => {
  it('buffers until the snapshot, drops u <= lastUpdateId, applies the straddling diff, then chains U == prev u + 1', () => {
    const { book, sync, appliedUs } = setup('spot');
    expect(sync.state).toBe('awaiting-snapshot');
    expect(sync.synced).toBe(false);
    expect(sync.onDiff(diff(1, 5))).toBe('buffered');
    expect(sync.onDiff(diff(6, 10))).toBe('buffered'); // u == lastUpdateId → stale
    expect(sync.onDiff(diff(11, 14, { bids: [[100, 9]] }))).toBe('buffered'); // U == L + 1 ≤ u
    expect(book.levelCount('bid')).toBe(0);
    expect(sync.onSnapshot(snap(10))).toBe('applied');
    expect(sync.state).toBe('synced');
    expect(sync.synced).toBe(true);
    expect(sync.staleDropped).toBe(2);
    expect(sync.applied).toBe(1);
    expect(sync.updateId).toBe(14);
    expect(book.bestBidLots()).toBe(9);
    expect(sync.onDiff(diff(15, 15, { asks: [[101, 0]] }))).toBe('applied');
    expect(book.bestAskTicks()).toBe(102);
    expect(appliedUs).toEqual([14, 15]);
    expect(sync.bufferedCount).toBe(0);
  });

  it('a first diff starting beyond lastUpdateId + 1 is a gap (snapshot too old)', () => {
    const { book, sync, resyncs } = setup('spot');
    sync.onDiff(diff(12, 20));
    expect(sync.onSnapshot(snap(10))).toBe('gap');
    expect(sync.state).toBe('out-of-sync');
    expect(sync.gaps).toBe(1);
    expect(resyncs).toEqual(['gap']);
    expect(book.levelCount('bid') + book.levelCount('ask')).toBe(0);
    // The unconnected diff stays buffered; a newer snapshot resyncs through it.
    expect(sync.bufferedCount).toBe(1);
    expect(sync.onSnapshot(snap(11))).toBe('applied');
    expect(sync.updateId).toBe(20);
  });

  it('a broken chain after sync: out-of-sync, book cleared, later diffs buffered until a new snapshot', () => {
    const { book, sync, resyncs } = setup('spot');
    sync.onSnapshot(snap(10));
    expect(sync.onDiff(diff(11, 12))).toBe('applied');
    expect(sync.onDiff(diff(14, 15))).toBe('gap'); // 13 missing
    expect(sync.state).toBe('out-of-sync');
    expect(sync.synced).toBe(false);
    expect([sync.gaps, sync.resyncRequests, resyncs.length]).toEqual([1, 1, 1]);
    expect(book.bestBidTicks()).toBeUndefined();
    expect(sync.onDiff(diff(16, 18, { bids: [[100, 4]] }))).toBe('buffered');
    expect(sync.applied).toBe(1);
    expect(sync.onSnapshot(snap(15))).toBe('applied'); // 14–15 stale, 16–18 applied
    expect(sync.state).toBe('synced');
    expect(book.bestBidLots()).toBe(4);
    expect(sync.applied).toBe(2);
  });

  it('old duplicates after sync are stale, not gaps', () => {
    const { sync } = setup('spot');
    sync.onSnapshot(snap(10));
    sync.onDiff(diff(11, 12));
    expect(sync.onDiff(diff(11, 12))).toBe('stale');
    expect(sync.staleDropped).toBe(1);
    expect(sync.state).toBe('synced');
  });

  it('a diff that crosses the book is detected: out-of-sync, cleared, resync requested', () => {
    const { book, sync, resyncs } = setup('spot');
    sync.onSnapshot(snap(10));
    expect(sync.onDiff(diff(11, 11, { bids: [[101, 1]] }))).toBe('crossed'); // bid 101 vs ask 101
    expect(sync.crossings).toBe(1);
    expect(resyncs).toEqual(['crossed']);
    expect(sync.state).toBe('out-of-sync');
    expect(book.levelCount('ask')).toBe(0);
    expect(sync.applied).toBe(0);
  });

  it('a crossed snapshot is rejected the same way', () => {
    const { sync } = setup('spot');
    expect(sync.onSnapshot(snap(10, [[105, 1]], [[101, 1]]))).toBe('crossed');
    expect(sync.state).toBe('out-of-sync');
  });

  it('ignores a snapshot that is not newer than the synced book', () => {
    const { sync } = setup('spot');
    sync.onSnapshot(snap(10));
    sync.onDiff(diff(11, 20));
    expect(sync.onSnapshot(snap(15))).toBe('stale');
    expect(sync.updateId).toBe(20);
  });

  it('bounds the buffer: the oldest diff is dropped and counted when full', () => {
    const { sync } = setup('spot', 3);
    for (let i = 0; i < 5; i++) sync.onDiff(diff(i * 10 + 1, i * 10 + 10));
    expect(sync.bufferedCount).toBe(3);
    expect(sync.bufferOverflowDropped).toBe(2);
    expect(sync.onSnapshot(snap(25))).toBe('applied'); // buffered: 21–30, 31–40, 41–50
    expect(sync.updateId).toBe(50);
  });

  it('rejects a non-positive buffer bound', () => {
    expect(() => new BinanceBookSync('spot', new OrderBook(), { maxBufferedDiffs: 0 })).toThrow(
      PermanentError,
    );
  });
});

describe('BinanceBookSync — USDⓈ-M', () => {
  it('drops u < lastUpdateId, keeps u == lastUpdateId (U <= L <= u), then chains on pu == prev u', () => {
    const { sync } = setup('usdm');
    sync.onDiff(diff(100, 150, { pu: 90 }));
    sync.onDiff(diff(160, 200, { pu: 150 })); // u == L: first processed
    sync.onDiff(diff(260, 300, { pu: 200 })); // U far above prev u + 1: ids are shared across symbols
    expect(sync.onSnapshot(snap(200))).toBe('applied');
    expect([sync.staleDropped, sync.applied]).toEqual([1, 2]);
    expect(sync.onDiff(diff(400, 410, { pu: 300 }))).toBe('applied');
    expect(sync.onDiff(diff(500, 510, { pu: 405 }))).toBe('gap');
    expect(sync.state).toBe('out-of-sync');
  });

  it('accepts the documented first-diff case pu <= lastUpdateId < U', () => {
    const { sync } = setup('usdm');
    sync.onDiff(diff(100, 150, { pu: 90 }));
    sync.onDiff(diff(170, 200, { pu: 150 })); // no diff straddles L = 160
    expect(sync.onSnapshot(snap(160))).toBe('applied');
    expect([sync.staleDropped, sync.applied, sync.gaps]).toEqual([1, 1, 0]);
  });

  it('a first diff with pu > lastUpdateId is a gap (an update of this symbol in (L, U) was missed)', () => {
    const { sync, resyncs } = setup('usdm');
    sync.onDiff(diff(170, 200, { pu: 165 }));
    expect(sync.onSnapshot(snap(160))).toBe('gap');
    expect(resyncs).toEqual(['gap']);
  });

  it('throws PermanentError for a USDⓈ-M diff without pu', () => {
    const { sync } = setup('usdm');
    sync.onSnapshot(snap(10));
    expect(() => sync.onDiff(diff(5, 20))).toThrow(/has no pu/);
  });
});
