/**
 * The quote bounds of docs/adr/0010-quote-bounds.md against hand-computed values: the cap
 * (`maxHalfSpreadBps`, clamped sides are 'quote-capped'), the post-only clamp, and sides that cannot be
 * priced ('price-out-of-range'), for V1-α and V1.5; the schema of the cap.
 */
import { describe, it, expect } from 'vitest';
import { AsV15Quoter } from '../../../core/quoting/v1-5.ts';
import { AsV1AlphaQuoter } from '../../../core/quoting/v1-alpha.ts';
import {
  DEFAULT_AS_V15_BTCUSDT_USDM,
  parseModelParams,
  type AsV15Params,
  type AsV1AlphaParams,
} from '../../../core/quoting/model-params.ts';
import { UNSEEN_VIEW_FIELDS, type QuoterView } from '../../../core/quoting/quoter.ts';
import { maxHalfSpreadTicks, MIN_CAP_TICKS } from '../../../core/quoting/quote-bounds.ts';

// γ = 0.01/tick, k = 0.8/tick, τ = 60 s. With σ = 300 ticks/√s: γσ²τ = 54,000 ticks, so the A&S spread
// (eq. 30) is 54,000 + 200·ln(1.0125) = 54,002.48 ticks: far beyond any cap.
const V15: AsV15Params = {
  model: 'as-v1.5',
  gamma: 0.01,
  kPerTick: 0.8,
  horizonSec: 60,
  kappaInvTicks: 0.5,
  betaOfiTicks: 0,
  betaDiTicks: 0,
  kappaVolSqrtSec: 0.1,
  minSpreadTicks: 2,
  volLongObservations: 600,
  wideningRatio: 2,
  wideningFactor: 1.5,
  maxQuoteAgeMs: 750,
  refreshOnSignFlip: false,
  quoteSizeLots: 10,
  maxInventoryLots: 30,
  volObservations: 100,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  diLevels: 5,
};

const V1A: AsV1AlphaParams = {
  model: 'as-v1-alpha',
  gamma: 0.01,
  kPerTick: 0.8,
  horizonSec: 60,
  betaOfiTicks: 0,
  minSpreadTicks: 2,
  quoteSizeLots: 10,
  maxInventoryLots: 30,
  volObservations: 100,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  diLevels: 5,
};

// A wide touch 99,990 / 100,011 (mid 100,000.5): the 50-bp cap is 500.0025 ticks.
function view(overrides: Partial<QuoterView> = {}): QuoterView {
  return {
    nowUs: 1_723_161_420_000_000,
    bestBidTicks: 99_990,
    bestAskTicks: 100_011,
    midTicks: 100_000.5,
    sigmaTicksPerSqrtSec: 300,
    ofi: 0,
    depthImbalance: 0,
    inventoryLots: 0,
    sigmaLongTicksPerSqrtSec: undefined,
    alphaTicks: 0,
    ...UNSEEN_VIEW_FIELDS,
    ...overrides,
  };
}

describe('maxHalfSpreadTicks', () => {
  it('is the bps of the mid, never below half the spread floor nor MIN_CAP_TICKS', () => {
    expect(maxHalfSpreadTicks(560_000, 50, 2)).toBeCloseTo(2_800, 9); // USDⓈ-M BTCUSDT at 56,000 USDT
    expect(maxHalfSpreadTicks(100_000.5, 10, 2)).toBeCloseTo(100.0005, 9);
    expect(maxHalfSpreadTicks(1_000, 50, 30)).toBe(15); // 5 ticks of bps < floor/2 = 15
    expect(maxHalfSpreadTicks(100.5, 50, 2)).toBe(MIN_CAP_TICKS); // 0.5 tick of bps < 10 ticks
  });
});

