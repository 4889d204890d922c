import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../../core/ports.ts';
import type { DepthDiff, DepthSnapshot, Level, Trade } from '../../../core/market-events.ts';
import type { OrderAction, QuoteIntent } from '../../../core/quoting/intent.ts';
import type { Quoter, QuoterView } from '../../../core/quoting/quoter.ts';
import { OrderExecutor } from '../../../core/quoting/executor.ts';
import { QuotingEngine, type EngineParams } from '../../../core/engine/quoting-engine.ts';
import type { VenueReport } from '../../../core/engine/venue-port.ts';
import { OrderBook } from '../../../core/book/order-book.ts';
import { SimulatedVenue } from '../../../core/sim/simulated-venue.ts';
import { InvariantViolation } from '../../../core/errors.ts';

/** Joins the touch on both sides with a fixed size, ignoring inventory (the engine's hard limit must hold). */
class TouchQuoter implements Quoter {
  constructor(private readonly sizeLots: number) {}
  decide(v: QuoterView): QuoteIntent {
    if (v.bestBidTicks === undefined || v.bestAskTicks === undefined) {
      return {
        bid: undefined,
        ask: undefined,
        bidReason: 'book-not-ready',
        askReason: 'book-not-ready',
        decidedAtUs: v.nowUs,
        midTicks: v.midTicks,
      };
    }
    return {
      bid: { priceTicks: v.bestBidTicks, sizeLots: this.sizeLots },
      ask: { priceTicks: v.bestAskTicks, sizeLots: this.sizeLots },
      bidReason: 'quote',
      askReason: 'quote',
      decidedAtUs: v.nowUs,
      midTicks: v.midTicks,
    };
  }
}

const PARAMS: EngineParams = {
  volObservations: 10,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  diLevels: 5,
  maxInventoryLots: 5,
};

function snapshot(lastUpdateId: number, bids: Level[], asks: Level[]): DepthSnapshot {
  return { kind: 'snapshot', lastUpdateId, bids, asks, recvTimeUs: 0, exchTimeMs: undefined };
}
function diff(U: number, u: number, bids: Level[], asks: Level[], exchTimeMs = 1): DepthDiff {
  return {
    kind: 'depth',
    firstUpdateId: U,
    finalUpdateId: u,
    prevFinalUpdateId: undefined,
    bids,
    asks,
    exchTimeMs,
    recvTimeUs: 0,
  };
}
function trade(priceTicks: number, sizeLots: number, exchTimeMs: number): Trade {
  return {
    kind: 'trade',
    tradeId: exchTimeMs,
    priceTicks,
    sizeLots,
    aggressor: 'sell',
    exchTimeMs,
    recvTimeUs: 0,
  };
}

/** Engine wired to a venue that only records actions; reports are fed by hand. */
function recordingEngine() {
  const clock = new ManualClock(1_000_000);
  const actions: OrderAction[] = [];
  const engine = new QuotingEngine({
    market: 'spot',
    clock,
    quoter: new TouchQuoter(2),
    executor: new OrderExecutor('e'),
    venue: { submit: (a) => actions.push(a) },
    params: PARAMS,
    quotePerTickLot: 1,
    recordFills: true,
  });
  const take = (): string[] =>
    actions
      .splice(0)
      .map((a) =>
        a.type === 'place'
          ? `place ${a.side} ${a.priceTicks} ${a.clientOrderId}`
          : `cancel ${a.clientOrderId}`,
      );
  return { clock, engine, take };
}

