/**
 * The engine with a fast touch (core/book/fast-touch.ts): a bookTicker ahead of the book moves the
 * quotes between depth diffs; the book takes over again once a diff reaches the ticker's update id; the
 * simulated venue's post-only check reads the same touch; the view carries our resting order and its
 * queue ahead to a quoter that reads them. Hand-built events, the real engine and venue.
 */
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../../core/ports.ts';
import type { BookTicker, DepthDiff, DepthSnapshot, Level } from '../../../core/market-events.ts';
import type { OrderAction } from '../../../core/quoting/intent.ts';
import { OrderExecutor } from '../../../core/quoting/executor.ts';
import { JoinTouchQuoter } from '../../../core/quoting/join-touch.ts';
import type { Quoter, QuoterView } from '../../../core/quoting/quoter.ts';
import { QuotingEngine } from '../../../core/engine/quoting-engine.ts';
import { OrderBook } from '../../../core/book/order-book.ts';
import { FastTouch } from '../../../core/book/fast-touch.ts';
import { SimulatedVenue } from '../../../core/sim/simulated-venue.ts';
import type { VenueReport } from '../../../core/engine/venue-port.ts';

const PARAMS = {
  volObservations: 10,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  diLevels: 5,
  maxInventoryLots: 5,
};

const snapshot = (id: number, bids: Level[], asks: Level[]): DepthSnapshot => ({
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
const ticker = (u: number, bid: number, ask: number, bidLots = 3, askLots = 4): BookTicker => ({
  kind: 'bookTicker',
  updateId: u,
  bidTicks: bid,
  bidLots,
  askTicks: ask,
  askLots,
  exchTimeMs: undefined,
  recvTimeUs: 0,
});

function engineWith(fast: boolean) {
  const clock = new ManualClock(1_000_000);
  const actions: OrderAction[] = [];
  const book = new OrderBook();
  const engine = new QuotingEngine({
    market: 'spot',
    clock,
    book,
    quoter: new JoinTouchQuoter({ model: 'join-touch', quoteSizeLots: 1, maxInventoryLots: 5 }),
    executor: new OrderExecutor('f'),
    venue: { submit: (a) => actions.push(a) },
    params: PARAMS,
    quotePerTickLot: 1,
    ...(fast ? { fastTouch: new FastTouch(book) } : {}),
  });
  const take = (): string[] =>
    actions
      .splice(0)
      .map((a) => (a.type === 'place' ? `place ${a.side} ${a.priceTicks}` : `cancel ${a.clientOrderId}`));
  return { engine, take };
}

describe('QuotingEngine with a fast touch', () => {
  it('requotes on a bookTicker ahead of the book, and returns to the book once a diff reaches it', () => {
    const { engine, take } = engineWith(true);
    engine.onMarketEvent(snapshot(100, [[1000, 5]], [[1002, 5]]));
    expect(take()).toEqual(['place bid 1000', 'place ask 1002']);
    // Ticker 105: the ask came down to 1001 (the diff carrying it has not arrived).
    engine.onMarketEvent(ticker(105, 1000, 1001));
    expect(take()).toEqual(['cancel f-2']);
    expect(engine.counters.bookTickerTouches).toBe(1);
    expect(engine.lastIntent?.ask?.priceTicks).toBe(1001);
    expect(engine.lastIntent?.midTicks).toBe(1000.5);
    // A ticker the book already contains is ignored as a touch (and cross-checks the book: it matches).
    engine.onMarketEvent(ticker(100, 1000, 1002, 5, 5));
    expect(engine.counters.bookTickerIgnored).toBe(1);
    expect(engine.counters.bookTickerMismatches).toBe(0);
    // The diff 101–106 reaches the ticker: the book (ask 1003 now) is the touch again.
    engine.onMarketEvent(
      diff(
        101,
        106,
        [],
        [
          [1002, 0],
          [1003, 6],
        ],
      ),
    );
    expect(engine.lastIntent?.ask?.priceTicks).toBe(1003);
  });

  it('without a fast touch, a bookTicker leaves the quotes alone', () => {
    const { engine, take } = engineWith(false);
    engine.onMarketEvent(snapshot(100, [[1000, 5]], [[1002, 5]]));
    take();
    engine.onMarketEvent(ticker(105, 1000, 1001));
    expect(take()).toEqual([]);
    expect(engine.counters.bookTickerIgnored).toBe(1);
    expect(engine.counters.bookTickerTouches).toBe(0);
  });

  it('drops the fast touch when the book goes out of sync', () => {
    const { engine, take } = engineWith(true);
    engine.onMarketEvent(snapshot(100, [[1000, 5]], [[1002, 5]]));
    engine.onMarketEvent(ticker(105, 1000, 1001));
    take();
    engine.onMarketEvent(diff(110, 112, [], [])); // gap: the bid is cancelled (the ask's cancel is in flight)
    expect(take()).toEqual(['cancel f-1']);
    expect(engine.syncState).toBe('out-of-sync');
    engine.onMarketEvent(ticker(120, 990, 995)); // no synced book: not a touch
    expect(engine.counters.bookTickerTouches).toBe(1);
  });
});

describe('SimulatedVenue reading a fast touch', () => {
  it('rejects a post-only bid that crosses the ticker ask the depth book does not show yet', () => {
    const clock = new ManualClock(0);
    const book = new OrderBook();
    const fast = new FastTouch(book);
    const reports: VenueReport[] = [];
    const venue = new SimulatedVenue({
      clock,
      book: fast,
      entryLatencyUs: 0,
      cancelLatencyUs: 0,
      makerFeeBps: 0,
      quotePerTickLot: 1,
      onReport: (r) => reports.push(r),
    });
    book.applyLevel('bid', 1000, 5);
    book.applyLevel('ask', 1002, 5);
    expect(fast.onTicker(ticker(105, 1000, 1001), 100)).toBe(true);
    venue.submit({ type: 'place', side: 'bid', priceTicks: 1001, sizeLots: 1, clientOrderId: 'x-1' });
    venue.processUntil(0);
    expect(reports.map((r) => r.type)).toEqual(['rejected']);
  });
});

describe('the view of our resting orders', () => {
  it('carries the acknowledged order and its queue ahead to a quoter that reads them, and not to one that does not', () => {
    const seen: Array<[number | undefined, number | undefined]> = [];
    const inner = new JoinTouchQuoter({ model: 'join-touch', quoteSizeLots: 1, maxInventoryLots: 5 });
    const spy = (reads: boolean): Quoter => ({
      readsRestingOrders: reads,
      decide: (v: QuoterView) => {
        seen.push([v.restingBidTicks, v.restingBidQueueLots]);
        return inner.decide(v);
      },
    });
    for (const reads of [true, false]) {
      seen.length = 0;
      const engine = new QuotingEngine({
        market: 'spot',
        clock: new ManualClock(1_000_000),
        quoter: spy(reads),
        executor: new OrderExecutor('r'),
        venue: { submit: () => undefined },
        params: PARAMS,
        quotePerTickLot: 1,
      });
      engine.onMarketEvent(snapshot(100, [[1000, 5]], [[1002, 5]]));
      engine.onVenueReport({
        type: 'accepted',
        clientOrderId: 'r-1',
        side: 'bid',
        priceTicks: 1000,
        sizeLots: 1,
        timeUs: 1,
      });
      // 2 lots trade at our price: the queue ahead goes from 5 to 3.
      engine.onMarketEvent({
        kind: 'trade',
        tradeId: 1,
        priceTicks: 1000,
        sizeLots: 2,
        aggressor: 'sell',
        exchTimeMs: 1,
        recvTimeUs: 0,
      });
      expect(seen.at(-1)).toEqual(reads ? [1000, 3] : [undefined, undefined]);
    }
  });
});