describe.each([
  ['V1.5', () => new AsV15Quoter(V15), (bps?: number) => new AsV15Quoter({ ...V15, maxHalfSpreadBps: bps })],
  [
    'V1-α',
    () => new AsV1AlphaQuoter(V1A),
    (bps?: number) => new AsV1AlphaQuoter({ ...V1A, maxHalfSpreadBps: bps }),
  ],
] as const)('%s quote bounds (hand-computed)', (_name, make, withCap) => {
  it('clamps both sides to the default 50-bp cap: ⌈100,000.5 − 500.0025⌉ = 99,501, ⌊100,500.5025⌋ = 100,500', () => {
    expect(make().decide(view())).toMatchObject({
      bid: { priceTicks: 99_501, sizeLots: 10 },
      ask: { priceTicks: 100_500, sizeLots: 10 },
      bidReason: 'quote-capped',
      askReason: 'quote-capped',
    });
  });

  it('uses the declared cap: 10 bp = 100.0005 ticks gives 99,901 / 100,100', () => {
    expect(withCap(10).decide(view())).toMatchObject({
      bid: { priceTicks: 99_901 },
      ask: { priceTicks: 100_100 },
      bidReason: 'quote-capped',
      askReason: 'quote-capped',
    });
  });

  it('leaves a quote inside the cap alone (reason quote)', () => {
    // σ = 3: spread 5.4 + 2.4845 (+ 0.3 κ_vol·σ for V1.5) ≈ 8 ticks, far inside 500.
    const intent = make().decide(view({ sigmaTicksPerSqrtSec: 3 }));
    expect([intent.bidReason, intent.askReason]).toEqual(['quote', 'quote']);
    expect(intent.bid!.priceTicks).toBeGreaterThan(99_990);
    expect(intent.ask!.priceTicks).toBeLessThan(100_011);
  });

  it('does not quote a side that would be ≤ 0 (price-out-of-range); the other side is capped', () => {
    // Touch 2 / 3, mid 2.5: cap = max(0.0125, 1, 10) = 10 ticks → bid ⌈−7.5⌉ = −7 (dropped), ask ⌊12.5⌋ = 12.
    const intent = make().decide(view({ bestBidTicks: 2, bestAskTicks: 3, midTicks: 2.5 }));
    expect(intent).toMatchObject({
      bid: undefined,
      bidReason: 'price-out-of-range',
      ask: { priceTicks: 12 },
      askReason: 'quote-capped',
    });
  });

  it('reports the inventory limit before the range; a long reservation puts the ask at the touch', () => {
    // q = 3: r = 2.5 − 3·54,000, so the ask's model price is far below the book: post-only → 2 + 1 = 3.
    const intent = make().decide(
      view({ bestBidTicks: 2, bestAskTicks: 3, midTicks: 2.5, inventoryLots: 30 }),
    );
    expect(intent).toMatchObject({
      bid: undefined,
      bidReason: 'inventory-limit',
      ask: { priceTicks: 3 },
      askReason: 'quote',
    });
  });

  it('does not quote an ask beyond the safe-integer range (price-out-of-range)', () => {
    const top = Number.MAX_SAFE_INTEGER;
    const intent = make().decide(view({ bestBidTicks: top - 1, bestAskTicks: top, midTicks: top - 0.5 }));
    expect(intent.ask).toBeUndefined();
    expect(intent.askReason).toBe('price-out-of-range');
  });
});

describe('V1.5: the reservation shift is capped too, post-only still applies', () => {
  it('long 2 unit orders at σ = 30: bid capped at 99,501, ask at the touch + 1', () => {
    // γσ²τ = 540 ticks per unit order, q = 20/10 = 2: r = 100,000.5 − 1,080 = 98,920.5; offset −κ_inv·q
    // = −1 → centre 98,919.5. Spread 540 + 2.4845 + 3 (κ_vol·σ) + 1 (κ_inv·|q|) = 546.4845, half 273.24:
    // bid ⌊98,646.26⌋ = 98,646 < 99,501 → capped; ask ⌈99,192.74⌉ = 99,193 → post-only ≥ 99,991.
    const intent = new AsV15Quoter(V15).decide(view({ sigmaTicksPerSqrtSec: 30, inventoryLots: 20 }));
    expect(intent).toMatchObject({
      bid: { priceTicks: 99_501 },
      bidReason: 'quote-capped',
      ask: { priceTicks: 99_991 },
      askReason: 'quote',
    });
  });

  it('records the cap in the terms', () => {
    const q = new AsV15Quoter(V15);
    q.decide(view());
    expect(q.lastTerms.maxHalfSpreadTicks).toBeCloseTo(500.0025, 9);
  });
});

describe('maxHalfSpreadBps in the schema', () => {
  it('is optional (absent = 50 bp), > 0 and ≤ 1,000', () => {
    expect(parseModelParams(DEFAULT_AS_V15_BTCUSDT_USDM, 'x')).not.toHaveProperty('maxHalfSpreadBps');
    expect(parseModelParams({ ...DEFAULT_AS_V15_BTCUSDT_USDM, maxHalfSpreadBps: 1000 }, 'x')).toMatchObject({
      maxHalfSpreadBps: 1000,
    });
    expect(() => parseModelParams({ ...DEFAULT_AS_V15_BTCUSDT_USDM, maxHalfSpreadBps: 0 }, 'x')).toThrow(
      /maxHalfSpreadBps/,
    );
    expect(() => parseModelParams({ ...V1A, maxHalfSpreadBps: 1001 }, 'x')).toThrow(/maxHalfSpreadBps/);
    expect(() => parseModelParams({ ...V1A, maxHalfSpreadBps: Number.NaN }, 'x')).toThrow(/maxHalfSpreadBps/);
  });
});
