import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/ports.ts';
import type { DepthDiff, DepthSnapshot, Level } from '../../../core/market-events.ts';
import type { OrderAction, QuoteIntent } from '../../../core/quoting/intent.ts';
import type { Quoter, QuoterView } from '../../../core/quoting/quoter.ts';
import { OrderExecutor } from '../../../core/quoting/executor.ts';
import { QuotingEngine } from '../../../core/engine/quoting-engine.ts';
import { parseRiskLimits, type RiskLimitsInput } from '../../../core/risk/risk-limits.ts';

/** Joins the touch on both sides with 2 lots. */
const touch: Quoter = {
  decide(v: QuoterView): QuoteIntent {
    const ok = v.bestBidTicks !== undefined && v.bestAskTicks !== undefined;
    return {
      bid: ok ? { priceTicks: v.bestBidTicks!, sizeLots: 2 } : undefined,
      ask: ok ? { priceTicks: v.bestAskTicks!, sizeLots: 2 } : undefined,
      bidReason: ok ? 'quote' : 'book-not-ready',
      askReason: ok ? 'quote' : 'book-not-ready',
      decidedAtUs: v.nowUs,
      midTicks: v.midTicks,
    };
  },
};

function snapshot(bids: Level[], asks: Level[]): DepthSnapshot {
  return { kind: 'snapshot', lastUpdateId: 100, bids, asks, recvTimeUs: 0, exchTimeMs: undefined };
}
function diff(u: number, bids: Level[], asks: Level[]): DepthDiff {
  const d = { firstUpdateId: u, finalUpdateId: u, prevFinalUpdateId: undefined };
  return { kind: 'depth', ...d, bids, asks, exchTimeMs: 1, recvTimeUs: 0 };
}

function engineWith(limits: RiskLimitsInput) {
  const clock = new ManualClock(1_000_000);
  const actions: OrderAction[] = [];
  const engine = new QuotingEngine({
    market: 'spot',
    clock,
    quoter: touch,
    executor: new OrderExecutor('e'),
    venue: { submit: (a) => actions.push(a) },
    params: {
      volObservations: 10,
      volSampleIntervalMs: 100,
      ofiWindowMs: 1000,
      diLevels: 5,
      maxInventoryLots: 50,
    },
    quotePerTickLot: 1,
    riskLimits: parseRiskLimits(limits, 'test'),
  });
  const take = (): string[] =>
    actions
      .splice(0)
      .map((a) => (a.type === 'place' ? `place ${a.side} ${a.clientOrderId}` : `cancel ${a.clientOrderId}`));
  return { clock, engine, take };
}

describe('QuotingEngine with the risk gate', () => {
  it('kill cancels every working order at once and nothing is quoted until resume', () => {
    const { engine, take, clock } = engineWith({});
    engine.onMarketEvent(snapshot([[100, 5]], [[102, 5]]));
    expect(take()).toEqual(['place bid e-1', 'place ask e-2']);
    engine.kill('test');
    expect(take()).toEqual(['cancel e-1', 'cancel e-2']);
    expect(engine.risk.state).toBe('halted');
    clock.advanceTo(2_000_000);
    engine.onMarketEvent(diff(101, [[101, 5]], []));
    expect(take()).toEqual([]);
    expect(engine.lastIntent).toMatchObject({ bid: undefined, ask: undefined, bidReason: 'halted' });
    engine.onVenueReport({ type: 'canceled', clientOrderId: 'e-1', side: 'bid', canceledLots: 2, timeUs: 2 });
    engine.onVenueReport({ type: 'canceled', clientOrderId: 'e-2', side: 'ask', canceledLots: 2, timeUs: 2 });
    engine.resume('ok');
    engine.onMarketEvent(diff(102, [[101, 6]], []));
    expect(take()).toEqual(['place bid e-3', 'place ask e-4']);
    expect(engine.risk.drainTransitions().map((t) => t.reason)).toEqual(['kill', 'resume']);
  });

  it('measures send→ACK latency from the order placedAtUs, and the p99 guard suspends quoting', () => {
    const { engine, take } = engineWith({ ackLatency: { p99LimitMs: 200, windowMs: 60_000, minSamples: 1 } });
    engine.onMarketEvent(snapshot([[100, 5]], [[102, 5]]));
    take();
    const accepted = { type: 'accepted', side: 'bid', priceTicks: 100, sizeLots: 2 } as const;
    engine.onVenueReport({ ...accepted, clientOrderId: 'e-1', timeUs: 1_150_000 });
    expect(engine.lastAckLatencyUs).toBe(150_000);
    expect(engine.risk.state).toBe('active');
    engine.onVenueReport({
      ...accepted,
      side: 'ask',
      priceTicks: 102,
      clientOrderId: 'e-2',
      timeUs: 1_250_000,
    });
    expect(engine.risk.reason).toBe('ack-latency');
    engine.onMarketEvent(diff(101, [[99, 1]], []));
    expect(take()).toEqual(['cancel e-1', 'cancel e-2']);
  });

  it('REDUCING after a fill over the soft limit keeps only the side that shrinks the position', () => {
    const { engine, take } = engineWith({ softInventoryLots: 2 });
    engine.onMarketEvent(snapshot([[100, 5]], [[102, 5]]));
    take();
    engine.onVenueReport({
      type: 'fill',
      fill: {
        clientOrderId: 'e-1',
        side: 'bid',
        priceTicks: 100,
        sizeLots: 2,
        feeQuote: 0,
        liquidity: 'maker',
        timeUs: 2,
      },
      openLots: 0,
    });
    engine.onMarketEvent(diff(101, [[99, 1]], []));
    expect(engine.risk.state).toBe('reducing');
    // The bid side is dropped; the ask (2 lots = q) stays working as it was.
    expect(engine.lastIntent).toMatchObject({ bid: undefined, ask: { priceTicks: 102, sizeLots: 2 } });
    expect(take()).toEqual([]);
  });
});
