// Replays every recorded Binance session (depth + bookTicker merged by receive time) through
// BinanceBookSync and checks the top of book against bookTicker, with the figures of
// /work/shared/data/README.md "Verification performed".
import { describe, expect, it } from 'vitest';
import { BinanceBookSync, type ResyncReason, type SyncResult } from '../../../core/book/binance-sync.ts';
import { OrderBook } from '../../../core/book/order-book.ts';
import type {
  BookTicker,
  DepthDiff,
  DepthSnapshot,
  Level,
  MarketEvent,
} from '../../../core/market-events.ts';
import { listSessions, loadSessionEvents, type RecordedSession } from '../../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../../venues/instruments.ts';
import {
  DATA_DIR,
  SPOT_2023_NOSNAP,
  SPOT_2024,
  USDM_BTC_2023,
  USDM_BTC_2407,
  USDM_BTC_2408,
  USDM_ETH_2407,
} from '../../venues/binance/data.ts';

/**
 * README figures (diffs applied / bookTicker comparisons; 0 mismatches everywhere).
 * USDⓈ-M ETHUSDT 2024-07: the README says 8,923 applied; we apply 8,924. The extra one is the diff at
 * depth line 6 with u == lastUpdateId == 4984028386786 (U = 4984028383661 ≤ L): the README's own rule
 * ("drop diffs with u < lastUpdateId") and Binance's USDⓈ-M procedure ("first processed event should have
 * U <= lastUpdateId AND u >= lastUpdateId") both keep it; the README's count evidently dropped u <= L,
 * which makes line 7 (pu == L < U) the first kept diff: the "accepted case" it describes. Both variants
 * are asserted below; they give the same 834 comparisons and 0 mismatches (re-applying the u == L diff
 * writes the sizes the snapshot already holds).
 */
const EXPECTED: Record<string, { applied: number; comparisons: number; stale: number; diffs: number }> = {
  [SPOT_2024]: { applied: 6493, comparisons: 1072, stale: 2, diffs: 6495 },
  [USDM_BTC_2023]: { applied: 16_110, comparisons: 1565, stale: 0, diffs: 16_110 },
  [USDM_BTC_2407]: { applied: 9017, comparisons: 625, stale: 5, diffs: 9022 },
  [USDM_ETH_2407]: { applied: 8924, comparisons: 834, stale: 5, diffs: 8929 },
  [USDM_BTC_2408]: { applied: 6547, comparisons: 629, stale: 4, diffs: 6551 },
};

interface Replay {
  sync: BinanceBookSync;
  book: OrderBook;
  comparisons: number;
  mismatches: string[];
  diffs: number;
  snapshot: DepthSnapshot | undefined;
  firstApplied: DepthDiff | undefined;
}

const sessions = listSessions(DATA_DIR);
const eventCache = new Map<string, Promise<MarketEvent[]>>();
function eventsOf(s: RecordedSession): Promise<MarketEvent[]> {
  let p = eventCache.get(s.prefix);
  if (p === undefined) {
    p = loadSessionEvents(s, instrumentForSession(s), { includeBookTicker: true });
    eventCache.set(s.prefix, p);
  }
  return p;
}

function tickersByUpdateId(events: readonly MarketEvent[]): Map<number, BookTicker[]> {
  const m = new Map<number, BookTicker[]>();
  for (const e of events) {
    if (e.kind !== 'bookTicker') continue;
    const l = m.get(e.updateId);
    if (l === undefined) m.set(e.updateId, [e]);
    else l.push(e);
  }
  return m;
}

function replay(s: RecordedSession, events: readonly MarketEvent[]): Replay {
  const tickers = tickersByUpdateId(events);
  const book = new OrderBook();
  let comparisons = 0;
  const mismatches: string[] = [];
  let firstApplied: DepthDiff | undefined;
  const sync = new BinanceBookSync(s.market, book, {
    onDiffApplied: (d) => {
      firstApplied ??= d;
      for (const t of tickers.get(d.finalUpdateId) ?? []) {
        comparisons++;
        const got = [book.bestBidTicks(), book.bestBidLots(), book.bestAskTicks(), book.bestAskLots()];
        const want = [t.bidTicks, t.bidLots, t.askTicks, t.askLots];
        if (got.some((v, i) => v !== want[i]))
          mismatches.push(`u=${d.finalUpdateId} got ${got.join('/')} want ${want.join('/')}`);
      }
    },
  });
  let diffs = 0;
  let snapshot: DepthSnapshot | undefined;
  for (const e of events) {
    if (e.kind === 'snapshot') {
      snapshot = e;
      sync.onSnapshot(e);
    } else if (e.kind === 'depth') {
      diffs++;
      sync.onDiff(e);
    }
  }
  return { sync, book, comparisons, mismatches, diffs, snapshot, firstApplied };
}

