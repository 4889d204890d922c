/**
 * The engine's book-integrity inputs with hand-built events: the bookTicker cross-check (a mismatch at
 * the book's update id → out of sync, quotes pulled, resync requested) and the stale-feed watchdog
 * (risk gate suspended with reason `stale-feed`, orders cancelled at once, lifted when fresh).
 */
import { describe, expect, it } from 'vitest';
import type { ResyncReason } from '../../../core/book/binance-sync.ts';
import { QuotingEngine, type EngineParams } from '../../../core/engine/quoting-engine.ts';
import type { BookTicker, DepthDiff, DepthSnapshot, Level } from '../../../core/market-events.ts';
import { ManualClock } from '../../../core/ports.ts';
import { OrderExecutor } from '../../../core/quoting/executor.ts';
import type { OrderAction, QuoteIntent } from '../../../core/quoting/intent.ts';
import type { Quoter, QuoterView } from '../../../core/quoting/quoter.ts';

/** Quotes at the touch, 2 lots a side. */
const touch: Quoter = {
  decide(v: QuoterView): QuoteIntent {
    const ready = v.bestBidTicks !== undefined && v.bestAskTicks !== undefined;
    return {
      bid: ready && v.bestBidTicks !== undefined ? { priceTicks: v.bestBidTicks, sizeLots: 2 } : undefined,
      ask: ready && v.bestAskTicks !== undefined ? { priceTicks: v.bestAskTicks, sizeLots: 2 } : undefined,
      bidReason: ready ? 'quote' : 'book-not-ready',
      askReason: ready ? 'quote' : 'book-not-ready',
      decidedAtUs: v.nowUs,
      midTicks: v.midTicks,
    };
  },
};

const PARAMS: EngineParams = {
  volObservations: 10,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  diLevels: 5,
  maxInventoryLots: 50,
};

const snap = (id: number, bids: Level[], asks: Level[]): DepthSnapshot => ({
  kind: 'snapshot',
  lastUpdateId: id,
  bids,
  asks,
  recvTimeUs: 0,
  exchTimeMs: undefined,
});
const diff = (U: number, u: number, bids: Level[], asks: Level[]): DepthDiff => ({
  kind: 'depth',
  firstUpdateId: U,
  finalUpdateId: u,
  prevFinalUpdateId: undefined,
  bids,
  asks,
  exchTimeMs: 1,
  recvTimeUs: 0,
});
const tick = (u: number, bid: number, bidLots: number, ask: number, askLots: number): BookTicker => ({
  kind: 'bookTicker',
  updateId: u,
  bidTicks: bid,
  bidLots,
  askTicks: ask,
  askLots,
  exchTimeMs: undefined,
  recvTimeUs: 0,
});

function setup(checkBookTicker?: boolean) {
  const clock = new ManualClock(1_000_000);
  const actions: OrderAction[] = [];
  const resyncs: ResyncReason[] = [];
  const engine = new QuotingEngine({
    market: 'spot',
    clock,
    quoter: touch,
    executor: new OrderExecutor('e'),
    venue: { submit: (a) => actions.push(a) },
    params: PARAMS,
    quotePerTickLot: 1,
    onResyncRequested: (r) => resyncs.push(r),
    ...(checkBookTicker === undefined ? {} : { checkBookTicker }),
  });
  const take = (): string[] =>
    actions
      .splice(0)
      .map((a) => (a.type === 'place' ? `place ${a.side} ${a.priceTicks}` : `cancel ${a.clientOrderId}`));
  return { clock, engine, take, resyncs };
}

