import { describe, it, expect } from 'vitest';
import {
  annualisedSharpe,
  computeKpis,
  maxDrawdown,
  ratioOrNull,
  rmsInventoryRatio,
  SECONDS_PER_YEAR,
  type KpiInputs,
} from '../../../core/metrics/kpis.ts';
import { EquitySampler } from '../../../core/metrics/equity.ts';
import { SpreadCaptureAccumulator } from '../../../core/metrics/spread-capture.ts';

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
    };
    const k = computeKpis(inputs);
    expect(k).toEqual({
      netPnlQuote: 0.5,
      feesQuote: 0.1,
      sharpe: annualisedSharpe(EQUITY),
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
});

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
    expect(() => new EquitySampler(0)).toThrow(RangeError);
  });
});