describe('BinanceBookSync on every recorded session', () => {
  it('covers every session with a snapshot, and only those', () => {
    expect(
      sessions
        .filter((s) => s.hasSnapshot)
        .map((s) => s.prefix)
        .sort(),
    ).toEqual(Object.keys(EXPECTED).sort());
    expect(sessions.filter((s) => !s.hasSnapshot).map((s) => s.prefix)).toEqual([SPOT_2023_NOSNAP]);
  });

  for (const s of sessions.filter((x) => x.hasSnapshot)) {
    it(`${s.prefix}: top of book equals every bookTicker with the same u`, async () => {
      const want = EXPECTED[s.prefix]!;
      const r = replay(s, await eventsOf(s));
      expect(r.mismatches.slice(0, 5)).toEqual([]);
      expect(r.diffs).toBe(want.diffs);
      expect(r.sync.applied).toBe(want.applied);
      expect(r.comparisons).toBe(want.comparisons);
      expect(r.sync.staleDropped).toBe(want.stale);
      expect([r.sync.gaps, r.sync.crossings, r.sync.resyncRequests, r.sync.bufferOverflowDropped]).toEqual([
        0, 0, 0, 0,
      ]);
      expect(r.sync.state).toBe('synced');
    });
  }

  it('USDⓈ-M ETHUSDT 2024-07: the first applied diff has u == lastUpdateId (the README count drops it)', async () => {
    const s = sessions.find((x) => x.prefix === USDM_ETH_2407)!;
    const r = replay(s, await eventsOf(s));
    expect(r.snapshot?.lastUpdateId).toBe(4984028386786);
    expect(r.firstApplied?.firstUpdateId).toBe(4984028383661);
    expect(r.firstApplied?.finalUpdateId).toBe(4984028386786);
  });

  it('USDⓈ-M ETHUSDT 2024-07 without the u == L diff: the first kept diff has pu <= L < U and is accepted (README: 8,923)', async () => {
    const s = sessions.find((x) => x.prefix === USDM_ETH_2407)!;
    const events = (await eventsOf(s)).filter(
      (e) => !(e.kind === 'depth' && e.finalUpdateId === 4984028386786),
    );
    const r = replay(s, events);
    const L = r.snapshot!.lastUpdateId;
    expect(r.firstApplied!.firstUpdateId).toBe(4984028387167);
    expect(r.firstApplied!.firstUpdateId).toBeGreaterThan(L);
    expect(r.firstApplied!.prevFinalUpdateId).toBe(L);
    expect(r.sync.applied).toBe(8923);
    expect([r.comparisons, r.mismatches.length, r.sync.gaps]).toEqual([834, 0, 0]);
  });

  it('USDⓈ-M BTCUSDT 2024-08: the first applied diff straddles lastUpdateId (U <= L <= u)', async () => {
    // The README lists this file with ETHUSDT as having no straddling diff; depth line 5
    // (U=5123107850310, u=5123107853551) does straddle L=5123107852948.
    const s = sessions.find((x) => x.prefix === USDM_BTC_2408)!;
    const r = replay(s, await eventsOf(s));
    const L = r.snapshot!.lastUpdateId;
    expect(L).toBe(5123107852948);
    expect(r.firstApplied!.firstUpdateId).toBe(5123107850310);
    expect(r.firstApplied!.finalUpdateId).toBe(5123107853551);
  });

  it('the _nosnapshot session stays awaiting-snapshot and applies nothing', async () => {
    const s = sessions.find((x) => x.prefix === SPOT_2023_NOSNAP)!;
    const r = replay(s, await eventsOf(s));
    expect(r.diffs).toBe(3929);
    expect(r.sync.state).toBe('awaiting-snapshot');
    expect(r.sync.applied).toBe(0);
    expect(r.book.levelCount('bid') + r.book.levelCount('ask')).toBe(0);
    expect(r.sync.bufferedCount).toBe(3929); // under the 10,000 bound
  });
});

