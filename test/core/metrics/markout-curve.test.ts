/**
 * The mark-out curve (core/metrics/markout.ts `MarkoutCurveTracker`) and the PnL attribution built on it
 * (core/metrics/trade-quality.ts): Σ s·(ref(t + h) − price)·lots·quotePerTickLot at several horizons, vs
 * the mid and the microprice, pending fills valued at the last reference on a non-destructive read.
 * Every figure by hand.
 */
import { describe, expect, it } from 'vitest';
import { MarkoutCurveTracker } from '../../../core/metrics/markout.ts';
import {
  fillKinds,
  markoutPoints,
  pnlAttribution,
  tradeQualityOf,
} from '../../../core/metrics/trade-quality.ts';
import { ManualClock } from '../../../core/ports.ts';
import { OrderExecutor } from '../../../core/quoting/executor.ts';
import type { QuoteIntent } from '../../../core/quoting/intent.ts';
import type { QuoterView } from '../../../core/quoting/quoter.ts';
import { QuotingEngine } from '../../../core/engine/quoting-engine.ts';
import { CURVE_MARKOUT_HORIZONS_MS } from '../../../core/metrics/run-analysis.ts';

describe('MarkoutCurveTracker', () => {
  it('settles each horizon on the first reference at or after t + h, and values pending fills at the last one', () => {
    const m = new MarkoutCurveTracker({
      horizonsUs: [0, 1000, 30_000],
      quotePerTickLot: 0.5,
      perFillHorizonUs: 1000,
    });
    m.onMid(100, 100.2, 0);
    m.onFill('bid', 99, 2, 10, false); // A
    m.onMid(100, 100.4, 10); // h0 A: mid +1·(100 − 99)·2 = 2; micro (100.4 − 99)·2 = 2.8
    m.onFill('ask', 101, 1, 500, true); // B
    m.onMid(100.5, 100.5, 600); // h0 B: −1·(100.5 − 101) = +0.5 (both)
    m.onMid(98, 97.5, 1010); // h1000 A: mid +1·(98 − 99)·2 = −2; micro (97.5 − 99)·2 = −3
    const read = (): number[][] => m.curve().map((p) => [p.horizonUs, p.vsMidQuote, p.vsMicropriceQuote]);
    // h0: 2.5 / 3.3 tick·lots. h1000: A settled, B pending at last mid 98 / micro 97.5: −1·(98 − 101) = 3,
    // −1·(97.5 − 101) = 3.5 → 1 / 0.5. h30000: both pending: A −2 / −3, B 3 / 3.5 → 1 / 0.5. × 0.5 quote.
    const expected = [
      [0, 1.25, 1.65],
      [1000, 0.5, 0.25],
      [30_000, 0.5, 0.25],
    ];
    for (const [i, row] of read().entries()) {
      expect(row[0]).toBe(expected[i]![0]);
      expect(row[1]).toBeCloseTo(expected[i]![1]!, 12);
      expect(row[2]).toBeCloseTo(expected[i]![2]!, 12);
    }
    expect(read()).toEqual(m.curve().map((p) => [p.horizonUs, p.vsMidQuote, p.vsMicropriceQuote])); // non-destructive
    expect(m.totalsAt(1000)).toMatchObject({
      settledFills: 1,
      settledLots: 2,
      pendingFills: 1,
      markoutQuote: -1,
    });
    expect(m.perFillMidTicks()).toEqual([98, 98]); // B pending: the last mid
    m.onMid(102, 102, 1500); // h1000 B: −1·(102 − 101) = −1 → −3 tick·lots
    expect(m.totalsAt(1000).markoutQuote).toBe(-1.5);
    expect(m.perFillMidTicks()).toEqual([98, 102]);
    // Marked to the last mid 102: A +1·(102 − 99)·2 = 6, B −1 → 5 tick·lots = 2.5 quote.
    expect(m.toLastMidQuote()).toBe(2.5);
    expect(m.tradedNotionalQuote).toBe((99 * 2 + 101) * 0.5);
    expect(fillKinds(m)).toEqual({ queueFills: 1, tradeThroughFills: 1, unknownFills: 0 });
  });

  it('keeps each horizon in order across ring growth, fills pending at several horizons at once', () => {
    const m = new MarkoutCurveTracker({ horizonsUs: [0, 100], quotePerTickLot: 1, initialCapacity: 1 });
    m.onFill('bid', 10, 1, 0);
    m.onFill('bid', 10, 1, 50); // grows to 2
    m.onMid(11, 11, 60); // h0: both +1 each = 2
    m.onFill('ask', 12, 1, 70); // grows to 4 (three pending at h100)
    m.onMid(11, 11, 100); // h0 ask +1; h100 first bid +1
    expect(m.totalsAt(0)).toMatchObject({ settledFills: 3, markoutQuote: 3 });
    expect(m.totalsAt(100)).toMatchObject({ settledFills: 1, pendingFills: 2, markoutQuote: 1 });
    m.onMid(13, 13, 170); // h100: bid@10 +3, ask@12 −1
    expect(m.totalsAt(100)).toMatchObject({ settledFills: 3, pendingFills: 0, markoutQuote: 3 });
  });

  it('rejects invalid settings', () => {
    const ok = { horizonsUs: [0, 1000], quotePerTickLot: 1 };
    expect(() => new MarkoutCurveTracker({ ...ok, horizonsUs: [] })).toThrow(RangeError);
    expect(() => new MarkoutCurveTracker({ ...ok, horizonsUs: [1000, 1000] })).toThrow(RangeError);
    expect(() => new MarkoutCurveTracker({ ...ok, horizonsUs: [-1] })).toThrow(RangeError);
    expect(() => new MarkoutCurveTracker({ ...ok, quotePerTickLot: Number.NaN })).toThrow(RangeError);
    expect(() => new MarkoutCurveTracker({ ...ok, initialCapacity: 0 })).toThrow(RangeError);
    expect(() => new MarkoutCurveTracker({ ...ok, perFillHorizonUs: 5 })).toThrow(RangeError);
    expect(() => new MarkoutCurveTracker(ok).totalsAt(5)).toThrow(RangeError);
  });
});