describe('bookTicker cross-check in the engine', () => {
  it('a matching ticker at the book id changes nothing; a wrong one pulls the quotes and asks for a snapshot', () => {
    const { engine, take, resyncs } = setup();
    engine.onMarketEvent(snap(100, [[100, 5]], [[102, 5]]));
    expect(take()).toEqual(['place bid 100', 'place ask 102']);
    engine.onMarketEvent(tick(100, 100, 5, 102, 5));
    expect(engine.counters).toMatchObject({ bookTickerCompared: 1, bookTickerMismatches: 0 });
    expect(engine.syncState).toBe('synced');
    engine.onMarketEvent(tick(100, 100, 5, 101, 1)); // the venue's best ask is 101: our book missed it
    expect(engine.counters).toMatchObject({ bookTickerCompared: 2, bookTickerMismatches: 1, pulls: 1 });
    expect(engine.syncState).toBe('out-of-sync');
    expect(resyncs).toEqual(['ticker-mismatch']);
    expect(take()).toEqual(['cancel e-1', 'cancel e-2']);
    // diffs are buffered until the new snapshot; then quoting resumes on the new book
    engine.onMarketEvent(diff(101, 101, [], [[101, 1]]));
    expect(take()).toEqual([]);
    engine.onMarketEvent(snap(100, [[100, 5]], [[102, 5]]));
    expect(engine.syncState).toBe('synced');
    expect(engine.book.bestAskTicks()).toBe(101); // the buffered diff applied on the snapshot
  });

  it('a ticker ahead of the book is compared when the diff reaching its id is applied', () => {
    const { engine, resyncs } = setup();
    engine.onMarketEvent(snap(100, [[100, 5]], [[102, 5]]));
    engine.onMarketEvent(tick(103, 100, 5, 102, 4)); // ahead: held
    expect(engine.counters.bookTickerCompared).toBe(0);
    engine.onMarketEvent(diff(101, 103, [], [[102, 4]])); // book at 103: 102×4 → match
    expect(engine.counters).toMatchObject({ bookTickerCompared: 1, bookTickerMismatches: 0 });
    engine.onMarketEvent(tick(105, 100, 5, 102, 4));
    engine.onMarketEvent(diff(104, 105, [[100, 6]], [])); // book at 105 has bid 100×6, ticker says 5
    expect(engine.counters).toMatchObject({ bookTickerCompared: 2, bookTickerMismatches: 1 });
    expect(engine.syncState).toBe('out-of-sync');
    expect(resyncs).toEqual(['ticker-mismatch']);
  });

  it('checkBookTicker: false leaves tickers out of it', () => {
    const { engine } = setup(false);
    engine.onMarketEvent(snap(100, [[100, 5]], [[102, 5]]));
    engine.onMarketEvent(tick(100, 1, 1, 2, 1));
    expect(engine.syncState).toBe('synced');
    expect(engine.counters).toMatchObject({ bookTickerIgnored: 1, bookTickerCompared: 0 });
  });
});

describe('stale-feed watchdog in the engine', () => {
  it('halts with reason stale-feed, cancels at once, quotes again once the feed is fresh', () => {
    const { clock, engine, take } = setup();
    engine.onMarketEvent(snap(100, [[100, 5]], [[102, 5]]));
    expect(take()).toEqual(['place bid 100', 'place ask 102']);
    clock.advanceTo(7_000_000);
    engine.setFeedStale(true, 6000, 5000);
    expect([engine.risk.state, engine.risk.reason]).toEqual(['halted', 'stale-feed']);
    expect(take()).toEqual(['cancel e-1', 'cancel e-2']); // now, not at the next event
    engine.setFeedStale(true, 6250, 5000);
    expect(take()).toEqual([]); // repeated: nothing more
    engine.onVenueReport({
      type: 'canceled',
      clientOrderId: 'e-1',
      side: 'bid',
      canceledLots: 2,
      timeUs: 7_000_001,
    });
    engine.onVenueReport({
      type: 'canceled',
      clientOrderId: 'e-2',
      side: 'ask',
      canceledLots: 2,
      timeUs: 7_000_002,
    });
    clock.advanceTo(7_500_000);
    engine.setFeedStale(false, 10, 5000);
    expect([engine.risk.state, engine.risk.reason]).toEqual(['active', 'normal']);
    engine.onMarketEvent(diff(101, 101, [[100, 6]], []));
    expect(take()).toEqual(['place bid 100', 'place ask 102']);
    const t = engine.risk.drainTransitions();
    expect(t.map((x) => [x.atUs, x.to, x.reason, x.value, x.limit])).toEqual([
      [7_000_000, 'halted', 'stale-feed', 6000, 5000],
      [7_500_000, 'active', 'normal', undefined, undefined],
    ]);
  });
});
