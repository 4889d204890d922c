import { describe, it, expect } from 'vitest';
import {
  annualisedSharpe,
  computeKpis,
  incrementTStat,
  resample,
  type TradeQualityInputs,
  maxDrawdown,
  ratioOrNull,
  rmsInventoryRatio,
  SECONDS_PER_YEAR,
  type KpiInputs,
  UNTRADED_QUALITY_KPIS,
} from '../../../core/metrics/kpis.ts';
import { EquitySampler } from '../../../core/metrics/equity.ts';
import { SpreadCaptureAccumulator } from '../../../core/metrics/spread-capture.ts';

/** A run with no fill: every mark-out 0, attribution 0. */
const NO_FILLS: TradeQualityInputs = {
  markouts: [0, 100, 1_000, 5_000, 30_000].map((horizonMs) => ({
    horizonMs,
    vsMidQuote: 0,
    vsMidBp: null,
    vsMicropriceQuote: 0,
    vsMicropriceBp: null,
  })),
  attribution: {
    tradedNotionalQuote: 0,
    spreadQuote: 0,
    adverse0To1sQuote: 0,
    adverse1To30sQuote: 0,
    inventoryQuote: 0,
    feesQuote: 0,
    netQuote: 0,
    bp: null,
  },
  fillKinds: { queueFills: 0, tradeThroughFills: 0, unknownFills: 0 },
};

// A tiny 1-s equity series (quote currency) and its hand-computed figures:
// increments 1, 2, −1, 2, −3 → mean 0.2; squared deviations 0.64+3.24+1.44+3.24+10.24 = 18.8;
// sd = √(18.8/4) = √4.7 = 2.16794833886788; Sharpe = 0.2/2.16794833886788 · √31,536,000 = 518.06514...
const EQUITY = [0, 1, 3, 2, 4, 1];