describe('QuotingEngine', () => {
  it('pulls all quotes on a sequence gap and stays out until a new snapshot syncs the book', () => {
    const { engine, take } = recordingEngine();
    engine.onMarketEvent(snapshot(100, [[100, 5]], [[102, 5]]));
    expect(take()).toEqual(['place bid 100 e-1', 'place ask 102 e-2']);
    engine.onVenueReport({
      type: 'accepted',
      clientOrderId: 'e-1',
      side: 'bid',
      priceTicks: 100,
      sizeLots: 2,
      timeUs: 1,
    });
    engine.onMarketEvent(diff(101, 101, [[99, 1]], []));
    expect(take()).toEqual([]); // intent unchanged: nothing to do
    expect(engine.counters.pulls).toBe(0);

    engine.onMarketEvent(diff(110, 112, [[101, 1]], [])); // U ≠ prev u + 1: gap
    expect(engine.syncState).toBe('out-of-sync');
    expect(take()).toEqual(['cancel e-1', 'cancel e-2']);
    expect(engine.counters.pulls).toBe(1);
    expect(engine.lastIntent).toMatchObject({
      bid: undefined,
      ask: undefined,
      bidReason: 'book-not-ready',
      askReason: 'book-not-ready',
    });

    engine.onMarketEvent(diff(113, 113, [[101, 2]], [])); // buffered: still pulled, cancels not re-sent
    engine.onMarketEvent(trade(101, 1, 2));
    expect(take()).toEqual([]);
    engine.onVenueReport({ type: 'canceled', clientOrderId: 'e-1', side: 'bid', canceledLots: 2, timeUs: 2 });
    engine.onVenueReport({ type: 'canceled', clientOrderId: 'e-2', side: 'ask', canceledLots: 2, timeUs: 2 });
    expect(engine.workingOrders()).toEqual([]);
    expect(engine.counters).toMatchObject({
      pulls: 1,
      eventsWhilePulled: 3,
      cancelsSent: 2,
      cancelsConfirmed: 2,
    });

    engine.onMarketEvent(snapshot(200, [[100, 5]], [[103, 5]])); // buffered diffs are older: stale
    expect(engine.syncState).toBe('synced');
    expect(take()).toEqual(['place bid 100 e-3', 'place ask 103 e-4']);
    expect(engine.counters.pulls).toBe(1);
  });

  it('pulls all quotes when a diff crosses the book', () => {
    const { engine, take } = recordingEngine();
    engine.onMarketEvent(snapshot(100, [[100, 5]], [[102, 5]]));
    take();
    engine.onMarketEvent(diff(101, 101, [], [[99, 1]])); // best ask 99 < best bid 100
    expect(take()).toEqual(['cancel e-1', 'cancel e-2']);
    expect(engine.counters.pulls).toBe(1);
    expect(engine.syncState).toBe('out-of-sync');
  });

  it('books fills into inventory, exact cash, fees and mark-to-mid PnL', () => {
    const { engine } = recordingEngine();
    engine.onMarketEvent(snapshot(100, [[100, 5]], [[102, 5]])); // mid 101; places e-1 bid 100, e-2 ask 102
    const fill = (
      id: string,
      side: 'bid' | 'ask',
      priceTicks: number,
      sizeLots: number,
      openLots: number,
    ): VenueReport => ({
      type: 'fill',
      fill: { clientOrderId: id, side, priceTicks, sizeLots, feeQuote: 0.5, liquidity: 'maker', timeUs: 5 },
      openLots,
    });
    engine.onVenueReport(fill('e-1', 'bid', 100, 2, 0)); // bought 2 @ 100
    expect(engine.inventoryLots).toBe(2);
    expect(engine.cashTickLots).toBe(-200);
    // (−200 + 2·101)·1 − 0.5 = 1.5
    expect(engine.netPnlQuote()).toBe(1.5);
    engine.onVenueReport(fill('e-2', 'ask', 102, 1, 1)); // sold 1 @ 102, 1 lot still open
    expect(engine.inventoryLots).toBe(1);
    expect(engine.cashTickLots).toBe(-98);
    // (−98 + 1·101) − 1.0 = 2
    expect(engine.netPnlQuote()).toBe(2);
    expect(engine.feesQuote).toBe(1);
    expect(engine.workingOrders().map((o) => [o.clientOrderId, o.openLots])).toEqual([['e-2', 1]]);
    // Both quoted at the touch around mid 101 (half spread 1): each captured exactly 1 tick vs mid at quote.
    expect(engine.spreadCapture.spreadCapturedPct()).toBe(100);
    expect(engine.counters).toMatchObject({ fills: 2, filledLots: 3 });
    expect(engine.fills).toHaveLength(2);
  });

  it('never lets inventory exceed maxInventoryLots, even with a quoter that ignores it (end to end)', () => {
    const clock = new ManualClock(0);
    const book = new OrderBook();
    let maxAbs = 0;
    const venue = new SimulatedVenue({
      clock,
      book,
      entryLatencyUs: 1_000,
      cancelLatencyUs: 1_000,
      makerFeeBps: 0,
      quotePerTickLot: 1,
      onReport: (r) => {
        engine.onVenueReport(r);
        maxAbs = Math.max(maxAbs, Math.abs(engine.inventoryLots));
      },
    });
    const engine = new QuotingEngine({
      market: 'spot',
      clock,
      book,
      quoter: new TouchQuoter(3), // 3-lot quotes against a 5-lot limit
      executor: new OrderExecutor('e'),
      venue,
      params: PARAMS,
      quotePerTickLot: 1,
    });
    const step = (ev: DepthSnapshot | DepthDiff | Trade, tMs: number): void => {
      clock.advanceTo(tMs * 1000);
      venue.processUntil(clock.nowUs());
      if (ev.kind === 'trade') venue.onTrade(ev);
      engine.onMarketEvent(ev);
      if (ev.kind !== 'trade') venue.onBookChanged();
    };
    step(snapshot(100, [[100, 1]], [[102, 1]]), 1);
    // A falling market: sellers trade through our bid every 10 ms; the bid level keeps refilling.
    let u = 100;
    for (let i = 0; i < 50; i++) {
      const t = 10 + i * 10;
      step(trade(99, 4, t), t);
      u++;
      step(diff(u, u, [[100, 1]], [], t + 5), t + 5);
    }
    expect(engine.counters.fills).toBeGreaterThan(0);
    expect(maxAbs).toBe(3); // one 3-lot fill; a second would reach 6 > 5
    expect(engine.inventoryLots).toBe(3);
    expect(engine.maxAbsInventoryLots).toBe(3);
    expect(engine.counters.placesBlocked).toBeGreaterThan(0);
  });

  it('pulls all quotes, counts and goes on when the quoter throws (invariant violation)', () => {
    const clock = new ManualClock(0);
    const actions: OrderAction[] = [];
    let broken = false;
    const touch = new TouchQuoter(1);
    const failure = new InvariantViolation('QUOTER_INPUT', 'view.ofi must be finite, got NaN');
    const engine = new QuotingEngine({
      market: 'spot',
      clock,
      quoter: {
        decide: (v) => {
          if (broken) throw failure;
          return touch.decide(v);
        },
      },
      executor: new OrderExecutor('e'),
      venue: { submit: (a) => actions.push(a) },
      params: PARAMS,
      quotePerTickLot: 1,
    });
    engine.onMarketEvent(snapshot(100, [[100, 5]], [[102, 5]]));
    expect(actions.map((a) => a.type)).toEqual(['place', 'place']);
    broken = true;
    clock.advanceTo(1_000);
    expect(() => engine.onMarketEvent(diff(101, 101, [[101, 1]], []))).not.toThrow();
    expect(actions.slice(2)).toEqual([
      { type: 'cancel', clientOrderId: 'e-1', side: 'bid' },
      { type: 'cancel', clientOrderId: 'e-2', side: 'ask' },
    ]);
    expect(engine.counters).toMatchObject({ invariantViolations: 1, pulls: 0, decisions: 2 });
    expect(engine.lastInvariantViolation).toBe(failure);
    expect(engine.lastIntent).toEqual({
      bid: undefined,
      ask: undefined,
      bidReason: 'invariant-violation',
      askReason: 'invariant-violation',
      decidedAtUs: 1_000,
      midTicks: 101.5, // the book after the event: bid 101, ask 102
    });
    // Still broken: counted again, nothing new to cancel (the cancels are not confirmed yet: no repeat).
    engine.onMarketEvent(diff(102, 102, [[101, 2]], []));
    expect(engine.counters.invariantViolations).toBe(2);
    expect(actions).toHaveLength(4);
    // Repaired: the next event is decided afresh and quotes again.
    broken = false;
    engine.onVenueReport({
      type: 'canceled',
      clientOrderId: 'e-1',
      side: 'bid',
      canceledLots: 1,
      timeUs: 1_000,
    });
    engine.onVenueReport({
      type: 'canceled',
      clientOrderId: 'e-2',
      side: 'ask',
      canceledLots: 1,
      timeUs: 1_000,
    });
    engine.onMarketEvent(diff(103, 103, [[101, 3]], []));
    expect(actions.slice(4).map((a) => `${a.type} ${a.type === 'place' ? a.priceTicks : ''}`)).toEqual([
      'place 101',
      'place 102',
    ]);
    expect(engine.counters.invariantViolations).toBe(2);
  });

  it('counts the sides a quoter does not quote, by reason, and the capped ones', () => {
    const clock = new ManualClock(0);
    const engine = new QuotingEngine({
      market: 'spot',
      clock,
      quoter: {
        decide: (v) => ({
          bid: undefined,
          ask: { priceTicks: 110, sizeLots: 1 },
          bidReason: 'price-out-of-range',
          askReason: 'quote-capped',
          decidedAtUs: v.nowUs,
          midTicks: v.midTicks,
        }),
      },
      executor: new OrderExecutor('e'),
      venue: { submit: () => undefined },
      params: PARAMS,
      quotePerTickLot: 1,
    });
    engine.onMarketEvent(snapshot(100, [[100, 5]], [[102, 5]]));
    engine.onMarketEvent(diff(101, 101, [[101, 1]], []));
    expect(engine.counters).toMatchObject({
      decisions: 2,
      sidesNotQuotedPriceOutOfRange: 2,
      sidesCapped: 2,
      sidesNotQuotedInventoryLimit: 0,
      invariantViolations: 0,
    });
  });

  it('computes the depth imbalance only for a quoter that reads it (same actions either way)', () => {
    const run = (readsDepthImbalance: boolean | undefined) => {
      const seen: number[] = [];
      const actions: OrderAction[] = [];
      const touch = new TouchQuoter(1);
      const quoter: Quoter = {
        decide: (v) => {
          seen.push(v.depthImbalance);
          return touch.decide(v);
        },
        ...(readsDepthImbalance === undefined ? {} : { readsDepthImbalance }),
      };
      const engine = new QuotingEngine({
        market: 'spot',
        clock: new ManualClock(0),
        quoter,
        executor: new OrderExecutor('e'),
        venue: { submit: (a) => actions.push(a) },
        params: PARAMS,
        quotePerTickLot: 1,
      });
      // L1 depth 5/5 (raw DI 0), then 15/5 (0.5), then 30/5 (0.714…): the third has a non-zero z-score.
      engine.onMarketEvent(snapshot(100, [[100, 5]], [[102, 5]]));
      engine.onMarketEvent(diff(101, 101, [[100, 15]], []));
      engine.onMarketEvent(diff(102, 102, [[100, 30]], []));
      return { seen, actions };
    };
    const reads = run(undefined);
    expect(reads.seen.slice(0, 2)).toEqual([0, 0]);
    expect(reads.seen[2]).toBeGreaterThan(0);
    expect(run(true).seen).toEqual(reads.seen);
    const skips = run(false);
    expect(skips.seen).toEqual([0, 0, 0]);
    expect(skips.actions).toEqual(reads.actions);
  });

  it('ignores bookTicker events (counted)', () => {
    const { engine, take } = recordingEngine();
    engine.onMarketEvent({
      kind: 'bookTicker',
      updateId: 1,
      bidTicks: 1,
      bidLots: 1,
      askTicks: 2,
      askLots: 1,
      exchTimeMs: undefined,
      recvTimeUs: 0,
    });
    expect(take()).toEqual([]);
    expect(engine.counters).toMatchObject({ events: 1, bookTickerIgnored: 1, decisions: 0 });
  });
});
