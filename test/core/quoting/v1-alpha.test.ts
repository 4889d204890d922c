import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { AsV1AlphaQuoter } from '../../../core/quoting/v1-alpha.ts';
import type { AsV1AlphaParams } from '../../../core/quoting/model-params.ts';
import { UNSEEN_VIEW_FIELDS, type QuoterView } from '../../../core/quoting/quoter.ts';
import { InvariantViolation } from '../../../core/errors.ts';

// Round numbers for hand computation: γ = 0.01/tick, k = 0.8/tick, τ = 60 s, σ = 3 ticks/√s gives
//   γσ²τ = 0.01·9·60 = 5.4 ticks of skew per unit order,
//   spread = 5.4 + 200·ln(1.0125) = 7.884504 ticks, half = 3.942252 ticks.
const PARAMS: AsV1AlphaParams = {
  model: 'as-v1-alpha',
  gamma: 0.01,
  kPerTick: 0.8,
  horizonSec: 60,
  betaOfiTicks: 5,
  minSpreadTicks: 2,
  quoteSizeLots: 10,
  maxInventoryLots: 30,
  volObservations: 100,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  diLevels: 5,
};

// Touch 100000 / 100001: mid 100000.5 (a fractional centre when flat).
function view(overrides: Partial<QuoterView> = {}): QuoterView {
  return {
    nowUs: 1_723_161_255_000_000,
    bestBidTicks: 100_000,
    bestAskTicks: 100_001,
    midTicks: 100_000.5,
    sigmaTicksPerSqrtSec: 3,
    ofi: 0,
    depthImbalance: 0,
    inventoryLots: 0,
    sigmaLongTicksPerSqrtSec: undefined,
    alphaTicks: 0,
    ...UNSEEN_VIEW_FIELDS,
    ...overrides,
  };
}