describe('KPIs on a hand-computed series', () => {
  it('annualises the Sharpe ratio of 1-s increments with √(365·24·3600) and the n−1 sd', () => {
    expect(SECONDS_PER_YEAR).toBe(31_536_000);
    expect(annualisedSharpe(EQUITY)).toBeCloseTo(518.0651400757457, 9);
    // 10-s sampling: √(31,536,000/10) instead.
    expect(annualisedSharpe(EQUITY, 10)).toBeCloseTo(518.0651400757457 / Math.sqrt(10), 9);
  });

  it('computes the t-statistic of the increments: mean/sd(n−1)·√n, unannualised', () => {
    // mean 0.2, sd √4.7, n 5: 0.2/√4.7·√5 = 0.20628424925...
    expect(incrementTStat(EQUITY)).toBeCloseTo(0.2062842492517587, 12);
    expect(incrementTStat([0, 1])).toBeNull(); // one increment
    expect(incrementTStat([0, 1, 2, 3])).toBeNull(); // sd 0
  });

  it('resamples every k-th sample, dropping a trailing partial interval', () => {
    expect(resample([0, 1, 2, 3, 4, 5, 6], 3)).toEqual([0, 3, 6]);
    expect(resample([0, 1, 2, 3, 4], 3)).toEqual([0, 3]);
    expect(() => resample([0], 0)).toThrow(RangeError);
  });

  it('returns null for a Sharpe ratio that is undefined (fewer than 2 increments, or zero sd)', () => {
    expect(annualisedSharpe([])).toBeNull();
    expect(annualisedSharpe([0, 1])).toBeNull();
    expect(annualisedSharpe([0, 1, 2, 3])).toBeNull(); // constant increments: sd 0
  });

  it('measures the max drawdown from the running peak', () => {
    expect(maxDrawdown(EQUITY)).toBe(3); // peak 4 → 1
    expect(maxDrawdown([...EQUITY, -0.5])).toBe(4.5);
    expect(maxDrawdown([])).toBe(0);
    expect(maxDrawdown([1, 2, 3])).toBe(0);
    expect(maxDrawdown([-1, -2])).toBe(1);
  });

  it('computes the RMS inventory ratio √(mean((q/q_max)²))', () => {
    // ratios 0, .5, −1, 1 → squares sum 2.25 → mean .5625 → √ = .75
    expect(rmsInventoryRatio([0, 2, -4, 4], 4)).toBe(0.75);
    expect(rmsInventoryRatio([], 4)).toBeNull();
    expect(rmsInventoryRatio([1], 0)).toBeNull();
  });

  it('computes spread captured vs the mid at quote time and at fill time, lot-weighted', () => {
    const acc = new SpreadCaptureAccumulator();
    expect(acc.spreadCapturedPct()).toBeNull();
    // Fill 1: bought 2 lots at 99; quoted 99/101 around mid 100 (half spread 1); mid at fill 99.
    acc.onFill('bid', 99, 2, 100, 1, 99);
    // Fill 2: sold 1 lot at 101; quoted 99/101 while mid was 101.5 (skewed to shed inventory:
    // half spread 1, captured 101 − 101.5 = −0.5); mid at fill 102 (captured −1).
    acc.onFill('ask', 101, 1, 101.5, 1, 102);
    // at quote: (2·1 + 1·(−0.5)) / (2·1 + 1·1) = 1.5/3 = 50 %
    expect(acc.spreadCapturedPct()).toBe(50);
    // at fill: (2·0 + 1·(−1)) / 3 = −33.33 %
    expect(acc.spreadCapturedAtFillPct()).toBeCloseTo(-100 / 3, 12);
  });

  it('gives null ratios when nothing was quoted, and the plain ratio otherwise', () => {
    expect(ratioOrNull(3, 0)).toBeNull();
    expect(ratioOrNull(3, 12)).toBe(0.25);
  });

  it('assembles a KPI set whose JSON has no NaN', () => {
    const inputs: KpiInputs = {
      netPnlQuote: 0.5,
      feesQuote: 0.1,
      equitySamples: EQUITY,
      inventorySamples: [0, 2, -4, 4],
      sampleIntervalSec: 1,
      maxInventoryLots: 4,
      spreadCapturedPct: 50,
      spreadCapturedAtFillPct: null,
      quotes: 8,
      fills: 2,
      cancels: 6,
      events: 100,
      finalInventoryLots: 1,
      maxAbsInventoryLots: 4,
      tradeQuality: NO_FILLS,
    };
    const k = computeKpis(inputs);
    expect(k).toEqual({
      ...UNTRADED_QUALITY_KPIS,
      netPnlQuote: 0.5,
      feesQuote: 0.1,
      sharpe: null, // 5 s: shorter than a day (and fewer than 2 per-minute increments)
      maxDrawdownQuote: 3.5, // samples + final 0.5: trough 0.5 from peak 4
      rmsInventoryRatio: 0.75,
      spreadCapturedPct: 50,
      spreadCapturedAtFillPct: null,
      fillRatio: 0.25,
      cancelRatio: 0.75,
      quotes: 8,
      fills: 2,
      cancels: 6,
      events: 100,
      finalInventoryLots: 1,
      maxAbsInventoryLots: 4,
    });
    const empty = computeKpis({
      ...inputs,
      equitySamples: [],
      inventorySamples: [],
      quotes: 0,
      fills: 0,
      cancels: 0,
    });
    const json = JSON.stringify(empty);
    expect(json).not.toMatch(/NaN|Infinity/);
    expect(empty.sharpe).toBeNull();
    expect(empty.fillRatio).toBeNull();
    expect(empty.maxDrawdownQuote).toBe(0);
  });

  // Per-minute PnL from 1-s samples: the minute marks 0, 60, 120, 180 s hold 0, 1, 3, 2 (the seconds in
  // between wander, and must not count): increments 1, 2, −1 → mean 2/3, sd √(42/9/2) = √(7/3),
  // t = (2/3)/√(7/3)·√3 = 0.75592894601845...
  const minuteMarks = [0, 1, 3, 2];
  const wander = Array.from({ length: 181 }, (_, i) =>
    i % 60 === 0 ? minuteMarks[i / 60]! : 10 * Math.sin(i),
  );

  it('takes the t-statistic of per-minute PnL on the 60-s grid and no Sharpe for a run shorter than a day', () => {
    const k = computeKpis({
      ...baseInputs,
      equitySamples: wander,
      netPnlQuote: 2,
      tradeQuality: NO_FILLS,
    });
    expect(k.pnlTStat).toBeCloseTo(0.7559289460184544, 12);
    expect(k.sharpe).toBeNull();
  });

  it('annualises the per-minute Sharpe ratio by √(minutes per year) once the run lasts a day', () => {
    // 1440 minutes, increments alternating 1 and 3: mean 2, sd √(1440/1439); 1-s samples step each minute.
    const perMinute = [0];
    for (let m = 0; m < 1440; m++) perMinute.push(perMinute[m]! + (m % 2 === 0 ? 1 : 3));
    const equitySamples = Array.from({ length: 86_401 }, (_, i) => perMinute[Math.floor(i / 60)]!);
    const k = computeKpis({ ...baseInputs, equitySamples, netPnlQuote: 2880, tradeQuality: NO_FILLS });
    expect(k.sharpe).toBeCloseTo(1449.461969145793, 8); // 2/√(1440/1439)·√525,600
    expect(k.pnlTStat).toBeCloseTo((2 / Math.sqrt(1440 / 1439)) * Math.sqrt(1440), 9);
  });

  it('gives the trade-quality figures in bp of traded notional, from quote sums', () => {
    // Two fills, notional 20,000 quote; fees 20 (10 bp); mark-outs (mid) 0: −0.2, 100 ms: −1, 1 s: −2,
    // 5 s: −3, 30 s: −4; microprice 1 s: −2.5; end −5 → inventory −1. Net = −5 − 20 = −25.
    const markouts = [
      [0, -0.2, -0.2],
      [100, -1, -1],
      [1_000, -2, -2.5],
      [5_000, -3, -3],
      [30_000, -4, -4],
    ].map(([horizonMs, mid, micro]) => ({
      horizonMs: horizonMs!,
      vsMidQuote: mid!,
      vsMidBp: null,
      vsMicropriceQuote: micro!,
      vsMicropriceBp: null,
    }));
    const k = computeKpis({
      ...baseInputs,
      netPnlQuote: -25,
      feesQuote: 20,
      tradeQuality: {
        markouts,
        attribution: {
          tradedNotionalQuote: 20_000,
          spreadQuote: -0.2,
          adverse0To1sQuote: -1.8,
          adverse1To30sQuote: -2,
          inventoryQuote: -1,
          feesQuote: 20,
          netQuote: -25,
          bp: null,
        },
        fillKinds: { queueFills: 1, tradeThroughFills: 1, unknownFills: 0 },
      },
    });
    const bp = (quote: number): number => (1e4 * quote) / 20_000; // 0.5 bp per quote unit
    expect(k).toMatchObject({ tradedNotionalQuote: 20_000, queueFills: 1, tradeThroughFills: 1 });
    const figures = {
      grossBp: bp(-5),
      netBp: bp(-25),
      feesBp: 10,
      markout100msBp: bp(-1),
      markout1sBp: bp(-2),
      markout5sBp: bp(-3),
      markout30sBp: bp(-4),
      markout1sMicropriceBp: bp(-2.5),
      spreadBp: bp(-0.2),
      adverse0To1sBp: bp(-1.8),
      adverse1To30sBp: bp(-2),
      inventoryBp: bp(-1),
    };
    for (const [name, v] of Object.entries(figures))
      expect([name, k[name as keyof typeof figures]]).toEqual([name, expect.closeTo(v, 12)]);
    expect(() => computeKpis({ ...baseInputs, tradeQuality: { ...NO_FILLS, markouts: [] } })).toThrow(
      RangeError,
    );
  });
});

