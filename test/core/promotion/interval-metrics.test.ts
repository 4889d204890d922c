import { describe, expect, it } from 'vitest';
import { intervalMetrics, type SampleLike } from '../../../core/promotion/interval-metrics.ts';

/** One sample a second of run r1; columns as in the table below. */
function series(
  run: string,
  rows: readonly (readonly [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ])[],
  startSeq = 0,
): SampleLike[] {
  return rows.map(([atMs, net, markout, markoutFills, inv, fills, lots, quotes, rejects, fraction], i) => ({
    engineRunId: run,
    seq: startSeq + i,
    atMs,
    appliedRevision: atMs < 3000 ? 3 : 4,
    appliedVersion: atMs < 3000 ? 'm@1' : 'm@2',
    capitalFraction: fraction,
    netPnlQuote: net,
    markout1sQuote: markout,
    markoutFills,
    inventoryLots: inv,
    fills,
    filledLots: lots,
    quotesPlaced: quotes,
    rejects,
  }));
}

// atMs, netPnl, markout, markoutFills, inventory, fills, filledLots, quotesPlaced, rejects, fraction
const r1 = series('r1', [
  [0, 10, 0, 0, 0, 0, 0, 0, 0, 0.5],
  [1000, 12, 1, 1, 2, 1, 2, 4, 0, 0.5],
  [2000, 11, 1, 1, -2, 1, 2, 8, 1, 0.5],
  [3000, 15, 3, 2, 4, 2, 4, 12, 1, 1],
  [4000, 9, 2, 3, 0, 3, 6, 16, 2, 1],
  [5000, 13, 4, 4, -1, 4, 8, 20, 2, 1],
]);

describe('intervalMetrics', () => {
  it('differences the end sample and the baseline at fromMs (hand figures)', () => {
    // [1000, 4500]: baseline @1000, end @4000. Δnet 9 − 12 = −3; Δmarkout 2 − 1 = 1 over 2 fills → 0.5;
    // fills 2, lots 4; quotes 12, rejects 2 → 1/6. Inside: inventories 2, −2, 4, 0 → √(24/4) = √6;
    // fractions 0.5, 0.5, 1, 1 → 0.75. Net path 12, 11, 15, 9: drawdown max(1, 15 − 9) = 6.
    expect(intervalMetrics(r1, 1000, 4500)).toEqual({
      netPnlQuote: -3,
      markout1sQuote: 1,
      markoutPerFillQuote: 0.5,
      fills: 2,
      filledLots: 4,
      rmsInventoryLots: Math.sqrt(6),
      maxDrawdownQuote: 6,
      rejectRate: 2 / 12,
      quotesPlaced: 12,
      capitalFraction: 0.75,
      samples: 4,
      engineRunId: 'r1',
      fromAtMs: 1000,
      toAtMs: 4000,
    });
  });

  it('uses the last sample before fromMs as baseline, and only inside samples for RMS', () => {
    // [1500, 4500]: baseline @1000, inside 2000..4000: inventories −2, 4, 0 → √(20/3).
    const m = intervalMetrics([...r1].reverse(), 1500, 4500);
    expect(m).toMatchObject({ netPnlQuote: -3, samples: 3, fromAtMs: 1000 });
    expect(m?.rmsInventoryLots).toBeCloseTo(Math.sqrt(20 / 3), 14);
  });

  it('falls back to the first sample inside when none is before fromMs', () => {
    expect(intervalMetrics(r1, -500, 2000)).toMatchObject({
      netPnlQuote: 1,
      fromAtMs: 0,
      samples: 3,
      maxDrawdownQuote: 1,
    });
  });

  it('no quote, no settled fill → undefined rates; no sample inside → undefined', () => {
    expect(intervalMetrics(r1, 5000, 5000)).toMatchObject({
      netPnlQuote: 0,
      rejectRate: undefined,
      markoutPerFillQuote: undefined,
      samples: 1,
    });
    expect(intervalMetrics(r1, 5200, 5800)).toBeUndefined();
    expect(intervalMetrics([], 0, 1000)).toBeUndefined();
  });

  it("measures only the end sample's engine run after a restart", () => {
    // r2 restarts the counters at 6000; [4500, 7000] is measured on r2 alone from its first sample.
    const r2 = series('r2', [
      [6000, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      [7000, 1, 0, 0, 1, 1, 1, 2, 0, 1],
    ]);
    expect(intervalMetrics([...r1, ...r2], 4500, 7000)).toMatchObject({
      engineRunId: 'r2',
      netPnlQuote: 1,
      fills: 1,
      fromAtMs: 6000,
      toAtMs: 7000,
      samples: 2,
    });
    // Another run's sample between baseline and end (two writers) → undefined.
    const intruder = series('rX', [[2500, 100, 0, 0, 0, 0, 0, 0, 0, 1]]);
    expect(intervalMetrics([...r1, ...intruder], 1000, 4500)).toBeUndefined();
  });

  it('restricts to one applied revision / version after the baseline when asked', () => {
    // Revision 3 up to 2000, 4 from 3000. [2500, 5000]: baseline @2000 (rev 3) is allowed.
    expect(intervalMetrics(r1, 2500, 5000, { appliedRevision: 4 })).toMatchObject({ netPnlQuote: 2 });
    expect(intervalMetrics(r1, 2500, 5000, { appliedVersion: 'm@2' })).toMatchObject({ netPnlQuote: 2 });
    expect(intervalMetrics(r1, 1000, 5000, { appliedRevision: 4 })).toBeUndefined();
    expect(intervalMetrics(r1, 1000, 5000, { appliedVersion: 'm@1' })).toBeUndefined();
  });

  it('rejects a reversed interval', () => {
    expect(() => intervalMetrics(r1, 10, 5)).toThrow(RangeError);
  });
});