describe('AsV1AlphaQuoter', () => {
  const quoter = new AsV1AlphaQuoter(PARAMS);

  it('rounds the bid down and the ask up around a fractional centre', () => {
    // flat: centre = r = 100000.5; bid = floor(100000.5 − 3.942252) = floor(99996.557748) = 99996
    //                              ask = ceil(100000.5 + 3.942252) = ceil(100004.442252) = 100005
    const intent = quoter.decide(view());
    expect(intent.bid).toEqual({ priceTicks: 99_996, sizeLots: 10 });
    expect(intent.ask).toEqual({ priceTicks: 100_005, sizeLots: 10 });
    expect(intent.bidReason).toBe('quote');
    expect(intent.askReason).toBe('quote');
    expect(intent.decidedAtUs).toBe(1_723_161_255_000_000);
    expect(intent.midTicks).toBe(100_000.5);
  });

  it('clamps the OFI shift to ±1 tick', () => {
    // β·OFI = 5·0.5 = 2.5 → +1: centre 100001.5 → bid floor(99997.557748) = 99997, ask ceil(100005.442252) = 100006
    const up = quoter.decide(view({ ofi: 0.5 }));
    expect([up.bid?.priceTicks, up.ask?.priceTicks]).toEqual([99_997, 100_006]);
    // β·OFI = 5·(−1) = −5 → −1: centre 99999.5 → bid floor(99995.557748) = 99995, ask ceil(100003.442252) = 100004
    const down = quoter.decide(view({ ofi: -1 }));
    expect([down.bid?.priceTicks, down.ask?.priceTicks]).toEqual([99_995, 100_004]);
    // inside the clamp: β·OFI = 5·0.1 = 0.5: centre 100001 → bid floor(99997.057748) = 99997, ask ceil(100004.942252) = 100005
    const small = quoter.decide(view({ ofi: 0.1 }));
    expect([small.bid?.priceTicks, small.ask?.priceTicks]).toEqual([99_997, 100_005]);
  });

  it('floors the spread at minSpreadTicks', () => {
    // k = 10, σ = 0: spread = 200·ln(1.001) = 0.1999 < 2 → 2, half 1:
    // bid = floor(100000.5 − 1) = 99999, ask = ceil(100000.5 + 1) = 100002
    const floored = new AsV1AlphaQuoter({ ...PARAMS, kPerTick: 10 }).decide(
      view({ sigmaTicksPerSqrtSec: 0 }),
    );
    expect([floored.bid?.priceTicks, floored.ask?.priceTicks]).toEqual([99_999, 100_002]);
    // without the floor: half = 0.09995 → bid floor(100000.40005) = 100000, ask ceil(100000.59995) = 100001
    const unfloored = new AsV1AlphaQuoter({ ...PARAMS, kPerTick: 10, minSpreadTicks: 0 }).decide(
      view({ sigmaTicksPerSqrtSec: 0 }),
    );
    expect([unfloored.bid?.priceTicks, unfloored.ask?.priceTicks]).toEqual([100_000, 100_001]);
  });

  it('skews with inventory and never crosses the touch (post-only)', () => {
    // long 20 lots = q 2: r = 100000.5 − 10.8 = 99989.7; bid = floor(99985.757748) = 99985;
    // ask = ceil(99993.642252) = 99994 would cross the bid 100000 → bestBid + 1 = 100001
    const long = quoter.decide(view({ inventoryLots: 20 }));
    expect([long.bid?.priceTicks, long.ask?.priceTicks]).toEqual([99_985, 100_001]);
    // short 20 lots = q −2: r = 100011.3; bid = floor(100007.357748) = 100007 → bestAsk − 1 = 100000;
    // ask = ceil(100015.242252) = 100016
    const short = quoter.decide(view({ inventoryLots: -20 }));
    expect([short.bid?.priceTicks, short.ask?.priceTicks]).toEqual([100_000, 100_016]);
  });

  it('drops the side whose fill would exceed the inventory limit, on each side', () => {
    // max 30, size 10: long 20 → bid fill reaches 30 (allowed); long 25 → 35 (dropped)
    expect(quoter.decide(view({ inventoryLots: 20 })).bidReason).toBe('quote');
    const longLimit = quoter.decide(view({ inventoryLots: 25 }));
    expect(longLimit.bid).toBeUndefined();
    expect(longLimit.bidReason).toBe('inventory-limit');
    expect(longLimit.askReason).toBe('quote');
    expect(longLimit.ask).toBeDefined();
    const shortLimit = quoter.decide(view({ inventoryLots: -25 }));
    expect(shortLimit.ask).toBeUndefined();
    expect(shortLimit.askReason).toBe('inventory-limit');
    expect(shortLimit.bidReason).toBe('quote');
    // already beyond the limit: the reducing side is still quoted
    const beyond = quoter.decide(view({ inventoryLots: 45 }));
    expect([beyond.bidReason, beyond.askReason]).toEqual(['inventory-limit', 'quote']);
  });

  it('gives no quotes with a reason when the book or σ is not ready', () => {
    for (const v of [
      view({ bestBidTicks: undefined, midTicks: undefined }),
      view({ bestAskTicks: undefined, midTicks: undefined }),
      view({ midTicks: undefined }),
      view({ bestBidTicks: 100_001, bestAskTicks: 100_001 }), // crossed/locked book
    ]) {
      const intent = quoter.decide(v);
      expect([intent.bid, intent.ask, intent.bidReason, intent.askReason]).toEqual([
        undefined,
        undefined,
        'book-not-ready',
        'book-not-ready',
      ]);
    }
    const noSigma = quoter.decide(view({ sigmaTicksPerSqrtSec: undefined }));
    expect([noSigma.bid, noSigma.ask, noSigma.bidReason, noSigma.askReason]).toEqual([
      undefined,
      undefined,
      'no-volatility-yet',
      'no-volatility-yet',
    ]);
  });

  it('shares an unchanged leg object with the previous intent (legs are immutable)', () => {
    const q = new AsV1AlphaQuoter(PARAMS);
    const first = q.decide(view());
    const again = q.decide(view({ nowUs: 1_723_161_255_000_100, depthImbalance: 2 })); // DI is not an input
    expect(again).not.toBe(first);
    expect(again.decidedAtUs).toBe(1_723_161_255_000_100);
    expect(again.bid).toBe(first.bid);
    expect(again.ask).toBe(first.ask);
    // ofi 0.1 moves the centre by 0.5 tick: bid 99997 (a new leg), ask still 100005 (the same leg object)
    const moved = q.decide(view({ ofi: 0.1 }));
    expect(moved.bid).toEqual({ priceTicks: 99_997, sizeLots: 10 });
    expect(moved.bid).not.toBe(first.bid);
    expect(moved.ask).toBe(first.ask);
    expect(q.readsDepthImbalance).toBe(false);
  });

  it('decides exactly as a fresh quoter on any sequence of views (property: shared legs never change a result)', () => {
    const views = fc.record({
      nowUs: fc.constantFrom(1_000, 2_000),
      bestBidTicks: fc.constantFrom(100_000, 100_001, undefined),
      bestAskTicks: fc.constantFrom(100_001, 100_003),
      sigmaTicksPerSqrtSec: fc.constantFrom(0, 3, 40, undefined),
      ofi: fc.constantFrom(0, 0.1, -1, 0.5),
      depthImbalance: fc.constantFrom(0, 1.5),
      inventoryLots: fc.constantFrom(0, 20, -25, 45),
    });
    fc.assert(
      fc.property(fc.array(views, { maxLength: 40 }), (seq) => {
        const memo = new AsV1AlphaQuoter(PARAMS);
        for (const v of seq) {
          const full: QuoterView = {
            ...v,
            sigmaLongTicksPerSqrtSec: undefined,
            alphaTicks: 0,
            ...UNSEEN_VIEW_FIELDS,
            midTicks: v.bestBidTicks === undefined ? undefined : (v.bestBidTicks + v.bestAskTicks) / 2,
          };
          expect(memo.decide(full)).toEqual(new AsV1AlphaQuoter(PARAMS).decide(full));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('fails loudly on invariant violations and invalid params', () => {
    expect(() => quoter.decide(view({ ofi: Number.NaN }))).toThrow(InvariantViolation);
    expect(() => quoter.decide(view({ inventoryLots: Number.NaN }))).toThrow(/view\.inventoryLots/);
    expect(() => quoter.decide(view({ sigmaTicksPerSqrtSec: -1 }))).toThrow(InvariantViolation);
    expect(() => quoter.decide(view({ midTicks: Number.POSITIVE_INFINITY }))).toThrow(InvariantViolation);
    expect(() => new AsV1AlphaQuoter({ ...PARAMS, gamma: 0 })).toThrow();
  });
});