/** All levels of `book`, best first, as a snapshot with the given id. */
function snapshotOf(book: OrderBook, lastUpdateId: number): DepthSnapshot {
  const side = (s: 'bid' | 'ask'): Level[] => {
    const out: Level[] = [];
    for (let i = 0; i < book.levelCount(s); i++)
      out.push([book.priceAtTicks(s, i)!, book.sizeAtIndexLots(s, i)!]);
    return out;
  };
  return {
    kind: 'snapshot',
    lastUpdateId,
    bids: side('bid'),
    asks: side('ask'),
    recvTimeUs: 0,
    exchTimeMs: undefined,
  };
}

function allLevels(book: OrderBook): string {
  return JSON.stringify(snapshotOf(book, 0));
}

describe('BinanceBookSync failure paths on a real stream (spot BTCUSDT 2024-08-08)', () => {
  it('detects a dropped diff, goes out-of-sync, and resyncs from a new snapshot to the exact reference book', async () => {
    const s = sessions.find((x) => x.prefix === SPOT_2024)!;
    const events = await eventsOf(s);
    const snapshot = events.find((e): e is DepthSnapshot => e.kind === 'snapshot')!;
    const diffs = events.filter((e): e is DepthDiff => e.kind === 'depth');

    // Reference: the full stream, nothing dropped.
    const refBook = new OrderBook();
    const ref = new BinanceBookSync('spot', refBook);
    ref.onSnapshot(snapshot);
    const DROP = 1000; // index into diffs (after the first three, which precede the snapshot)
    const RESYNC_AT = DROP + 5;
    let resyncSnapshot: DepthSnapshot | undefined;
    for (let i = 0; i < diffs.length; i++) {
      ref.onDiff(diffs[i]!);
      if (i === RESYNC_AT) resyncSnapshot = snapshotOf(refBook, diffs[i]!.finalUpdateId);
    }
    expect(ref.applied).toBe(6493);

    const book = new OrderBook();
    const resyncs: ResyncReason[] = [];
    const sync = new BinanceBookSync('spot', book, { onResyncRequested: (r) => resyncs.push(r) });
    sync.onSnapshot(snapshot);
    const results: SyncResult[] = [];
    for (let i = 0; i < diffs.length; i++) {
      if (i === DROP) continue;
      if (i === RESYNC_AT + 10) {
        expect(sync.bufferedCount).toBe(RESYNC_AT + 10 - DROP - 1);
        expect(sync.onSnapshot(resyncSnapshot!)).toBe('applied');
      }
      results.push(sync.onDiff(diffs[i]!));
      if (i === DROP + 1) {
        expect(results.at(-1)).toBe('gap');
        expect(sync.state).toBe('out-of-sync');
        expect([sync.gaps, sync.resyncRequests]).toEqual([1, 1]);
        expect(resyncs).toEqual(['gap']);
        expect(book.levelCount('bid') + book.levelCount('ask')).toBe(0);
      } else if (i > DROP + 1 && i < RESYNC_AT + 10) {
        expect(results.at(-1)).toBe('buffered');
      }
    }
    expect(sync.state).toBe('synced');
    expect(sync.gaps).toBe(1);
    expect(allLevels(book)).toBe(allLevels(refBook));
    // 2 stale before the first snapshot + diffs DROP+1..RESYNC_AT (≤ the resync snapshot id) dropped as stale.
    expect(sync.staleDropped).toBe(2 + (RESYNC_AT - DROP));
  });

  it('detects a crossed book produced by a (tampered) diff that chains correctly', async () => {
    const s = sessions.find((x) => x.prefix === SPOT_2024)!;
    const events = await eventsOf(s);
    const snapshot = events.find((e): e is DepthSnapshot => e.kind === 'snapshot')!;
    const diffs = events.filter((e): e is DepthDiff => e.kind === 'depth');
    const book = new OrderBook();
    const resyncs: ResyncReason[] = [];
    const sync = new BinanceBookSync('spot', book, { onResyncRequested: (r) => resyncs.push(r) });
    sync.onSnapshot(snapshot);
    for (let i = 0; i < 500; i++) sync.onDiff(diffs[i]!);
    const next = diffs[500]!;
    const tampered: DepthDiff = { ...next, bids: [...next.bids, [book.bestAskTicks()!, 1]] };
    expect(sync.onDiff(tampered)).toBe('crossed');
    expect([sync.crossings, sync.resyncRequests, sync.gaps]).toEqual([1, 1, 0]);
    expect(resyncs).toEqual(['crossed']);
    expect(sync.state).toBe('out-of-sync');
    expect(book.bestBidTicks()).toBeUndefined();
    expect(sync.onDiff(diffs[501]!)).toBe('buffered');
  });
});
