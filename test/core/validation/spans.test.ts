import { describe, expect, it } from 'vitest';
import { UNTRADED_QUALITY_KPIS, type Kpis } from '../../../core/metrics/kpis.ts';
import { combineSpanKpis, contiguousSpans } from '../../../core/validation/spans.ts';

const base: Kpis = {
  netPnlQuote: 0,
  feesQuote: 0,
  sharpe: null,
  maxDrawdownQuote: 0,
  rmsInventoryRatio: null,
  spreadCapturedPct: null,
  spreadCapturedAtFillPct: null,
  fillRatio: null,
  cancelRatio: null,
  quotes: 0,
  fills: 0,
  cancels: 0,
  events: 0,
  finalInventoryLots: 0,
  maxAbsInventoryLots: 0,
  ...UNTRADED_QUALITY_KPIS,
};

describe('contiguousSpans', () => {
  it('merges back-to-back windows of one session and splits at a hole or a session change', () => {
    expect(
      contiguousSpans([
        { sessionId: 'a', startUs: 0, endUs: 10 },
        { sessionId: 'a', startUs: 10, endUs: 20 },
        { sessionId: 'a', startUs: 30, endUs: 40 }, // window 20..30 excluded
        { sessionId: 'b', startUs: 40, endUs: 50 },
      ]),
    ).toEqual([
      { sessionId: 'a', startUs: 0, endUs: 20 },
      { sessionId: 'a', startUs: 30, endUs: 40 },
      { sessionId: 'b', startUs: 40, endUs: 50 },
    ]);
    expect(contiguousSpans([])).toEqual([]);
  });
});

/** The fixture without the figures checked one by one above the deep-equal. */
function withoutRecomputed(
  k: typeof UNTRADED_QUALITY_KPIS,
): Omit<typeof UNTRADED_QUALITY_KPIS, 'pnlTStat' | 'grossBp' | 'netBp' | 'feesBp'> {
  const { pnlTStat: _t, grossBp: _g, netBp: _n, feesBp: _f, ...rest } = k;
  return rest;
}

describe('combineSpanKpis', () => {
  it('returns a single span unchanged', () => {
    const k = { ...base, sharpe: 1.5 };
    expect(combineSpanKpis([{ kpis: k, durationUs: 5 }])).toBe(k);
  });

  it('sums, maximises, recomputes ratios and weights means by time or fills (hand-computed)', () => {
    const a: Kpis = {
      ...base,
      netPnlQuote: 2,
      feesQuote: -0.5,
      sharpe: 3,
      maxDrawdownQuote: 1,
      rmsInventoryRatio: 0.3,
      spreadCapturedPct: 40,
      spreadCapturedAtFillPct: 20,
      fillRatio: 0.5,
      cancelRatio: 0.5,
      quotes: 10,
      fills: 5,
      cancels: 5,
      events: 100,
      finalInventoryLots: 3,
      maxAbsInventoryLots: 4,
      pnlTStat: 2,
      tradedNotionalQuote: 1000,
      markout1sBp: -2,
      queueFills: 1,
      tradeThroughFills: 4,
    };
    const b: Kpis = {
      ...base,
      netPnlQuote: -1,
      feesQuote: -0.25,
      sharpe: null,
      maxDrawdownQuote: 2.5,
      rmsInventoryRatio: 0.6,
      spreadCapturedPct: 100,
      spreadCapturedAtFillPct: 50,
      fillRatio: 1.5,
      cancelRatio: 0,
      quotes: 10,
      fills: 15,
      cancels: 0,
      events: 300,
      finalInventoryLots: -2,
      maxAbsInventoryLots: 2,
      pnlTStat: -1,
      tradedNotionalQuote: 3000,
      markout1sBp: -6,
      queueFills: 5,
      tradeThroughFills: 10,
    };
    const c = combineSpanKpis([
      { kpis: a, durationUs: 60_000_000 },
      { kpis: b, durationUs: 120_000_000 },
    ]);
    const { rmsInventoryRatio, pnlTStat, grossBp, netBp, feesBp, ...rest } = c;
    // √((60 s · 0.3² + 120 s · 0.6²) / 180 s) = √0.27
    expect(rmsInventoryRatio).toBeCloseTo(Math.sqrt(0.27), 14);
    // 1 and 2 minutes: (2·√1 + (−1)·√2) / √3 = 0.33820395...
    expect(pnlTStat).toBeCloseTo(0.3382039575, 9);
    // Recomputed from the sums: 10⁴·(1 + (−0.75)) / 4000 = 0.625; 10⁴·1/4000 = 2.5; 10⁴·(−0.75)/4000.
    expect(grossBp).toBeCloseTo(0.625, 12);
    expect(netBp).toBeCloseTo(2.5, 12);
    expect(feesBp).toBeCloseTo(-1.875, 12);
    expect(rest).toEqual({
      netPnlQuote: 1,
      feesQuote: -0.75,
      sharpe: 3, // the only defined one
      maxDrawdownQuote: 2.5,
      spreadCapturedPct: (5 * 40 + 15 * 100) / 20, // 85
      spreadCapturedAtFillPct: (5 * 20 + 15 * 50) / 20, // 42.5
      fillRatio: 1, // 20 / 20
      cancelRatio: 0.25, // 5 / 20
      quotes: 20,
      fills: 20,
      cancels: 5,
      events: 400,
      finalInventoryLots: -2,
      maxAbsInventoryLots: 4,
      ...withoutRecomputed(UNTRADED_QUALITY_KPIS),
      tradedNotionalQuote: 4000,
      markout1sBp: (1000 * -2 + 3000 * -6) / 4000, // −5: notional-weighted, = 10⁴·Σ quote / Σ notional
      queueFills: 6,
      tradeThroughFills: 14,
    });
    expect(() => combineSpanKpis([])).toThrow('no span');
  });
});
