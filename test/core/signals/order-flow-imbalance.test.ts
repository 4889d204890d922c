import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { TradeFlowImbalance } from '../../../core/signals/order-flow-imbalance.ts';
import type { AggressorSide } from '../../../core/market-events.ts';

const MS = 1000; // µs per ms

describe('TradeFlowImbalance', () => {
  it('computes (buy − sell)/(buy + sell) over (now − window, now] and expires old trades', () => {
    const ofi = new TradeFlowImbalance(1000);
    expect(ofi.value(0)).toBe(0); // empty window
    ofi.onTrade('buy', 3, 0);
    ofi.onTrade('sell', 1, 500 * MS);
    expect(ofi.value(900 * MS)).toBe(0.5); // (3 − 1)/(3 + 1)
    expect(ofi.value(1000 * MS)).toBe(-1); // trade at 0 is at the cutoff (excluded): (0 − 1)/1
    ofi.onTrade('buy', 2, 1200 * MS);
    expect(ofi.value(1200 * MS)).toBeCloseTo(1 / 3, 15); // (2 − 1)/(2 + 1)
    expect(ofi.value(1500 * MS)).toBe(1); // sell at 500 ms expired
    expect(ofi.value(2200 * MS)).toBe(0); // everything expired
    expect(ofi.tradeCount).toBe(0);
  });

  it('grows its ring buffer past the initial capacity without losing trades', () => {
    const ofi = new TradeFlowImbalance(60_000);
    for (let i = 0; i < 1000; i += 1) ofi.onTrade(i % 4 === 0 ? 'sell' : 'buy', 1 + (i % 3), i * MS);
    let buy = 0;
    let sell = 0;
    for (let i = 0; i < 1000; i += 1) {
      if (i % 4 === 0) sell += 1 + (i % 3);
      else buy += 1 + (i % 3);
    }
    expect(ofi.tradeCount).toBe(1000);
    expect(ofi.value(1000 * MS)).toBeCloseTo((buy - sell) / (buy + sell), 15);
  });

  it('treats an out-of-order trade as happening at the newest time', () => {
    const ofi = new TradeFlowImbalance(1000);
    ofi.onTrade('buy', 1, 2000 * MS);
    ofi.onTrade('sell', 1, 500 * MS); // stamped earlier: kept at 2000 ms
    expect(ofi.value(2500 * MS)).toBe(0);
  });

  it('rejects invalid sizes, times and windows', () => {
    const ofi = new TradeFlowImbalance(1000);
    expect(() => ofi.onTrade('buy', 0, 0)).toThrow(RangeError);
    expect(() => ofi.onTrade('buy', 1.5, 0)).toThrow(RangeError);
    expect(() => ofi.onTrade('sell', 1, Number.NaN)).toThrow(RangeError);
    expect(() => new TradeFlowImbalance(0)).toThrow(RangeError);
  });

  it('property: value ∈ [−1, 1] and equals a brute-force recomputation', () => {
    const trade = fc.record({
      aggressor: fc.constantFrom<AggressorSide>('buy', 'sell'),
      sizeLots: fc.integer({ min: 1, max: 1_000_000 }),
      gapUs: fc.integer({ min: 0, max: 400_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(trade, { maxLength: 600 }),
        fc.integer({ min: 1, max: 2000 }),
        (trades, windowMs) => {
          const ofi = new TradeFlowImbalance(windowMs);
          const seen: { t: number; signed: number }[] = [];
          let t = 0;
          for (const tr of trades) {
            t += tr.gapUs;
            ofi.onTrade(tr.aggressor, tr.sizeLots, t);
            seen.push({ t, signed: tr.aggressor === 'buy' ? tr.sizeLots : -tr.sizeLots });
            const v = ofi.value(t);
            let buy = 0;
            let sell = 0;
            for (const s of seen) {
              if (s.t <= t - windowMs * MS) continue;
              if (s.signed > 0) buy += s.signed;
              else sell -= s.signed;
            }
            const expected = buy + sell === 0 ? 0 : (buy - sell) / (buy + sell);
            if (!(v >= -1 && v <= 1)) return false;
            if (Math.abs(v - expected) > 1e-12) return false;
          }
          return true;
        },
      ),
    );
  });
});
