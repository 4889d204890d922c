/**
 * 1-s mark-out of our fills (core/metrics/markout.ts): Σ s·(mid(t + h) − price)·lots·quotePerTickLot,
 * s = +1 for a bid fill, −1 for an ask fill, settled on the first mid at or after t + h. Figures by hand.
 */
import { describe, expect, it } from 'vitest';
import { MarkoutTracker } from '../../../core/metrics/markout.ts';
import { ManualClock } from '../../../core/ports.ts';
import { OrderExecutor } from '../../../core/quoting/executor.ts';
import type { QuoteIntent } from '../../../core/quoting/intent.ts';
import type { QuoterView } from '../../../core/quoting/quoter.ts';
import { QuotingEngine } from '../../../core/engine/quoting-engine.ts';

const S = 1_000_000;

describe('MarkoutTracker', () => {
  it('signs bid and ask fills and settles each on the first mid at or after t + 1 s', () => {
    const m = new MarkoutTracker(S, 0.5);
    m.onFill('bid', 100, 2, 0); // due at 1.0 s
    m.onFill('ask', 103, 1, 0.5 * S); // due at 1.5 s
    m.onMid(101, 0.2 * S);
    m.onMid(102, S - 1); // 1 µs early: nothing settles
    expect(m).toMatchObject({ settledFills: 0, pendingFills: 2, markoutQuote: 0 });
    m.onMid(102.5, S); // bid: +1·(102.5 − 100)·2 = +5 tick·lots = +2.5 quote
    expect(m).toMatchObject({ settledFills: 1, settledLots: 2, pendingFills: 1, markoutQuote: 2.5 });
    m.onMid(104, 1.4 * S); // ask not due yet
    expect(m.settledFills).toBe(1);
    m.onMid(104, 1.6 * S); // ask: −1·(104 − 103)·1 = −1 tick·lot → total 4 tick·lots = 2 quote
    expect(m).toMatchObject({ settledFills: 2, settledLots: 3, pendingFills: 0, markoutQuote: 2 });
  });

  it('settles every fill due at once with the same mid, and keeps order across ring growth', () => {
    const m = new MarkoutTracker(1000, 1, 2);
    m.onFill('bid', 10, 1, 0);
    m.onFill('ask', 12, 1, 10);
    m.onMid(11, 1005); // settles the bid: +1·(11 − 10) = +1
    m.onFill('bid', 9, 3, 20); // wraps around the 2-slot ring
    m.onFill('ask', 14, 2, 30); // grows it (3 pending)
    m.onFill('bid', 13, 1, 5000);
    expect(m.pendingFills).toBe(4);
    // At 1030: ask@12 −1·(11−12)·1 = +1; bid@9 +1·(11−9)·3 = +6; ask@14 −1·(11−14)·2 = +6.
    m.onMid(11, 1030);
    expect(m).toMatchObject({ settledFills: 4, settledLots: 7, pendingFills: 1, markoutQuote: 14 });
    m.onMid(12, 6000); // bid@13: +1·(12 − 13)·1 = −1
    expect(m).toMatchObject({ settledFills: 5, markoutQuote: 13 });
  });

  it('rejects invalid settings', () => {
    expect(() => new MarkoutTracker(-1, 1)).toThrow(RangeError);
    expect(() => new MarkoutTracker(1.5, 1)).toThrow(RangeError);
    expect(() => new MarkoutTracker(S, 0)).toThrow(RangeError);
    expect(() => new MarkoutTracker(S, 1, 0)).toThrow(RangeError);
  });
});

describe('QuotingEngine.markout', () => {
  it('marks our fills against the synced mid 1 s later', () => {
    const T0 = 1_700_000_000 * S;
    const clock = new ManualClock(T0);
    const engine = new QuotingEngine({
      market: 'spot',
      clock,
      quoter: {
        decide: (v: QuoterView): QuoteIntent => ({
          bid: v.bestBidTicks === undefined ? undefined : { priceTicks: v.bestBidTicks, sizeLots: 2 },
          ask: v.bestAskTicks === undefined ? undefined : { priceTicks: v.bestAskTicks, sizeLots: 2 },
          bidReason: 'quote',
          askReason: 'quote',
          decidedAtUs: v.nowUs,
          midTicks: v.midTicks,
        }),
      },
      executor: new OrderExecutor('m'),
      venue: { submit: () => undefined },
      params: {
        volObservations: 1,
        volSampleIntervalMs: 100,
        ofiWindowMs: 1000,
        diLevels: 5,
        maxInventoryLots: 10,
      },
      quotePerTickLot: 0.1,
    });
    engine.onMarketEvent({
      kind: 'snapshot',
      lastUpdateId: 100,
      bids: [[100, 5]],
      asks: [[102, 5]],
      recvTimeUs: 0,
      exchTimeMs: undefined,
    }); // quotes m-1 bid 100, m-2 ask 102
    const fill = (id: string, side: 'bid' | 'ask', priceTicks: number, atUs: number) =>
      engine.onVenueReport({
        type: 'fill',
        fill: {
          clientOrderId: id,
          side,
          priceTicks,
          sizeLots: 1,
          feeQuote: 0,
          liquidity: 'maker',
          timeUs: atUs,
        },
        openLots: 1,
      });
    fill('m-1', 'bid', 100, T0 + 100_000);
    fill('m-2', 'ask', 102, T0 + 300_000);
    const depth = (u: number, atUs: number, bids: [number, number][], asks: [number, number][]) => {
      clock.advanceTo(atUs);
      engine.onMarketEvent({
        kind: 'depth',
        firstUpdateId: u,
        finalUpdateId: u,
        prevFinalUpdateId: undefined,
        bids,
        asks,
        exchTimeMs: 0,
        recvTimeUs: 0,
      });
    };
    depth(
      101,
      T0 + 600_000,
      [],
      [
        [102, 0],
        [103, 5],
      ],
    ); // 100/103: mid 101.5
    depth(102, T0 + 1_099_999, [[101, 5]], []); // 101/103: mid 102, 1 µs before the bid is due
    expect(engine.markout).toMatchObject({ settledFills: 0, markoutQuote: 0 });
    depth(103, T0 + 1_100_000, [], [[104, 5]]); // mid 102: bid +1·(102 − 100)·1·0.1 = 0.2
    expect(engine.markout.settledFills).toBe(1);
    expect(engine.markout.markoutQuote).toBeCloseTo(0.2, 12);
    depth(104, T0 + 1_300_000, [[102, 5]], []); // 102/103: mid 102.5: ask −1·(102.5 − 102)·1·0.1 = −0.05
    expect(engine.markout.settledFills).toBe(2);
    expect(engine.markout.markoutQuote).toBeCloseTo(0.15, 12);
  });
});