const baseInputs: KpiInputs = {
  netPnlQuote: 0,
  feesQuote: 0,
  equitySamples: [],
  inventorySamples: [],
  sampleIntervalSec: 1,
  maxInventoryLots: 4,
  spreadCapturedPct: null,
  spreadCapturedAtFillPct: null,
  quotes: 0,
  fills: 0,
  cancels: 0,
  events: 0,
  finalInventoryLots: 0,
  maxAbsInventoryLots: 0,
  tradeQuality: NO_FILLS,
};

describe('EquitySampler', () => {
  it('samples the state before each 1-s grid time, repeating it across gaps', () => {
    const s = new EquitySampler();
    expect(s.isDue(5)).toBe(true);
    s.record(5, 0, 0); // starts the grid at t0 = 5 µs
    expect(s.isDue(1_000_004)).toBe(false);
    expect(s.isDue(1_000_005)).toBe(true);
    s.record(2_500_000, 7, -3); // grid times 1_000_005 and 2_000_005 both hold the state (7, −3)
    expect(s.equitySeries()).toEqual([0, 7, 7]);
    expect(s.inventorySeries()).toEqual([0, -3, -3]);
    expect(s.midSeries()).toEqual([undefined, undefined, undefined]); // no mid given
    expect(s.startUs).toBe(5);
    expect(() => new EquitySampler(0)).toThrow(RangeError);
  });

  it('samples the mid on the same grid (undefined while there is none)', () => {
    const s = new EquitySampler(10);
    expect(s.startUs).toBeUndefined();
    s.record(0, 0, 0);
    s.record(10, 0, 0, 100.5);
    s.record(25, 1, 1, 101);
    expect(s.midSeries()).toEqual([undefined, 100.5, 101]);
  });
});