describe('pnlAttribution', () => {
  it('splits the PnL of one fill into spread, adverse 0–1 s, 1–30 s and inventory, exactly', () => {
    const S = 1_000_000;
    const m = new MarkoutCurveTracker({ horizonsUs: [0, S, 30 * S], quotePerTickLot: 1 });
    m.onFill('bid', 99, 2, 0);
    m.onMid(100, 100, 0); // spread: (100 − 99)·2 = 2
    m.onMid(99.5, 99.5, S); // 1 s: (99.5 − 99)·2 = 1 → adverse 0–1 s = −1
    m.onMid(98, 98, 30 * S); // 30 s: (98 − 99)·2 = −2 → adverse 1–30 s = −3
    m.onMid(97, 97, 40 * S); // end: (97 − 99)·2 = −4 → inventory = −2
    const fees = 0.198; // 10 bp of 198
    const a = pnlAttribution(m, markoutPoints(m), fees);
    expect(a).toMatchObject({ tradedNotionalQuote: 198, spreadQuote: 2, adverse0To1sQuote: -1 });
    expect(a.adverse1To30sQuote).toBe(-3);
    expect(a.inventoryQuote).toBe(-2);
    // Independently: cash −198 + inventory 2·97 − fees = −4.198.
    expect(a.netQuote).toBeCloseTo(-198 + 2 * 97 - fees, 12);
    expect(a.bp?.spread).toBeCloseTo((1e4 * 2) / 198, 9);
    expect(a.bp?.fees).toBeCloseTo(10, 12);
    expect(a.bp?.net).toBeCloseTo((1e4 * -4.198) / 198, 9);
    expect(() => pnlAttribution(m, [], fees)).toThrow(RangeError);
  });

  it('has bp null and zero terms with no fill', () => {
    const m = new MarkoutCurveTracker({ horizonsUs: [0, 1_000_000, 30_000_000], quotePerTickLot: 1 });
    const q = tradeQualityOf(m, 0);
    expect(q.attribution).toEqual({
      tradedNotionalQuote: 0,
      spreadQuote: 0,
      adverse0To1sQuote: 0,
      adverse1To30sQuote: 0,
      inventoryQuote: 0,
      feesQuote: 0,
      netQuote: 0,
      bp: null,
    });
    expect(q.markouts.every((p) => p.vsMidBp === null && p.vsMicropriceBp === null)).toBe(true);
  });
});

describe('QuotingEngine.markoutCurve', () => {
  it('marks a fill against the synced mid and microprice at every curve horizon', () => {
    const T0 = 1_700_000_000_000_000;
    const clock = new ManualClock(T0);
    const engine = new QuotingEngine({
      market: 'spot',
      clock,
      quoter: {
        decide: (v: QuoterView): QuoteIntent => ({
          bid: v.bestBidTicks === undefined ? undefined : { priceTicks: v.bestBidTicks, sizeLots: 1 },
          ask: undefined,
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
      bids: [[100, 3]],
      asks: [[102, 5]],
      recvTimeUs: 0,
      exchTimeMs: undefined,
    }); // quotes m-1 bid 100
    engine.onVenueReport({
      type: 'fill',
      fill: {
        clientOrderId: 'm-1',
        side: 'bid',
        priceTicks: 100,
        sizeLots: 1,
        feeQuote: 0,
        liquidity: 'maker',
        timeUs: T0 + 100_000,
        tradeThrough: true,
      },
      openLots: 0,
    });
    const depth = (u: number, atUs: number, bids: [number, number][], asks: [number, number][]): void => {
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
    // 100×3 / 103×5: mid 101.5, microprice (100·5 + 103·3)/8 = 101.125. Settles h ≤ 500 ms.
    depth(
      101,
      T0 + 600_000,
      [],
      [
        [102, 0],
        [103, 5],
      ],
    );
    const at = (): number[][] => engine.markoutCurve.curve().map((p) => [p.vsMidQuote, p.vsMicropriceQuote]);
    // Every horizon reads 0.1·1.5 / 0.1·1.125: settled, or pending at the last references.
    for (const [mid, micro] of at()) {
      expect(mid).toBeCloseTo(0.15, 12);
      expect(micro).toBeCloseTo(0.1125, 12);
    }
    expect(engine.markout).toMatchObject({ settledFills: 0, pendingFills: 1 });
    // 101×4 / 103×5 at t + 1 s: mid 102, microprice (101·5 + 103·4)/9 = 917/9.
    depth(102, T0 + 1_100_000, [[101, 4]], []);
    const horizonsMs = [...CURVE_MARKOUT_HORIZONS_MS];
    const oneSecond = at()[horizonsMs.indexOf(1_000)]!;
    expect(oneSecond[0]).toBeCloseTo(0.2, 12);
    expect(oneSecond[1]).toBeCloseTo((917 / 9 - 100) * 0.1, 12);
    expect(at()[horizonsMs.indexOf(500)]![0]).toBeCloseTo(0.15, 12); // settled at 600 ms: unchanged
    expect(engine.markout).toMatchObject({ settledFills: 1, settledLots: 1, pendingFills: 0 });
    expect(engine.markout.markoutQuote).toBeCloseTo(0.2, 12);
    expect(engine.markoutCurve.tradeThroughFills).toBe(1);
  });
});
